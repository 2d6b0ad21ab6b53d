"""Legal pages: one row per page and language (returns and withdrawal, terms, privacy, contact,
accessibility), edited by admins in the back office.

Revision ID: 8a1c2e4f6b04
Revises: 8a1c2e4f6b02
Create Date: 2026-12-02 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import storefront.database


# revision identifiers, used by Alembic.
revision = '8a1c2e4f6b04'
down_revision = '8a1c2e4f6b02'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'legal_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('page', sa.String(length=32), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', storefront.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_texts')),
        sa.UniqueConstraint('page', 'language', name=op.f('uq_legal_texts_page_language')),
    )


def downgrade():
    op.drop_table('legal_texts')
