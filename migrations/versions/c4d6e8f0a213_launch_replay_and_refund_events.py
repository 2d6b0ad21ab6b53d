"""remembered launches: a platform launch starts one tab session while it is fresh

Revision ID: c4d6e8f0a213
Revises: 5e7f9a1b2c13
Create Date: 2026-12-02 08:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import storefront.database


# revision identifiers, used by Alembic.
revision = 'c4d6e8f0a213'
down_revision = '5e7f9a1b2c13'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'remembered_launches',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('session_key', sa.String(length=64), nullable=False),
        sa.Column('expires_at', storefront.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_remembered_launches')),
    )
    with op.batch_alter_table('remembered_launches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remembered_launches_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('remembered_launches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remembered_launches_expires_at'))
    op.drop_table('remembered_launches')
