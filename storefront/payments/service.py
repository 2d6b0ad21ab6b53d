"""Taking payment for an order and reacting to Stripe's events.

Card orders become paid only from a verified `payment_intent.succeeded` webhook, applied once per
event id, in whatever order events arrive. A payment that succeeds after the order's stock hold
expired is honoured when the stock is still there, and refunded automatically otherwise.

Refunds made outside the shop (in Stripe's dashboard) arrive as `charge.refunded` (the charge,
with `amount_refunded`: every refund so far) and `refund.created` / `refund.updated` (one refund;
the charge is read from Stripe for its total). Stripe's refunded total is the truth, and the
order is brought up to it (`refunds.record_refund`): never down, so events may come in any order,
twice, or echo a refund staff made in the shop, and each refund is recorded once. A refund
proves the payment it returns: one that arrives before its `payment_intent.succeeded` applies the
payment first, as that event would have, so the order ends the same whichever comes first.
"""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
import stripe
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from promotions import redemptions

from ..audit.service import record
from ..catalog.stock import take_stock
from ..database import write_transaction
from ..extensions import db
from ..mail.service import queue_order_email
from ..orders import service as orders
from ..orders.models import Order, OrderStatus, PaymentMethod
from . import gateway
from .errors import AlreadyPaid, EventMismatch, PaymentUnavailable
from .models import ProcessedWebhookEvent
from .refunds import record_refund

__all__ = ["AlreadyPaid", "EventMismatch", "PaymentUnavailable", "cancel_unpaid", "expire_reservations",
           "handle_event", "mark_manual_payment_received", "reconcile", "start_card_payment"]

log = logging.getLogger(__name__)

# Events about one PaymentIntent (their object is the intent).
INTENT_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled")
# Events about one refund (their object is the refund; "charge.refund.updated" is the older name).
REFUND_EVENTS = ("refund.created", "refund.updated", "charge.refund.updated")
# A refund in these states returns no money (Stripe takes it off the charge's refunded total).
REFUND_RETURNED_NOTHING = ("failed", "canceled")


