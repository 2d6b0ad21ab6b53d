"""What staff do to an order: fulfil, ship, deliver, cancel, mark a manual payment, refund.

Every action is one transaction with its audit entry, its timeline event and the mail it calls
for. Moves the state machine forbids are refused with 409 (orders.service.InvalidTransition).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import stripe
from flask_babel import lazy_gettext as _l

from promotions import redemptions

from ..audit.service import record
from ..catalog.stock import return_stock
from ..database import begin_write
from ..errors import ShopError
from ..extensions import db
from ..mail.service import queue_order_email
from ..money import format_money
from ..payments import gateway
from ..payments.service import PaymentUnavailable
from . import service
from .models import Order, OrderStatus, PaymentMethod


class InvalidRefund(ShopError):
    code = "invalid_refund"


class InvalidShipment(ShopError):
    code = "invalid_shipment"


def _load(order_id: int) -> Order:
    # Locked for the use case: a refund calls Stripe before it records the amount, and two staff
    # members refunding the same order at once must not both pay out.
    begin_write()
    return service.get_order(order_id, lock=True)


def mark_paid(order_id: int, *, actor, now: dt.datetime) -> Order:
    """A bank transfer arrived or cash was collected. Card orders are paid by Stripe only."""
    order = _load(order_id)
    if order.payment_method == PaymentMethod.CARD:
        raise service.InvalidTransition(_l("Card orders are marked paid by the payment provider."))
    service.transition(order, OrderStatus.PAID, now=now, paid_at=now, stock_held=False, reserved_until=None)
    queue_order_email(order, "receipt", now=now)
    record(actor, "order.mark_paid", "order", order.number)
    db.session.commit()
    return order


def fulfil(order_id: int, *, actor, now: dt.datetime) -> Order:
    order = _load(order_id)
    service.transition(order, OrderStatus.FULFILLED, now=now)
    record(actor, "order.fulfil", "order", order.number)
    db.session.commit()
    return order


def ship(order_id: int, *, carrier: str, tracking_number: str, actor, now: dt.datetime) -> Order:
    """:raise InvalidShipment: without a carrier and tracking number."""
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier:
        raise InvalidShipment(_l("Please name the carrier."), field="carrier")
    if not tracking_number or len(tracking_number) > 80:
        raise InvalidShipment(_l("Please enter the tracking number."), field="tracking_number")
    order = _load(order_id)
    service.transition(order, OrderStatus.SHIPPED, now=now, carrier=carrier[:60], tracking_number=tracking_number)
    queue_order_email(order, "shipped", now=now)
    record(actor, "order.ship", "order", order.number, carrier=carrier, tracking_number=tracking_number)
    db.session.commit()
    return order


def deliver(order_id: int, *, actor, now: dt.datetime) -> Order:
    order = _load(order_id)
    service.transition(order, OrderStatus.DELIVERED, now=now)
    record(actor, "order.deliver", "order", order.number)
    db.session.commit()
    return order


def cancel(order_id: int, *, actor, now: dt.datetime) -> Order:
    """Cancel an unpaid or paid-but-unshipped order; its stock goes back. A paid card order is
    refunded in full first."""
    order = _load(order_id)
    if order.status == OrderStatus.PAID and order.payment_method == PaymentMethod.CARD:
        raise service.InvalidTransition(_l("Refund a paid card order instead; the refund cancels it."))
    # A card order is cancelled only while unpaid: a webhook may pay it while staff look at it.
    only_from = service.UNPAID if order.payment_method == PaymentMethod.CARD else None
    service.transition(order, OrderStatus.CANCELLED, now=now, only_from=only_from)
    if not service.release_stock(order):
        # Paid orders no longer hold a reservation: their units were sold, so put them back, and
        # the offers they used give their place under the caps back.
        return_stock(_quantities(order))
        redemptions.void(order.id, now=now)
    record(actor, "order.cancel", "order", order.number)
    db.session.commit()
    return order


def refund(order_id: int, amount: int, *, actor, now: dt.datetime) -> Order:
    """Refund `amount` (minor units) of a paid order, through Stripe for card payments.

    The full remaining amount moves the order to refunded; less is a partial refund recorded on
    the order. The Stripe call carries an idempotency key naming the refunded total it leads to,
    and the order's refunded amount is updated only if it did not change meanwhile, so a double
    click refunds once.
    :raise InvalidRefund: for an amount ≤ 0 or above what is left.
    :raise InvalidTransition: when the order was never paid.
    :raise PaymentUnavailable: when Stripe cannot be reached; nothing is recorded.
    """
    order = _load(order_id)
    if order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        raise service.InvalidTransition(_l("Only paid orders can be refunded."))
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
            db.session.rollback()
            raise PaymentUnavailable(_l("The refund could not be made through the payment provider. Nothing was refunded.")) from None
    result = db.session.execute(
        sa.update(Order).where(Order.id == order.id, Order.amount_refunded == previous)
        .values(amount_refunded=new_total).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise service.InvalidTransition(_l("The order changed meanwhile; please reload it."))
    db.session.refresh(order)
    if new_total == order.total:
        unshipped = order.status == OrderStatus.PAID
        service.transition(order, OrderStatus.REFUNDED, now=now)
        redemptions.void(order.id, now=now)
        if unshipped:
            # Refunded before it was packed: the units never left, so they are for sale again.
            return_stock(_quantities(order))
    else:
        service.add_event(order, "partially_refunded", now=now, amount=amount)
    # One refund mail per order: the first refund tells the shopper; later ones show on the
    # tracking page (the mail's unique key is per order and kind).
    if previous == 0:
        queue_order_email(order, "refunded", now=now)
    record(actor, "order.refund", "order", order.number, amount=amount, refunded_total=new_total)
    db.session.commit()
    return order


def _quantities(order: Order) -> dict[int, int]:
    quantities: dict[int, int] = {}
    for line in order.lines:
        if line.variant_id is not None:
            quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.quantity
    return quantities
