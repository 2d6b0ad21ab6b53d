"""Order state changes. Each is a conditional UPDATE on the status, so exactly one caller wins.

The transitions a shop allows (anything else is refused with 409):

    pending_payment → paid | cancelled
    paid            → fulfilled | cancelled | refunded
    fulfilled       → shipped | refunded
    shipped         → delivered | refunded
    delivered       → refunded

Orders change state only: they neither take payment nor send mail nor know about offers. Each
change sends its signal (`orders.signals`) inside its transaction, and the areas that react to it
subscribe there.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..catalog.stock import return_stock
from ..database import utcnow
from ..errors import ConflictError, NotFoundError
from ..extensions import db
from . import signals
from .models import Order, OrderEvent, OrderStatus

S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.FULFILLED, S.CANCELLED, S.REFUNDED}),
    S.FULFILLED: frozenset({S.SHIPPED, S.REFUNDED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}


class OrderNotFound(NotFoundError):
    code = "order_not_found"
    default_message = _l("We could not find that order.")


class InvalidTransition(ConflictError):
    code = "invalid_transition"


def sources_of(target: OrderStatus) -> list[str]:
    return [source.value for source, targets in TRANSITIONS.items() if target in targets]


UNPAID = frozenset({OrderStatus.PENDING_PAYMENT})


def get_order(order_id: int, *, lock: bool = False) -> Order:
    """:raise OrderNotFound: — with `lock`, the row is locked until the transaction ends."""
    order = db.session.get(Order, order_id, with_for_update=lock or None, populate_existing=lock)
    if order is None:
        raise OrderNotFound()
    return order


def get_order_by_token(token: str) -> Order:
    """The order behind a tracking link. :raise OrderNotFound: for any unknown token."""
    order = db.session.scalar(sa.select(Order).where(Order.tracking_token == token)) if token else None
    if order is None:
        raise OrderNotFound()
    return order


def add_event(order: Order, kind: str, *, now: dt.datetime | None = None, public: bool = True,
              **details) -> OrderEvent:
    """Add a timeline entry, dated `now` (the use case's clock) or the current time."""
    event = OrderEvent(order=order, kind=kind, public=public, details=details,
                       created_at=now or utcnow())
    db.session.add(event)
    return event


def transition(order: Order, target: OrderStatus, *, now: dt.datetime,
               only_from: frozenset[OrderStatus] | None = None, event_details: dict | None = None,
               **values) -> OrderEvent:
    """Move `order` to `target` in the caller's transaction, if its current state allows it, and
    return the timeline entry that says so (with `event_details`: a refund's amounts, say).

    The UPDATE re-checks the status in the database, so a concurrent change made after `order`
    was loaded is seen. `only_from` narrows the states the caller means to move from: cancelling
    an unpaid order must not cancel one a webhook has just paid.
    :raise InvalidTransition: (409) when the order is no longer in a state that allows the move.
    """
    sources = sources_of(target)
    if only_from is not None:
        sources = [s for s in sources if s in only_from]
    result = db.session.execute(
        sa.update(Order)
        .where(Order.id == order.id, Order.status.in_(sources))
        .values(status=target.value, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(order)
        raise InvalidTransition(_l("This order is %(status)s and cannot become %(target)s.",
                                   status=order.status.replace("_", " "),
                                   target=target.value.replace("_", " ")))
    db.session.refresh(order)
    event = add_event(order, target.value, now=now, **(event_details or {}))
    _announce(order, target, now=now)
    return event


# The signal each state sends when an order enters it (see `orders.signals`).
_ENTERED = {
    OrderStatus.PAID: signals.order_paid,
    OrderStatus.SHIPPED: signals.order_shipped,
    OrderStatus.DELIVERED: signals.order_delivered,
}


def _announce(order: Order, target: OrderStatus, *, now: dt.datetime, **extra) -> None:
    signal = _ENTERED.get(target)
    if signal is not None:
        signal.send(order, now=now, **extra)


def release_stock(order: Order) -> bool:
    """Give back the stock an order holds, once. Returns whether this call released it.

    Guarded by a conditional UPDATE on `stock_held`, so an expiry sweep racing a cancel or a
    payment failure returns the units exactly once; `signals.stock_released` tells the areas that
    held something with the stock (the offers' redemptions) to let it go too.
    """
    result = db.session.execute(
        sa.update(Order).where(Order.id == order.id, Order.stock_held.is_(True))
        .values(stock_held=False, reserved_until=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    return_stock(quantities_of(order))
    db.session.refresh(order)
    signals.stock_released.send(order, now=utcnow())
    return True


def undo_sale(order: Order, *, reason: str, now: dt.datetime, restock: bool) -> None:
    """A paid order was cancelled or refunded in full (its new status already set): announce that
    the sale is undone (`signals.sale_voided`), and put its units back on sale when they never
    left the shop (`restock`: cancelled or refunded before it shipped)."""
    if restock:
        return_stock(quantities_of(order))
    signals.sale_voided.send(order, now=now, reason=reason)


def quantities_of(order: Order) -> dict[int, int]:
    """Units per variant on the order (lines whose variant was since deleted are left out)."""
    quantities: dict[int, int] = {}
    for line in order.lines:
        if line.variant_id is not None:
            quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.quantity
    return quantities


def force_status(order: Order, target: OrderStatus, *, expected: OrderStatus, now: dt.datetime,
                 kind: str, event_details: dict | None = None, **values) -> OrderEvent:
    """A move outside the staff state machine, for payments only (a payment that arrived after
    the order was cancelled). Still conditional on the status it expects. Returns the timeline
    entry `kind` it adds (with `event_details`).

    :raise InvalidTransition: when the order is no longer in `expected`.
    """
    result = db.session.execute(
        sa.update(Order).where(Order.id == order.id, Order.status == expected.value)
        .values(status=target.value, **values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise InvalidTransition()
    db.session.refresh(order)
    event = add_event(order, kind, now=now, **(event_details or {}))
    _announce(order, target, now=now, late=True)
    return event
