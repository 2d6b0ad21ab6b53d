"""Settings an admin edits in the back office

shop_settings: one row per setting an admin changed (its value as JSON, overriding the
environment's default), when and by whom; and one row, key "_version", whose value changes with
every change, which the app processes compare with what they applied (storefront/shop_settings).

Revision ID: 8a1c2e4f6b07
Revises: 8a1c2e4f6b06
Create Date: 2026-12-02 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import storefront.database


# revision identifiers, used by Alembic.
revision = '8a1c2e4f6b07'
down_revision = '8a1c2e4f6b06'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'shop_settings',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('updated_at', storefront.database.UTCDateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=254), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_shop_settings')),
    )


def downgrade():
    op.drop_table('shop_settings')
