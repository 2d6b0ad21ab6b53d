"""order_discounts.translations: an order's offers named in every shop language, as at checkout

An order kept each offer under the name its shopper read, in the checkout's language: a Spanish
shopper's order said "Envío gratis" on the English receipt, on the Latvian staff member's order
page, and in an e-mail sent in another language. The name now stays in the shop's default
language in `name`, as an order line's title does, and the other languages' names, as the offer
had them when the order was placed, in `translations` ({"es": {"name": …}, …}).

Existing rows: a discount whose name is exactly the name of one offer in one of its languages
gets that offer's names (as they read now); any other keeps its name as it was, in every language.

Revision ID: 8a1c2e4f6b10
Revises: 8a1c2e4f6b09
Create Date: 2026-12-05 04:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a1c2e4f6b10'
down_revision = '8a1c2e4f6b09'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order_discounts') as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON(), server_default='{}', nullable=False))
    name_existing_discounts(op.get_bind())


def name_existing_discounts(connection):
    offers = sa.table('offers', sa.column('id'), sa.column('name'), sa.column('translations', sa.JSON))
    discounts = sa.table('order_discounts', sa.column('id'), sa.column('name'),
                         sa.column('translations', sa.JSON))
    by_name: dict[str, list] = {}
    for offer in connection.execute(sa.select(offers.c.name, offers.c.translations)):
        names = {offer.name} | {(text or {}).get('name') for text in (offer.translations or {}).values()}
        for name in names - {None, ''}:
            by_name.setdefault(name[:120], []).append(offer)
    for discount in connection.execute(sa.select(discounts.c.id, discounts.c.name)).all():
        found = by_name.get(discount.name) or []
        if len({(offer.name, str(offer.translations)) for offer in found}) != 1:
            continue  # no offer of that name, or several: the name stays as it was
        offer = found[0]
        translations = {language: {'name': text['name'][:120]}
                        for language, text in (offer.translations or {}).items() if (text or {}).get('name')}
        connection.execute(discounts.update().where(discounts.c.id == discount.id)
                           .values(name=offer.name[:120], translations=translations))


def downgrade():
    with op.batch_alter_table('order_discounts') as batch_op:
        batch_op.drop_column('translations')
