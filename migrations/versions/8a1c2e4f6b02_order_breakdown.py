"""Orders keep the offers they got by name, for the breakdown every order page and mail shows.

`order_discounts` holds, per order, each applied offer's name and what it took off the items and
the shipping. Existing orders get theirs from their redemptions: a free-shipping offer's discount
is all shipping, any other offer's all items (the promotion engine gives nothing else).

Revision ID: 8a1c2e4f6b02
Revises: 8a1c2e4f6b01
Create Date: 2026-12-02 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import storefront.database


# revision identifiers, used by Alembic.
revision = '8a1c2e4f6b02'
down_revision = '8a1c2e4f6b01'
branch_labels = None
depends_on = None


# Existing orders' offers, from their redemptions (tests/orders/test_breakdown.py runs it too).
NAME_THE_OFFERS_OF_EXISTING_ORDERS = (
    "INSERT INTO order_discounts (order_id, name, items_discount, shipping_discount) "
    "SELECT r.order_id, o.name, "
    "CASE WHEN o.benefit = 'free_shipping' THEN 0 ELSE r.discount END, "
    "CASE WHEN o.benefit = 'free_shipping' THEN r.discount ELSE 0 END "
    "FROM offer_redemptions r JOIN offers o ON o.id = r.offer_id "
    "WHERE r.order_id IS NOT NULL AND r.discount > 0 ORDER BY r.order_id, r.id")


def upgrade():
    op.create_table(
        'order_discounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('items_discount', sa.Integer(), nullable=False),
        sa.Column('shipping_discount', sa.Integer(), nullable=False),
        sa.CheckConstraint('items_discount >= 0 AND shipping_discount >= 0',
                           name=op.f('ck_order_discounts_amounts_not_negative')),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_discounts_order_id_orders'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_order_discounts')),
    )
    with op.batch_alter_table('order_discounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_discounts_order_id'), ['order_id'], unique=False)
    op.execute(NAME_THE_OFFERS_OF_EXISTING_ORDERS)


def downgrade():
    with op.batch_alter_table('order_discounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_discounts_order_id'))
    op.drop_table('order_discounts')