def start_card_payment(order: Order) -> str:
    """The client secret for the Payment Element; creates the order's one PaymentIntent once.

    A second call (the shopper pressed "pay" twice, or reloaded) returns the same intent.
    :raise AlreadyPaid: when the order no longer awaits payment.
    :raise PaymentUnavailable: when Stripe cannot be reached; the order's stock is released.
    """
    if order.status != OrderStatus.PENDING_PAYMENT or order.payment_method != PaymentMethod.CARD:
        raise AlreadyPaid()
    if order.payment_intent_id:
        # The shopper may already have paid through this intent: a Stripe error here must not
        # cancel the order, only say to try again.
        try:
            return gateway.retrieve_payment_intent(order.payment_intent_id)["client_secret"]
        except stripe.StripeError as exc:
            log.warning("Could not re-read the payment of order %s: %s", order.number, exc)
            raise PaymentUnavailable() from None
    try:
        intent = gateway.create_payment_intent(order_id=order.id, number=order.number, amount=order.total,
                                               currency=order.currency)
    except stripe.StripeError as exc:
        level = logging.WARNING if isinstance(exc, stripe.APIConnectionError) else logging.ERROR
        log.log(level, "Could not start the payment of order %s: %s", order.number, exc)
        cancel_unpaid(order, reason="payment_provider_unreachable", now=dt.datetime.now(dt.timezone.utc))
        raise PaymentUnavailable() from None
    # Record the intent only if no other request recorded one first.
    with write_transaction():
        result = db.session.execute(
            sa.update(Order).where(Order.id == order.id, Order.payment_intent_id.is_(None))
            .values(payment_intent_id=intent.id).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(order)
        return gateway.retrieve_payment_intent(order.payment_intent_id)["client_secret"]
    return intent["client_secret"]


def cancel_unpaid(order: Order, *, reason: str, now: dt.datetime) -> bool:
    """Cancel an order still awaiting payment and give its stock back. False if it moved on."""
    try:
        with write_transaction():
            orders.transition(order, OrderStatus.CANCELLED, now=now, only_from=orders.UNPAID)
            orders.release_stock(order)
            orders.add_event(order, "cancel_reason", now=now, public=False, reason=reason)
    except orders.InvalidTransition:
        return False
    return True


def expire_reservations(now: dt.datetime, limit: int = 200) -> int:
    """Cancel unpaid orders whose stock hold ran out; returns how many were released."""
    ids = list(db.session.scalars(
        sa.select(Order.id).where(Order.status == OrderStatus.PENDING_PAYMENT, Order.stock_held.is_(True),
                                  Order.reserved_until <= now).order_by(Order.reserved_until).limit(limit)))
    released = 0
    for order_id in ids:
        order = db.session.get(Order, order_id)
        if order is not None and cancel_unpaid(order, reason="reservation_expired", now=now):
            released += 1
    return released


def mark_manual_payment_received(order_id: int, *, actor, now: dt.datetime) -> Order:
    """Staff confirm that a bank transfer arrived or cash was collected; the receipt follows
    (`orders.signals.order_paid`). Card orders are paid by Stripe's webhook only.

    :raise InvalidTransition: for a card order, or one no longer awaiting payment.
    """
    with write_transaction():
        order = orders.get_order(order_id, lock=True)
        if order.payment_method == PaymentMethod.CARD:
            raise orders.InvalidTransition(_l("Card orders are marked paid by the payment provider."))
        orders.transition(order, OrderStatus.PAID, now=now, paid_at=now, stock_held=False, reserved_until=None)
        record(actor, "order.mark_paid", "order", order.number, when=now)
    return order


def handle_event(event, *, now: dt.datetime) -> str:
    """Apply one verified Stripe event exactly once; returns what happened (for logs and tests).

    :raise EventMismatch: the event names an order whose intent, amount or currency differ;
        nothing is recorded, so a corrected delivery can still be applied.
    :raise PaymentUnavailable: a refund event whose charge cannot be read from Stripe now;
        nothing is recorded, and Stripe delivers the event again later.
    """
    handlers = {
        "payment_intent.succeeded": _payment_succeeded,
        "payment_intent.payment_failed": _payment_failed,
        "payment_intent.canceled": _payment_failed,
        "charge.refunded": _charge_refunded,
        **{kind: _refund_changed for kind in REFUND_EVENTS},
    }
    handler = handlers.get(event["type"])
    subject = event["data"]["object"]
    if event["type"] in REFUND_EVENTS:
        # The refund names its charge; the charge (read before the transaction, so no lock is
        # held while Stripe answers) says how much has been refunded in all.
        subject = {"refund": subject, "charge": _charge_of(subject)}
    try:
        with write_transaction():
            order = _order_for(event, subject) if handler else None
            processed = ProcessedWebhookEvent(event_id=event["id"], event_type=event["type"],
                                              order_id=order.id if order else None, outcome="ignored")
            db.session.add(processed)
            db.session.flush()
            if handler and order is not None:
                processed.outcome = handler(order, subject, now)
                _note_provider_refund(order, event, processed.outcome)
            outcome = processed.outcome
    except IntegrityError:
        # The event's id is already recorded: another delivery of it was applied (or is being
        # applied right now and will commit first). Everything this one did is rolled back.
        if not _already_processed(event["id"]):
            raise
        return "duplicate"
    return outcome


def _already_processed(event_id: str) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProcessedWebhookEvent)
                             .where(ProcessedWebhookEvent.event_id == event_id)) > 0


def _charge_of(refund) -> dict:
    """The charge a refund event's refund belongs to, as Stripe has it now.

    :raise PaymentUnavailable: when Stripe cannot be reached (the webhook answers 503 and Stripe
        tries again later).
    """
    try:
        return gateway.retrieve_charge(str(refund["charge"])).to_dict()
    except (KeyError, TypeError, stripe.InvalidRequestError):
        log.warning("Refund %r names no charge Stripe knows", refund["id"] if "id" in refund else refund)
        return {}
    except stripe.StripeError as exc:
        log.warning("Could not read the charge of refund %s: %s", refund["id"], exc)
        raise PaymentUnavailable() from None


