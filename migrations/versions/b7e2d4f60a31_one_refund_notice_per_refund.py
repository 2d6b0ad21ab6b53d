"""outbound_emails: one refund notice per refund; refund entries on the timeline keep their amounts

An order's mails were unique per (order, kind), so only its first refund was ever mailed: a second
partial refund reached the tracking page as a bare "Partly refunded". Each refund now has its own
notice, keyed by the refund's timeline entry ("refunded:event:40"), and the order's other mails
keep "one per order" through the same unique `key` ("receipt:12"), which replaces the constraint.

Existing rows:
- every order mail gets its key; a refund notice names the order's first refund entry (the
  refund it was sent for) in `ref_id` and its key;
- every refund entry on a timeline says its amount and the refunded total after it (a partial
  refund said its amount; the refund that completed an order said nothing).

Revision ID: b7e2d4f60a31
Revises: 8a1c2e4f6b10
Create Date: 2026-12-06 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2d4f60a31'
down_revision = '8a1c2e4f6b10'
branch_labels = None
depends_on = None

ORDER_MAILS = ('order_received', 'receipt', 'shipped', 'refunded')
REFUND_ENTRIES = ('partially_refunded', 'refunded', 'late_payment_refunded')

emails = sa.table('outbound_emails', sa.column('id'), sa.column('order_id'), sa.column('kind'),
                  sa.column('key'), sa.column('ref_id'))
events = sa.table('order_events', sa.column('id'), sa.column('order_id'), sa.column('kind'),
                  sa.column('details', sa.JSON))
orders = sa.table('orders', sa.column('id'), sa.column('amount_refunded'))


def upgrade():
    with op.batch_alter_table('outbound_emails') as batch_op:
        batch_op.drop_constraint('uq_outbound_emails_order_kind', type_='unique')
    key_existing_order_mails(op.get_bind())


def key_existing_order_mails(connection):
    """Each order mail gets its key; a refund notice names the refund it was sent for."""
    first_refund = amounts_on_refund_entries(connection)
    for email in connection.execute(sa.select(emails.c.id, emails.c.order_id, emails.c.kind)
                                    .where(emails.c.kind.in_(ORDER_MAILS), emails.c.order_id.is_not(None),
                                           emails.c.key.is_(None))).all():
        entry = first_refund.get(email.order_id) if email.kind == 'refunded' else None
        key = f'refunded:event:{entry}' if entry is not None else f'{email.kind}:{email.order_id}'
        connection.execute(emails.update().where(emails.c.id == email.id).values(key=key, ref_id=entry))


def amounts_on_refund_entries(connection) -> dict[int, int]:
    """Give each refund entry its amount and the refunded total after it; returns the first refund
    entry's id by order."""
    refunded = dict(connection.execute(sa.select(orders.c.id, orders.c.amount_refunded)
                                       .where(orders.c.amount_refunded > 0)).all())
    so_far: dict[int, int] = {}
    first: dict[int, int] = {}
    for entry in connection.execute(sa.select(events.c.id, events.c.order_id, events.c.kind, events.c.details)
                                    .where(events.c.kind.in_(REFUND_ENTRIES)).order_by(events.c.id)).all():
        details = dict(entry.details or {})
        first.setdefault(entry.order_id, entry.id)
        before = so_far.get(entry.order_id, 0)
        if entry.kind == 'partially_refunded' and isinstance(details.get('amount'), int):
            after = before + details['amount']
        else:  # the refund that completed the order: all of what the order records
            after = max(refunded.get(entry.order_id, before), before)
        so_far[entry.order_id] = after
        changed = {'amount': after - before, 'refunded_total': after} | details
        if changed != details:
            connection.execute(events.update().where(events.c.id == entry.id).values(details=changed))
    return first


def downgrade():
    connection = op.get_bind()
    # Back to one mail per order and kind: each order keeps its first refund notice.
    kept = sa.select(sa.func.min(emails.c.id)).where(emails.c.kind == 'refunded').group_by(emails.c.order_id)
    connection.execute(emails.delete().where(emails.c.kind == 'refunded', emails.c.id.not_in(kept)))
    connection.execute(emails.update().where(emails.c.kind.in_(ORDER_MAILS), emails.c.order_id.is_not(None))
                       .values(key=None, ref_id=None))
    with op.batch_alter_table('outbound_emails') as batch_op:
        batch_op.create_unique_constraint('uq_outbound_emails_order_kind', ['order_id', 'kind'])
