"""product_search: a full-text index of every active product in each of the shop's languages

Search looked for the typed text with LIKE in every product's English title and description: a
scan of the whole catalog per search (81 ms at 100,000 products on SQLite), blind to Spanish and
Latvian, to accents ("dzemperis" missed "Džemperis") and to relevance. The index keeps, per active
product and per language (en, es, lv), the title, the names of its category and of that one's
parent, and the description in that language, falling back to the default language's columns
where a translation is missing; the queries are in storefront/catalog/search.py.

  PostgreSQL: a table of one tsvector per language (English and Spanish stemmed, Latvian, which
  PostgreSQL has no stemmer for, as words), accents removed by the `unaccent` extension through
  an immutable wrapper (`search_unaccent`, its dictionary named, so the result depends on no
  search_path), each with a GIN index.
  SQLite: an FTS5 table, one column per language and field, whose tokenizer folds case and strips
  diacritics (`unicode61 remove_diacritics 2`), keyed by the product's id (its rowid).

The index is kept where every write passes, the database, as the category counts are (migration
3c1f0b9e7a42): triggers rewrite a product's row on each insert, each change of its texts,
category or activity, and every product of a category (or of its children) whose name or parent
changes; a deleted product's row goes with it. So the ORM, bulk inserts, the CSV import and the
demo loader all keep it current.

Neither object is in the models' metadata (SQLAlchemy has no type for an FTS5 table): Alembic's
comparison skips them (`storefront.catalog.search.belongs_to_models`, Flask-Migrate's `include_name`).
SQLite: a later batch migration that rebuilds `products` or `categories` drops these triggers with
the old table; it must create them again (tests/catalog/test_search.py fails if it does not).

Revision ID: 8a1c2e4f6b06
Revises: 8a1c2e4f6b05
Create Date: 2026-12-02 12:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8a1c2e4f6b06'
down_revision = '8a1c2e4f6b05'
branch_labels = None
depends_on = None

DEFAULT_LANGUAGE = 'en'
# PostgreSQL's text-search configuration per language: it has no Latvian stemmer.
CONFIGURATIONS = {'en': 'english', 'es': 'spanish', 'lv': 'simple'}
# Each language's texts: (index field, its weight on PostgreSQL: A counts most; SQLite weighs its
# columns at query time). The category is its name and its parent's ("Pullovers Sweaters"), so
# "sweater" finds the pullovers.
FIELDS = (('title', 'A'), ('category', 'B'), ('description', 'D'))


def _text(sqlite: bool, row: str, column: str, language: str) -> str:
    """The row's text in `language`, or its default-language column where that is missing or empty."""
    if language == DEFAULT_LANGUAGE:
        return f'{row}.{column}'
    translated = (f"json_extract({row}.translations, '$.{language}.{column}')" if sqlite
                  else f"({row}.translations -> '{language}' ->> '{column}')")
    return f"coalesce(nullif({translated}, ''), {row}.{column})"


def _field(sqlite: bool, field: str, language: str) -> str:
    """A field's text in `language`, from the product (p), its category (c) and that one's parent (pc)."""
    if field == 'category':
        parent = _text(sqlite, 'pc', 'name', language)
        return f"{_text(sqlite, 'c', 'name', language)} || ' ' || coalesce({parent}, '')"
    return _text(sqlite, 'p', field, language)


def _document(language: str) -> str:
    configuration = CONFIGURATIONS[language]
    return ' || '.join(
        f"setweight(to_tsvector('{configuration}', search_unaccent({_field(False, field, language)})), '{weight}')"
        for field, weight in FIELDS)


def _fill(sqlite: bool, source: str, where: str) -> str:
    """INSERT the index rows of the active products of `source` (aliased p) that `where` keeps."""
    if sqlite:
        columns = ['rowid'] + [f'{field}_{language}' for language in CONFIGURATIONS for field, _ in FIELDS]
        values = ['p.id'] + [_field(True, field, language) for language in CONFIGURATIONS for field, _ in FIELDS]
    else:
        columns = ['product_id'] + list(CONFIGURATIONS)
        values = ['p.id'] + [_document(language) for language in CONFIGURATIONS]
    return (f"INSERT INTO product_search ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM {source} AS p JOIN categories AS c ON c.id = p.category_id "
            f"LEFT JOIN categories AS pc ON pc.id = c.parent_id WHERE p.active AND {where}")


_TEXT_COLUMNS = 'title, description, translations, category_id, active'
_CATEGORY_COLUMNS = 'name, translations, parent_id'
# The products filed under the category NEW or directly under one of its children.
_UNDER_CATEGORY = 'category_id IN (SELECT id FROM categories WHERE id = NEW.id OR parent_id = NEW.id)'


