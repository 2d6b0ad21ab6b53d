"""Content in the shop's languages: a `translations` JSON column on products, categories and offers.

The default language stays in the rows' own columns; the others live in the row itself
(storefront/catalog/translations.py), so a page reads them without another statement.

Revision ID: 8a1c2e4f6b05
Revises: 8a1c2e4f6b04
Create Date: 2026-12-02 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import storefront.database


# revision identifiers, used by Alembic.
revision = '8a1c2e4f6b05'
down_revision = '8a1c2e4f6b04'
branch_labels = None
depends_on = None

TABLES = ("products", "categories", "offers")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('translations', sa.JSON(), server_default='{}', nullable=False))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('translations')
