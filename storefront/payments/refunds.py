"""Refunds: money back to the shopper, through Stripe for card payments.

Staff refund part or all of a paid order. The order's refunded amount moves by a conditional
UPDATE on the amount it had, under the order's row lock, so two staff members (or a double click)
refund once. A refund of everything left undoes the sale: the order becomes refunded and
`orders.signals.sale_voided` gives the offers' places under the caps back.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import stripe
from flask_babel import lazy_gettext as _l

from ..audit.service import record
from ..database import write_transaction
from ..errors import ShopError
from ..extensions import db
from ..mail.service import queue_order_email
from ..money import format_money
from ..orders import service as orders
from ..orders.models import Order, OrderStatus, PaymentMethod
from . import gateway
from .service import PaymentUnavailable


class InvalidRefund(ShopError):
    code = "invalid_refund"


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
        previous = order.amount_refunded
        new_total = previous + amount
        if order.payment_method == PaymentMethod.CARD:
            try:
                gateway.refund(intent_id=order.payment_intent_id, amount=amount,
                               idempotency_key=f"order-{order.id}-refund-to-{new_total}")
            except stripe.StripeError:
                raise PaymentUnavailable(_l("The refund could not be made through the payment provider. "
                                            "Nothing was refunded.")) from None
        result = db.session.execute(
            sa.update(Order).where(Order.id == order.id, Order.amount_refunded == previous)
            .values(amount_refunded=new_total).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise orders.InvalidTransition(_l("The order changed meanwhile; please reload it."))
        db.session.refresh(order)
        if new_total == order.total:
            unshipped = order.status == OrderStatus.PAID
            orders.transition(order, OrderStatus.REFUNDED, now=now)
            # Refunded before it was packed: the units never left, so they are for sale again.
            orders.undo_sale(order, reason="refunded", now=now, restock=unshipped)
        else:
            orders.add_event(order, "partially_refunded", now=now, amount=amount)
        # One refund mail per order: the first refund tells the shopper; later ones show on the
        # tracking page (the mail's unique key is per order and kind).
        if previous == 0:
            queue_order_email(order, "refunded", now=now)
        record(actor, "order.refund", "order", order.number, amount=amount, refunded_total=new_total)
    return order