def _sqlite() -> list[str]:
    columns = ', '.join(f'{field}_{language}' for language in CONFIGURATIONS for field, _ in FIELDS)
    return [
        f"CREATE VIRTUAL TABLE product_search USING fts5({columns}, "
        "tokenize = 'unicode61 remove_diacritics 2')",
        f"""
        CREATE TRIGGER product_search_insert AFTER INSERT ON products WHEN NEW.active
        BEGIN
            {_fill(True, 'products', 'p.id = NEW.id')};
        END
        """,
        f"""
        CREATE TRIGGER product_search_update AFTER UPDATE OF {_TEXT_COLUMNS} ON products
        BEGIN
            DELETE FROM product_search WHERE rowid = OLD.id;
            {_fill(True, 'products', 'p.id = NEW.id')};
        END
        """,
        """
        CREATE TRIGGER product_search_delete AFTER DELETE ON products
        BEGIN
            DELETE FROM product_search WHERE rowid = OLD.id;
        END
        """,
        f"""
        CREATE TRIGGER product_search_category AFTER UPDATE OF {_CATEGORY_COLUMNS} ON categories
        BEGIN
            DELETE FROM product_search WHERE rowid IN (SELECT id FROM products WHERE {_UNDER_CATEGORY});
            {_fill(True, 'products', 'p.' + _UNDER_CATEGORY)};
        END
        """,
        _fill(True, 'products', 'true'),
    ]


def _postgresql(unaccent_schema: str) -> list[str]:
    return [
        f"""
        CREATE FUNCTION search_unaccent(text) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
            AS $$ SELECT {unaccent_schema}.unaccent('{unaccent_schema}.unaccent'::regdictionary, $1) $$
        """,
        f"""
        CREATE TABLE product_search (
            product_id integer PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
            {', '.join(f'{language} tsvector NOT NULL' for language in CONFIGURATIONS)}
        )
        """,
        # fastupdate off: new entries go straight into the index rather than a pending list that
        # every search reads through until a vacuum (after an import of 100,000 products: 30 ms a
        # search instead of 1). A catalog is written seldom and searched often.
        *(f"CREATE INDEX ix_product_search_{language} ON product_search USING gin ({language}) "
          "WITH (fastupdate = off)" for language in CONFIGURATIONS),
        # Inserts: once per statement, from its new rows (a bulk insert of 100,000 products is one
        # INSERT … SELECT, not 100,000).
        f"""
        CREATE FUNCTION product_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {_fill(False, 'new_rows', 'true')};
            RETURN NULL;
        END
        $$
        """,
        # Updates: per row, only for statements that set a column the index reads (a list of
        # columns and a transition table cannot go together).
        f"""
        CREATE FUNCTION product_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM product_search WHERE product_id = NEW.id;
            {_fill(False, 'products', 'p.id = NEW.id')};
            RETURN NULL;
        END
        $$
        """,
        f"""
        CREATE FUNCTION product_search_category() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM product_search WHERE product_id IN (SELECT id FROM products WHERE {_UNDER_CATEGORY});
            {_fill(False, 'products', 'p.' + _UNDER_CATEGORY)};
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER product_search_insert AFTER INSERT ON products
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_search_insert()
        """,
        f"""
        CREATE TRIGGER product_search_update AFTER UPDATE OF {_TEXT_COLUMNS} ON products
            FOR EACH ROW EXECUTE FUNCTION product_search_update()
        """,
        f"""
        CREATE TRIGGER product_search_category AFTER UPDATE OF {_CATEGORY_COLUMNS} ON categories
            FOR EACH ROW EXECUTE FUNCTION product_search_category()
        """,
        _fill(False, 'products', 'true'),
    ]


def _unaccent_schema() -> str:
    """The schema of the `unaccent` extension, created first if missing (it is a trusted
    extension since PostgreSQL 13: the database's owner may create it)."""
    bind = op.get_bind()
    op.execute('CREATE EXTENSION IF NOT EXISTS unaccent')
    return bind.exec_driver_sql(
        "SELECT quote_ident(n.nspname) FROM pg_extension AS e JOIN pg_namespace AS n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'unaccent'").scalar_one()


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        statements = _postgresql(_unaccent_schema())
    else:
        statements = _sqlite()
    for statement in statements:
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for trigger, table in (('product_search_insert', 'products'), ('product_search_update', 'products'),
                           ('product_search_delete', 'products'), ('product_search_category', 'categories')):
        op.execute(f'DROP TRIGGER IF EXISTS {trigger}' + (f' ON {table}' if postgresql else ''))
    op.execute('DROP TABLE IF EXISTS product_search')
    if postgresql:
        for function in ('product_search_insert()', 'product_search_update()', 'product_search_category()',
                         'search_unaccent(text)'):
            op.execute(f'DROP FUNCTION IF EXISTS {function}')
        # The `unaccent` extension stays: other objects of the database may use it.
