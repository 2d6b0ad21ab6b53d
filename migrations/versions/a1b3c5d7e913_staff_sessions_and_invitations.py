"""staff sessions the server can end, the users' sessions epoch, and staff invitation links

Revision ID: a1b3c5d7e913
Revises: 3c1f0b9e7a42
Create Date: 2026-12-02 08:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import storefront.database


# revision identifiers, used by Alembic.
revision = 'a1b3c5d7e913'
down_revision = '3c1f0b9e7a42'
branch_labels = None
depends_on = None


def upgrade():
    # Not a batch rebuild: on SQLite that would recreate `users`, which many tables reference.
    op.add_column('users', sa.Column('sessions_epoch', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.create_table(
        'staff_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('epoch', sa.Integer(), nullable=False),
        sa.Column('remember', sa.Boolean(), nullable=False),
        sa.Column('created_at', storefront.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', storefront.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', storefront.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', storefront.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('ip_address', sa.String(length=45), nullable=False),
        sa.Column('user_agent', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_sessions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_staff_sessions_token_hash')),
    )
    op.create_index(op.f('ix_staff_sessions_user_id'), 'staff_sessions', ['user_id'], unique=False)
    op.create_table(
        'staff_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=10), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('nonce', sa.String(length=43), nullable=False),
        sa.Column('locale', sa.String(length=5), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', storefront.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', storefront.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', storefront.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', storefront.database.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('admin', 'marketer', 'support')", name=op.f('ck_staff_invitations_role_known')),
        sa.CheckConstraint("purpose IN ('invite', 'reset')", name=op.f('ck_staff_invitations_purpose_known')),
        sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'],
                                name=op.f('fk_staff_invitations_invited_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_invitations_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_invitations')),
    )
    op.create_index(op.f('ix_staff_invitations_email'), 'staff_invitations', ['email'], unique=False)
    op.create_index(op.f('ix_staff_invitations_user_id'), 'staff_invitations', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_staff_invitations_user_id'), table_name='staff_invitations')
    op.drop_index(op.f('ix_staff_invitations_email'), table_name='staff_invitations')
    op.drop_table('staff_invitations')
    op.drop_index(op.f('ix_staff_sessions_user_id'), table_name='staff_sessions')
    op.drop_table('staff_sessions')
    # SQLite drops a column in place since 3.35 (no rebuild of the referenced `users`).
    op.drop_column('users', 'sessions_epoch')
