"""What staff do to an order: fulfil, ship, deliver, cancel, and keep internal notes on it.

Each action is one write transaction with its audit entry and timeline event; the signals the
state machine sends (mail's shipping notice, promotions giving back a cancelled sale's place under
the caps) run inside it. Moves the state machine forbids are refused with 409
(`orders.service.InvalidTransition`). Money moves in `payments`: marking a manual payment
received is `payments.service.mark_manual_payment_received`, refunds are `payments.refunds`.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from ..audit.service import record
from ..database import write_transaction
from ..errors import ShopError
from . import service
from .models import Order, OrderStatus, PaymentMethod


class InvalidShipment(ShopError):
    code = "invalid_shipment"


class InvalidNote(ShopError):
    code = "invalid_note"


MAX_NOTE_LENGTH = 1000


def fulfil(order_id: int, *, actor, now: dt.datetime) -> Order:
    with write_transaction():
        order = service.get_order(order_id, lock=True)
        service.transition(order, OrderStatus.FULFILLED, now=now)
        record(actor, "order.fulfil", "order", order.number, when=now)
    return order


def ship(order_id: int, *, carrier: str, tracking_number: str, actor, now: dt.datetime) -> Order:
    """:raise InvalidShipment: without a carrier and tracking number."""
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier:
        raise InvalidShipment(_l("Please name the carrier."), field="carrier")
    if not tracking_number or len(tracking_number) > 80:
        raise InvalidShipment(_l("Please enter the tracking number."), field="tracking_number")
    with write_transaction():
        order = service.get_order(order_id, lock=True)
        service.transition(order, OrderStatus.SHIPPED, now=now, carrier=carrier[:60],
                           tracking_number=tracking_number)
        record(actor, "order.ship", "order", order.number, carrier=carrier, tracking_number=tracking_number,
               when=now)
    return order


def deliver(order_id: int, *, actor, now: dt.datetime) -> Order:
    with write_transaction():
        order = service.get_order(order_id, lock=True)
        service.transition(order, OrderStatus.DELIVERED, now=now)
        record(actor, "order.deliver", "order", order.number, when=now)
    return order


def cancel(order_id: int, *, actor, now: dt.datetime) -> Order:
    """Cancel an unpaid or paid-but-unshipped order; its stock goes back. A paid card order is
    refused: refunding it in full cancels it (`payments.refunds.refund`)."""
    with write_transaction():
        order = service.get_order(order_id, lock=True)
        if order.status == OrderStatus.PAID and order.payment_method == PaymentMethod.CARD:
            raise service.InvalidTransition(_l("Refund a paid card order instead; the refund cancels it."))
        # A card order is cancelled only while unpaid: a webhook may pay it while staff look at it.
        only_from = service.UNPAID if order.payment_method == PaymentMethod.CARD else None
        service.transition(order, OrderStatus.CANCELLED, now=now, only_from=only_from)
        if not service.release_stock(order):
            # A paid order no longer holds a reservation: its units were sold, so they go back,
            # and the sale it made is undone.
            service.undo_sale(order, reason="cancelled", now=now, restock=True)
        record(actor, "order.cancel", "order", order.number, when=now)
    return order


def add_note(order_id: int, text: str, *, actor, now: dt.datetime) -> Order:
    """Add an internal note to the order's timeline: staff read it there, the shopper never does.

    :raise InvalidNote: for an empty note or one longer than MAX_NOTE_LENGTH.
    """
    text = text.strip()
    if not text or len(text) > MAX_NOTE_LENGTH:
        raise InvalidNote(_l("Write a note of at most %(max)d characters.", max=MAX_NOTE_LENGTH), field="text")
    with write_transaction():
        order = service.get_order(order_id)
        service.add_event(order, "note", now=now, public=False, note=text, author=actor.email)
        record(actor, "order.note", "order", order.number, when=now)
    return order
