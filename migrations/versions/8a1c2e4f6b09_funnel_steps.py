"""funnel_counts: the dashboard funnel's middle steps per day, channel and UTM source

Product views, carts and checkouts started were not recorded, so the dashboard's funnel showed
visits, then nothing, then orders. One row per (day in the shop's time zone, channel, UTM source,
step) holds a count, incremented in place by an INSERT … ON CONFLICT DO UPDATE (SQLite 3.24+ and
PostgreSQL), so concurrent increments never lose one and a period is read from a few hundred rows
at most. Nothing about a visitor is kept. Existing data has no steps to backfill.

Revision ID: 8a1c2e4f6b09
Revises: 8a1c2e4f6b07
Create Date: 2026-12-02 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a1c2e4f6b09'
down_revision = '8a1c2e4f6b07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'funnel_counts',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('channel', sa.String(length=40), nullable=False),
        sa.Column('utm_source', sa.String(length=80), nullable=False),
        sa.Column('step', sa.String(length=16), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.CheckConstraint('count >= 0', name=op.f('ck_funnel_counts_count_not_negative')),
        sa.CheckConstraint("step IN ('product_views', 'carts', 'checkouts')",
                           name=op.f('ck_funnel_counts_known_step')),
        sa.PrimaryKeyConstraint('day', 'channel', 'utm_source', 'step', name=op.f('pk_funnel_counts')),
    )


def downgrade():
    op.drop_table('funnel_counts')
