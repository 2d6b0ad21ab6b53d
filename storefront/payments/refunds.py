"""Refunds: money back to the shopper, through Stripe for card payments.

Staff refund part or all of a paid order here; a refund made in Stripe's dashboard arrives as a
webhook (`payments.service`) and is recorded by the same step, `record_refund`. The order's
refunded amount moves by a conditional UPDATE on the amount it had, under the order's row lock,
so two staff members (or a double click, or a webhook racing a staff refund) refund once.

The rule for what a refund undoes, whoever made it:
- a partial refund records money only: the shopper keeps the goods (a price adjustment, a
  damaged item), so no stock comes back, and the order keeps its state;
- the refund that brings the refunded total to the order's total undoes the sale: the order
  becomes refunded (`orders.signals.sale_voided`, reason "refunded"), and the units go back on
  sale if the order was not packed yet (after that they are with the shopper or the carrier, and
  come back only as a return);
- no refund gives an offer's redemption back: the order was paid under the offer, so its place
  under the caps stays taken and a single-use code stays spent (`promotions.receivers`); the
  offer's results show the refund apart, as the dashboard does.
Each refund is a timeline entry with its amount and the refunded total after it, and the shopper
gets a notice of each one (keyed by its entry, so a refund recorded once is mailed once).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import stripe
from flask_babel import lazy_gettext as _l

from ..audit.service import record
from ..database import write_transaction
from ..extensions import db
from ..mail.service import queue_order_email
from ..money import format_money
from ..orders import service as orders
from ..orders.models import Order, OrderStatus, PaymentMethod
from . import gateway
from .errors import InvalidRefund, PaymentUnavailable

__all__ = ["InvalidRefund", "NOT_REFUNDABLE", "record_refund", "refund"]

NOT_REFUNDABLE = (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED, OrderStatus.REFUNDED)


def refund(order_id: int, amount: int, *, actor, now: dt.datetime) -> Order:
    """Refund `amount` (minor units) of a paid order, through Stripe for card payments.

    The full remaining amount moves the order to refunded; less is a partial refund recorded on
    the order. The Stripe call carries an idempotency key naming the refunded total it leads to,
    and the order's row stays locked from before the call until the amount is recorded, so a
    double click refunds once.
    :raise InvalidRefund: for an amount ≤ 0 or above what is left.
    :raise InvalidTransition: when the order was never paid.
    :raise PaymentUnavailable: when Stripe cannot be reached; nothing is recorded.
    """
    with write_transaction():
        order = orders.get_order(order_id, lock=True)
        if order.status in NOT_REFUNDABLE:
            raise orders.InvalidTransition(_l("Only paid orders can be refunded."))
        remaining = order.total - order.amount_refunded
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise InvalidRefund(_l("Enter an amount greater than zero."), field="amount")
        if amount > remaining:
            raise InvalidRefund(_l("At most %(remaining)s can still be refunded.",
                                   remaining=format_money(remaining, order.currency)), field="amount")
        new_total = order.amount_refunded + amount
        if order.payment_method == PaymentMethod.CARD:
            try:
                gateway.refund(intent_id=order.payment_intent_id, amount=amount,
                               idempotency_key=f"order-{order.id}-refund-to-{new_total}")
            except stripe.StripeError:
                raise PaymentUnavailable(_l("The refund could not be made through the payment provider. "
                                            "Nothing was refunded.")) from None
        record_refund(order, new_total, now=now)
        record(actor, "order.refund", "order", order.number, amount=amount, refunded_total=new_total, when=now)
    return order


def record_refund(order: Order, refunded_total: int, *, now: dt.datetime, **details) -> str:
    """Record that `refunded_total` (minor units, all refunds so far) has been paid back, with
    what it undoes (see the module's rule); returns "refunded", "partially_refunded", or
    "already_applied" when the order already records that much.

    The caller holds the order's row lock in its write transaction and has checked that the order
    was paid. A total is never lowered: Stripe's events may arrive out of order, an older one
    naming a smaller total. `details` go on the timeline entry (e.g. where the refund was made).
    :raise InvalidTransition: when the order's refunded amount changed under the lock (it cannot,
        unless a caller forgot the lock).
    """
    previous = order.amount_refunded
    refunded_total = min(refunded_total, order.total)
    if refunded_total <= previous:
        return "already_applied"
    result = db.session.execute(
        sa.update(Order).where(Order.id == order.id, Order.amount_refunded == previous)
        .values(amount_refunded=refunded_total).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise orders.InvalidTransition(_l("The order changed meanwhile; please reload it."))
    db.session.refresh(order)
    details = {"amount": refunded_total - previous, "refunded_total": refunded_total, **details}
    if refunded_total == order.total:
        unshipped = order.status == OrderStatus.PAID
        event = orders.transition(order, OrderStatus.REFUNDED, now=now, event_details=details)
        # Refunded before it was packed: the units never left, so they are for sale again.
        orders.undo_sale(order, reason="refunded", now=now, restock=unshipped)
        outcome = "refunded"
    else:
        event = orders.add_event(order, "partially_refunded", now=now, **details)
        outcome = "partially_refunded"
    queue_order_email(order, "refunded", now=now, event=event)
    return outcome
