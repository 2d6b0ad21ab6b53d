"""catalog import jobs: uploaded CSVs, their progress and the rows they rejected

Revision ID: 027c7576370f
Revises: 9a0e5c048f16
Create Date: 2026-11-23 15:36:01.081993

"""
from alembic import op
import sqlalchemy as sa

import storefront.database


# revision identifiers, used by Alembic.
revision = '027c7576370f'
down_revision = '9a0e5c048f16'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('processed_rows', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storefront.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', storefront.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', storefront.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'validating', 'applying', 'done', 'failed')", name=op.f('ck_import_jobs_status_known')),
    sa.CheckConstraint('processed_rows >= 0 AND total_rows >= 0', name=op.f('ck_import_jobs_counts_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_import_jobs_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs'))
    )


def downgrade():
    op.drop_table('import_jobs')
