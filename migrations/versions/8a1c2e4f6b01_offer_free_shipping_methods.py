"""Free-shipping offers name the delivery methods they make free (standard delivery by default).

Every existing offer covers standard delivery only, which is what the demo's "Free standard
delivery" always meant; a marketer who wants express free too ticks it on the offer.

Revision ID: 8a1c2e4f6b01
Revises: 7d9e1f3a5b14
Create Date: 2026-12-02 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import storefront.database


# revision identifiers, used by Alembic.
revision = '8a1c2e4f6b01'
down_revision = '7d9e1f3a5b14'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shipping_methods', sa.JSON(), server_default='["standard"]', nullable=False))


def downgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_column('shipping_methods')
