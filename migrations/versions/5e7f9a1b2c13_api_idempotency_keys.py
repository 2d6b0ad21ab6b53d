"""API idempotency keys: the answer a keyed POST /api/v1/orders got, kept for a day

Revision ID: 5e7f9a1b2c13
Revises: a1b3c5d7e913
Create Date: 2026-12-02 08:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import storefront.database


# revision identifiers, used by Alembic.
revision = '5e7f9a1b2c13'
down_revision = 'a1b3c5d7e913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_idempotency_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=80), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('created_at', storefront.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', storefront.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency_keys')),
        sa.UniqueConstraint('scope', 'key', name=op.f('uq_api_idempotency_keys_scope')),
    )
    with op.batch_alter_table('api_idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_idempotency_keys_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('api_idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_idempotency_keys_expires_at'))
    op.drop_table('api_idempotency_keys')
