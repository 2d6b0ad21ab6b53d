"""visits: where each visit came from (channel, UTM source and campaign, landing page)

Revision ID: 779fbe3a42c5
Revises: 027c7576370f
Create Date: 2026-11-23 16:10:53.667414

"""
from alembic import op
import sqlalchemy as sa

import storefront.database


# revision identifiers, used by Alembic.
revision = '779fbe3a42c5'
down_revision = '027c7576370f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_key', sa.String(length=32), nullable=False),
    sa.Column('created_at', storefront.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('utm_source', sa.String(length=80), nullable=False),
    sa.Column('utm_campaign', sa.String(length=80), nullable=False),
    sa.Column('landing_path', sa.String(length=255), nullable=False),
    sa.Column('referrer_host', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
    sa.UniqueConstraint('visit_key', name=op.f('uq_visits_visit_key'))
    )
    op.create_index('ix_visits_channel_created', 'visits', ['channel', 'created_at'], unique=False)
    op.create_index('ix_visits_utm_source_created', 'visits', ['utm_source', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_visits_utm_source_created', table_name='visits')
    op.drop_index('ix_visits_channel_created', table_name='visits')
    op.drop_table('visits')
