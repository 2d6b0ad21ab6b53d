"""inbox_items: an item can be closed because its reviewer raised the rating before any answer

A negative review (1–2★) whose reviewer raises it to 3★ or more before support answered is no
longer a negative review owed a reply: its item closes with the new reason `rating_raised` (and
reopens, with its clock started at the change, if the rating is lowered again). Items already
answered keep their response and figures. Only the CHECK on `closed_reason` changes.

Revision ID: c8f2a4e6d135
Revises: b7e2d4f60a31
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c8f2a4e6d135'
down_revision = 'b7e2d4f60a31'
branch_labels = None
depends_on = None

NAME = 'ck_inbox_items_closed_reason_known'


def upgrade():
    with op.batch_alter_table('inbox_items') as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_='check')
        batch_op.create_check_constraint(
            op.f(NAME), "closed_reason IS NULL OR closed_reason IN ('withheld', 'answered_by_buyer', 'rating_raised')")


def downgrade():
    # Items closed as rating_raised never had a response: they wait again, as they did before.
    op.execute("UPDATE inbox_items SET closed_at = NULL, closed_reason = NULL WHERE closed_reason = 'rating_raised'")
    with op.batch_alter_table('inbox_items') as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_='check')
        batch_op.create_check_constraint(op.f(NAME), "closed_reason IS NULL OR closed_reason IN ('withheld', 'answered_by_buyer')")
