"""categories.active_product_count, kept by triggers on products

A category page says how many products it holds and how many pages that makes; counting them per
request read every row of a 100,000-product category (85 ms on PostgreSQL). The count is kept
where every write passes, the database: triggers on `products` move it on each insert, delete,
move to another category and (de)activation, whether the ORM, a bulk insert or an import wrote
the rows. On PostgreSQL each statement notes its change and the sum is applied once at commit
(below); SQLite has only row triggers, which update its rows in place (linear, no row versions).

SQLite: a later batch migration that rebuilds `products` drops these triggers with the old
table; it must create them again (`tests/catalog/test_miss_path_counts.py` fails if it does not).

Revision ID: 3c1f0b9e7a42
Revises: f1d969bda06c
Create Date: 2026-12-02 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c1f0b9e7a42'
down_revision = 'f1d969bda06c'
branch_labels = None
depends_on = None

# PostgreSQL. Each statement on `products` notes what it changed per category (its transition
# tables: the rows it inserted or left active count +1, those it deleted or that were active
# before it -1) in a transaction-local setting; a deferred trigger adds the sum to `categories`
# once, at commit. Updating the category row at every statement would make a transaction of many
# small writes (an import's row-by-row updates) quadratic: each update of the same row walks all
# the row versions the transaction already made (6,000 single-row inserts: 1.3 s instead of 0.1).
# At commit the categories are locked in id order, so two catalog writers cannot deadlock on them.
_DELTA = "SELECT category_id, sum(n) AS n FROM ({rows}) AS changed GROUP BY category_id HAVING sum(n) <> 0"
_NEW = "SELECT category_id, 1 AS n FROM new_rows WHERE active"
_OLD = "SELECT category_id, -1 AS n FROM old_rows WHERE active"
_SETTING = "storefront.category_count_delta"


def _note(rows: str) -> str:
    return f"""
            SELECT coalesce(jsonb_object_agg(category_id, n), '{{}}') INTO changed
                FROM ({_DELTA.format(rows=rows)}) AS d;"""


POSTGRESQL = [
    f"""
    CREATE FUNCTION products_count_note() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        changed jsonb;
        pending jsonb := coalesce(nullif(current_setting('{_SETTING}', true), ''), '{{}}')::jsonb;
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            PERFORM set_config('{_SETTING}', '{{}}', true);
            UPDATE categories SET active_product_count = 0 WHERE active_product_count <> 0;
            RETURN NULL;
        ELSIF TG_OP = 'INSERT' THEN{_note(_NEW)}
        ELSIF TG_OP = 'DELETE' THEN{_note(_OLD)}
        ELSE{_note(_NEW + " UNION ALL " + _OLD)}
        END IF;
        IF changed <> '{{}}' THEN
            SELECT coalesce(jsonb_object_agg(key, total), '{{}}') INTO pending FROM (
                SELECT key, sum(value::bigint) AS total
                FROM (SELECT * FROM jsonb_each_text(pending) UNION ALL SELECT * FROM jsonb_each_text(changed)) AS both_
                GROUP BY key HAVING sum(value::bigint) <> 0) AS merged;
            PERFORM set_config('{_SETTING}', pending::text, true);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE FUNCTION products_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        pending text := nullif(current_setting('{_SETTING}', true), '');
    BEGIN
        IF pending IS NULL OR pending = '{{}}' THEN
            RETURN NULL;  -- applied by an earlier row's trigger of this commit
        END IF;
        PERFORM set_config('{_SETTING}', '{{}}', true);
        PERFORM 1 FROM categories WHERE id IN (SELECT key::integer FROM jsonb_each_text(pending::jsonb))
            ORDER BY id FOR NO KEY UPDATE;
        UPDATE categories SET active_product_count = active_product_count + d.value::bigint
            FROM jsonb_each_text(pending::jsonb) AS d WHERE categories.id = d.key::integer;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER products_count_insert AFTER INSERT ON products
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION products_count_note()
    """,
    """
    CREATE TRIGGER products_count_update AFTER UPDATE ON products
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION products_count_note()
    """,
    """
    CREATE TRIGGER products_count_delete AFTER DELETE ON products
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION products_count_note()
    """,
    """
    CREATE TRIGGER products_count_truncate AFTER TRUNCATE ON products
        FOR EACH STATEMENT EXECUTE FUNCTION products_count_note()
    """,
    # Queued only for rows that change a count; the first to run at commit applies them all.
    """
    CREATE CONSTRAINT TRIGGER products_count_apply_insert AFTER INSERT ON products
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.active) EXECUTE FUNCTION products_count_apply()
    """,
    """
    CREATE CONSTRAINT TRIGGER products_count_apply_update AFTER UPDATE ON products
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
        WHEN (OLD.active IS DISTINCT FROM NEW.active OR OLD.category_id IS DISTINCT FROM NEW.category_id)
        EXECUTE FUNCTION products_count_apply()
    """,
    """
    CREATE CONSTRAINT TRIGGER products_count_apply_delete AFTER DELETE ON products
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.active) EXECUTE FUNCTION products_count_apply()
    """,
]

SQLITE = [
    """
    CREATE TRIGGER products_count_insert AFTER INSERT ON products WHEN NEW.active
    BEGIN
        UPDATE categories SET active_product_count = active_product_count + 1 WHERE id = NEW.category_id;
    END
    """,
    """
    CREATE TRIGGER products_count_update AFTER UPDATE OF active, category_id ON products
    WHEN OLD.active IS NOT NEW.active OR OLD.category_id IS NOT NEW.category_id
    BEGIN
        UPDATE categories SET active_product_count = active_product_count - 1
            WHERE id = OLD.category_id AND OLD.active;
        UPDATE categories SET active_product_count = active_product_count + 1
            WHERE id = NEW.category_id AND NEW.active;
    END
    """,
    """
    CREATE TRIGGER products_count_delete AFTER DELETE ON products WHEN OLD.active
    BEGIN
        UPDATE categories SET active_product_count = active_product_count - 1 WHERE id = OLD.category_id;
    END
    """,
]


def upgrade():
    op.add_column('categories', sa.Column('active_product_count', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE categories SET active_product_count = (SELECT count(*) FROM products "
               "WHERE products.category_id = categories.id AND products.active)")
    for statement in POSTGRESQL if op.get_bind().dialect.name == 'postgresql' else SQLITE:
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    triggers = ['products_count_insert', 'products_count_update', 'products_count_delete']
    if postgresql:
        triggers += ['products_count_truncate', 'products_count_apply_insert', 'products_count_apply_update',
                     'products_count_apply_delete']
    for trigger in triggers:
        op.execute(f'DROP TRIGGER IF EXISTS {trigger}' + (' ON products' if postgresql else ''))
    if postgresql:
        op.execute('DROP FUNCTION IF EXISTS products_count_note()')
        op.execute('DROP FUNCTION IF EXISTS products_count_apply()')
    # Not a batch rebuild: on SQLite, dropping the old `categories` would fail its products' foreign
    # keys. SQLite drops a column in place since 3.35.
    op.drop_column('categories', 'active_product_count')