def _order_for(event, subject) -> Order | None:
    """The order an event is about, locked; None when it is not one of ours.

    Intent events name the order in the intent's metadata; charges and refunds name the intent
    (a charge made by an intent carries the intent's id, not necessarily its metadata).
    Locked, and read after the lock: a concurrent event or cancel for the same order that
    committed meanwhile is seen, so the status checks in the handlers are the truth.
    :raise EventMismatch: when the order's intent, amount or currency differ from the event's.
    """
    if event["type"] in INTENT_EVENTS:
        payment = subject
        metadata = payment["metadata"] if "metadata" in payment else {}
        order_id = metadata["order_id"] if "order_id" in metadata else None
        try:
            order = db.session.get(Order, int(order_id), with_for_update=True, populate_existing=True) \
                if order_id is not None else None
        except (TypeError, ValueError):
            order = None
        intent_id = payment["id"]
    else:
        payment = subject["charge"] if event["type"] in REFUND_EVENTS else subject
        intent_id = payment["payment_intent"] if "payment_intent" in payment else None
        order = db.session.scalar(
            sa.select(Order).where(Order.payment_intent_id == str(intent_id)).with_for_update()
            .execution_options(populate_existing=True)) if isinstance(intent_id, str) and intent_id else None
    if order is None:
        log.warning("Stripe event %s names no known order (intent %r)", event["id"], intent_id)
        return None
    if (order.payment_intent_id != intent_id or payment["amount"] != order.total
            or str(payment["currency"]).upper() != order.currency):
        log.error("Refused Stripe event %s for order %s: intent %s amount %s %s, order expects %s %s %s",
                  event["id"], order.number, intent_id, payment["amount"], payment["currency"],
                  order.payment_intent_id, order.total, order.currency)
        raise EventMismatch()
    return order


def _payment_succeeded(order: Order, intent, now: dt.datetime) -> str:
    status = OrderStatus(order.status)
    if status == OrderStatus.PENDING_PAYMENT:
        orders.transition(order, OrderStatus.PAID, now=now, paid_at=now, stock_held=False, reserved_until=None)
        return "paid"
    if status == OrderStatus.CANCELLED and order.amount_refunded == 0:
        return _late_payment(order, now)
    return "already_applied"


def _late_payment(order: Order, now: dt.datetime, *, refunded_at_provider: int = 0) -> str:
    """The money arrived after the hold ran out: sell if the stock and the offers' caps still
    allow it (the receipt and thank-you code follow `order_paid`), else refund in full (what
    Stripe has not refunded already: `refunded_at_provider`)."""
    # Stock and the offers' places are taken back together or not at all.
    savepoint = db.session.begin_nested()
    if not take_stock(orders.quantities_of(order)) and redemptions.retake(order.id, now=now):
        savepoint.commit()
        orders.force_status(order, OrderStatus.PAID, expected=OrderStatus.CANCELLED, now=now,
                            kind="late_payment_honoured", paid_at=now)
        return "paid_late"
    savepoint.rollback()
    gateway.refund(intent_id=order.payment_intent_id, amount=order.total - refunded_at_provider,
                   idempotency_key=f"order-{order.id}-late-payment-refund")
    event = orders.force_status(order, OrderStatus.REFUNDED, expected=OrderStatus.CANCELLED, now=now,
                                kind="late_payment_refunded", amount_refunded=order.total,
                                event_details={"amount": order.total, "refunded_total": order.total})
    queue_order_email(order, "refunded", now=now, event=event)
    return "refunded_late"


def _charge_refunded(order: Order, charge, now: dt.datetime) -> str:
    """Stripe refunded (part of) the charge: bring the order up to Stripe's refunded total."""
    refunded_total = charge["amount_refunded"] if "amount_refunded" in charge else None
    if not isinstance(refunded_total, int) or isinstance(refunded_total, bool) or refunded_total < 0:
        raise EventMismatch()
    if refunded_total <= order.amount_refunded:
        return "already_applied"
    status = OrderStatus(order.status)
    if status == OrderStatus.PENDING_PAYMENT:
        # The payment's own event is still on its way: the refund proves it, so apply it now.
        _payment_succeeded(order, charge, now)
    elif status == OrderStatus.CANCELLED and order.amount_refunded == 0:
        # Paid after the hold ran out, and refunded before its success event arrived.
        if refunded_total >= order.total:
            # All of it came back: nothing was sold (the hold's stock and offers went back with
            # the cancel), so the order only records the money.
            event = orders.force_status(order, OrderStatus.REFUNDED, expected=OrderStatus.CANCELLED, now=now,
                                        kind="refunded", amount_refunded=order.total,
                                        event_details={"amount": order.total, "refunded_total": order.total,
                                                       "source": "stripe"})
            queue_order_email(order, "refunded", now=now, event=event)
            return "refunded"
        if _late_payment(order, now, refunded_at_provider=refunded_total) != "paid_late":
            return "refunded_late"
    elif status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return "already_applied"
    return record_refund(order, refunded_total, now=now, source="stripe")


def _refund_changed(order: Order, subject, now: dt.datetime) -> str:
    """One refund was made or changed: its charge, read from Stripe, has the refunded total. A
    refund that failed or was canceled returned nothing; staff are told on the timeline."""
    refund = subject["refund"]
    if "status" in refund and refund["status"] in REFUND_RETURNED_NOTHING:
        orders.add_event(order, "provider_refund_failed", now=now, public=False,
                         refund=str(refund["id"]), amount=refund["amount"] if "amount" in refund else None)
        return "refund_failed"
    return _charge_refunded(order, subject["charge"], now)


def _note_provider_refund(order: Order, event, outcome: str) -> None:
    """A refund made outside the shop goes in the audit log, like one staff make here."""
    if event["type"] != "charge.refunded" and event["type"] not in REFUND_EVENTS:
        return
    if outcome in ("refunded", "partially_refunded", "refunded_late"):
        record(None, "order.refund_by_provider", "order", order.number, event=event["id"],
               refunded_total=order.amount_refunded)


def _payment_failed(order: Order, intent, now: dt.datetime) -> str:
    if order.status != OrderStatus.PENDING_PAYMENT:
        return "already_applied"
    orders.transition(order, OrderStatus.CANCELLED, now=now, only_from=orders.UNPAID)
    orders.release_stock(order)
    orders.add_event(order, "payment_failed", now=now)
    return "cancelled"


def reconcile(*, now: dt.datetime, hours: int = 48) -> dict[str, int]:
    """Ask Stripe for the state of recent card orders still unpaid or cancelled, and apply any
    success or cancellation whose webhook never arrived. Safe to run any time: an outcome
    already applied is recognised by the order's state."""
    since = now - dt.timedelta(hours=hours)
    candidates = db.session.execute(
        sa.select(Order.id, Order.payment_intent_id).where(
            Order.payment_method == PaymentMethod.CARD, Order.payment_intent_id.is_not(None),
            Order.status.in_([OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED]),
            Order.amount_refunded == 0, Order.created_at >= since)).all()
    db.session.rollback()  # the read is over: hold no transaction open while Stripe answers
    counts: dict[str, int] = {}
    for order_id, intent_id in candidates:
        intent = gateway.retrieve_payment_intent(intent_id).to_dict()
        event_type = {"succeeded": "payment_intent.succeeded",
                      "canceled": "payment_intent.canceled"}.get(intent["status"])
        if event_type is None:
            continue
        event = {"id": f"reconcile:{intent_id}:{intent['status']}", "type": event_type,
                 "data": {"object": intent}}
        try:
            outcome = handle_event(event, now=now)
        except EventMismatch:
            outcome = "mismatch"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
