"""Queueing, rendering and sending shopper e-mails."""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..audit.service import record
from ..database import write_transaction
from ..errors import ConflictError
from ..extensions import db
from ..orders.breakdown import order_breakdown
from ..orders.models import Order, OrderEvent, OrderStatus
from ..orders.service import get_order
from .models import OutboundEmail

log = logging.getLogger(__name__)

KINDS = ("order_received", "receipt", "shipped", "refunded")


@dataclass(frozen=True)
class Rendered:
    """What a renderer of another area's mail returns (rendered in the mail's locale)."""

    subject: str
    text: str
    html: str


# Renderers of mail that other areas queue (`queue_email`), by kind: each area registers its
# own from its init_app, so mail never imports the areas above it.
RENDERERS: dict[str, Callable[[OutboundEmail], Rendered]] = {}


# What other areas add to an order's own mails: each part is called with the mail's kind and
# language, in that language, and returns values for mail/order.txt and .html (the legal pages add
# the contract's terms and the right of withdrawal to the first ones: `storefront.legal.mail`).
ORDER_MAIL_PARTS: list[Callable[[str, str], dict]] = []


def order_mail_part(part: Callable[[str, str], dict]) -> Callable[[str, str], dict]:
    ORDER_MAIL_PARTS.append(part)
    return part


def register(kind: str, renderer: Callable[[OutboundEmail], Rendered]) -> None:
    """Let `queue_email(kind, …)` mail be rendered by `renderer(email)`, called in the mail's
    locale inside an app context (the worker's: build links with `public_url`)."""
    assert kind not in KINDS, kind
    RENDERERS[kind] = renderer


def queue_email(kind: str, *, recipient: str, locale: str, now: dt.datetime, ref_id: int | None = None,
                key: str | None = None, order_id: int | None = None) -> OutboundEmail | None:
    """Add a mail of another area to the caller's transaction, sent after the commit. With `key`,
    at most one mail is ever queued per key: a second call returns None and writes nothing (a
    savepoint absorbs the collision, so a race between two transactions ends the same way)."""
    assert kind in RENDERERS, f"no renderer registered for {kind!r}"
    email = OutboundEmail(order_id=order_id, kind=kind, recipient=recipient, locale=locale, ref_id=ref_id,
                          key=key, next_attempt_at=now, created_at=now)
    if key is not None:
        if db.session.scalar(sa.select(OutboundEmail.id).where(OutboundEmail.key == key)) is not None:
            return None
        try:
            with db.session.begin_nested():
                db.session.add(email)
        except sa.exc.IntegrityError:
            return None
    else:
        db.session.add(email)
    db.session.info.setdefault("outbox", []).append(email)
    return email
# Waits between attempts when the SMTP server refuses or is down: 1 min, 5 min, 30 min, then hourly.
# How long a worker may take to send a mail it claimed before another worker may try.
SENDING_LEASE = dt.timedelta(minutes=5)
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=1))


def queue_order_email(order: Order, kind: str, *, now: dt.datetime,
                      event: OrderEvent | None = None) -> OutboundEmail:
    """Add the mail to the caller's transaction; it is sent after the commit (see tasks).

    An order gets one mail of each kind (its key names the order and the kind), except refund
    notices: each refund is a timeline entry (`event`, whose details hold its amount and the
    refunded total then), and each gets its own notice, keyed by that entry, so a refund recorded
    once is mailed once however often the event that reports it is delivered.
    """
    assert kind in KINDS, kind
    assert (event is not None) == (kind == "refunded"), "a refund notice names its refund, and only it"
    if event is not None:
        db.session.flush()  # the entry's id is the notice's key
        key, ref_id = f"refunded:event:{event.id}", event.id
    else:
        key, ref_id = f"{kind}:{order.id}", None
    email = OutboundEmail(order_id=order.id, kind=kind, recipient=order.email, locale=order.locale, key=key,
                          ref_id=ref_id, next_attempt_at=now, created_at=now)
    db.session.add(email)
    db.session.info.setdefault("outbox", []).append(email)
    return email


# The e-mails about an order, by kind, as staff read them (the order page's timeline, the audit log).
MAIL_NAMES = {
    "order_received": _l("Payment instructions"),
    "receipt": _l("Receipt"),
    "shipped": _l("Shipping notice"),
    "refunded": _l("Refund notice"),
}


class NothingToResend(ConflictError):
    code = "nothing_to_resend"
    default_message = _l("No e-mail was sent about this order yet.")


def last_order_email(order_id: int) -> OutboundEmail | None:
    """The latest mail about the order (instructions, receipt, shipping or refund notice), if any."""
    return db.session.scalar(
        sa.select(OutboundEmail).where(OutboundEmail.order_id == order_id, OutboundEmail.kind.in_(KINDS))
        .order_by(OutboundEmail.created_at.desc(), OutboundEmail.id.desc()).limit(1))


def resend_last_order_email(order_id: int, *, actor, now: dt.datetime) -> OutboundEmail:
    """Send the order's latest mail (instructions, receipt, shipping or refund notice) again, as it
    reads now: the shopper lost it, or it went to spam. Its outbox row goes back to pending (one
    row per mail, so a resend is the same mail once more), audited.

    :raise OrderNotFound: (404)
    :raise NothingToResend: (409) when the order has had no mail yet (a card order before payment),
        or was cancelled (its last mail asked for a payment that is no longer due).
    """
    with write_transaction():
        email = last_order_email(order_id)
        order = get_order(order_id)
        if order.status == OrderStatus.CANCELLED:
            raise NothingToResend(_l("This order is cancelled: its last e-mail no longer holds."))
        if email is None:
            raise NothingToResend()
        email.status, email.next_attempt_at, email.last_error = "pending", now, ""
        db.session.info.setdefault("outbox", []).append(email)
        record(actor, "order.resend_email", "order", order.number, kind=email.kind, recipient=email.recipient,
               when=now)
    return email


def public_url(endpoint: str, *, lang: str | None, **values) -> str:
    """An absolute link for mail, built without a request (mail is sent by the task worker).

    `lang` is the mail's language, and goes into the link: a Latvian mail's links open in
    Latvian, whatever the language of the browser that opens them. It is required so that no
    mail link forgets it; None only for an address that is not a link (a base for other links).
    """
    path = current_app.url_map.bind("localhost").build(endpoint, {**values, "lang": lang})
    base = current_app.config["PUBLIC_BASE_URL"] or "http://127.0.0.1:5000"  # make run's address
    return base.rstrip("/") + path


def render(email: OutboundEmail) -> EmailMessage:
    if email.kind in RENDERERS:
        with force_locale(email.locale):
            rendered = RENDERERS[email.kind](email)
            message = EmailMessage()
            message["Subject"] = rendered.subject
            message["From"] = current_app.config["MAIL_FROM"]
            message["To"] = email.recipient
            message["Message-ID"] = make_msgid(domain="shop.local")
            message.set_content(rendered.text)
            if rendered.html:
                message.add_alternative(rendered.html, subtype="html")
        return message
    order = db.session.get(Order, email.order_id)
    with force_locale(email.locale):
        subjects = {
            "order_received": _("We received your order %(number)s", number=order.number),
            "receipt": _("Receipt for your order %(number)s", number=order.number),
            "shipped": _("Your order %(number)s is on its way", number=order.number),
            "refunded": _("Refund for your order %(number)s", number=order.number),
        }
        # In the order's language, whatever the browser that opens it says.
        tracking_url = public_url("tracking.track", token=order.tracking_token, lang=order.locale)
        context = {"order": order, "kind": email.kind, "tracking_url": tracking_url,
                   "breakdown": order_breakdown(order)}
        if email.kind == "refunded":
            context.update(_refund_told(order, email))
        for part in ORDER_MAIL_PARTS:
            context.update(part(email.kind, order.locale))
        message = EmailMessage()
        message["Subject"] = subjects[email.kind]
        message["From"] = current_app.config["MAIL_FROM"]
        message["To"] = email.recipient
        message["Message-ID"] = make_msgid(domain="shop.local")
        message.set_content(render_template("mail/order.txt", **context))
        message.add_alternative(render_template("mail/order.html", **context), subtype="html")
    return message


def _refund_told(order: Order, email: OutboundEmail) -> dict:
    """What a refund notice tells: its refund's amount and the refunded total then, with the
    order's figures as they stood after that refund (a notice sent late, after a later refund,
    still adds up to what it says). A notice queued before notices named their refund tells the
    order's refunded total."""
    event = db.session.get(OrderEvent, email.ref_id) if email.ref_id is not None else None
    details = event.details if event is not None and event.order_id == order.id else {}
    refunded_total = details.get("refunded_total", order.amount_refunded)
    return {"refund_amount": details.get("amount", refunded_total), "refunded_total": refunded_total,
            "breakdown": order_breakdown(order, refunded=refunded_total)}


def deliver(email_id: int, *, now: dt.datetime) -> bool:
    """Send one due mail. On failure it goes back to pending with its next attempt scheduled.

    The mail is first claimed by a conditional UPDATE (pending → sending, with a lease), so of
    two workers that pick it up at once only one sends it; a worker that dies mid-send leaves a
    claim that expires with its lease, and the sweep tries again. The SMTP conversation runs
    outside any transaction, so a slow mail server never holds the database.
    Returns whether it was sent by this call.
    """
    with write_transaction():
        claimed = db.session.execute(
            sa.update(OutboundEmail)
            .where(OutboundEmail.id == email_id, OutboundEmail.status.in_(("pending", "sending")),
                   OutboundEmail.next_attempt_at <= now)
            .values(status="sending", next_attempt_at=now + SENDING_LEASE)
            .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return False
    email = db.session.get(OutboundEmail, email_id)
    try:
        _send(render(email))
    except (OSError, smtplib.SMTPException) as exc:
        attempts = email.attempts + 1
        with write_transaction():
            db.session.execute(
                sa.update(OutboundEmail).where(OutboundEmail.id == email_id)
                .values(status="pending", attempts=attempts, last_error=f"{exc.__class__.__name__}: {exc}"[:500],
                        next_attempt_at=now + BACKOFF[min(attempts, len(BACKOFF)) - 1])
                .execution_options(synchronize_session=False))
        log.warning("Mail %s not sent (attempt %d): %s", email_id, attempts, exc)
        return False
    attempts = email.attempts + 1
    with write_transaction():
        db.session.execute(
            sa.update(OutboundEmail).where(OutboundEmail.id == email_id)
            .values(status="sent", sent_at=now, attempts=attempts)
            .execution_options(synchronize_session=False))
    return True


def due_email_ids(now: dt.datetime, limit: int = 100) -> list[int]:
    """Mail to (re)try: pending and due, or claimed by a worker whose lease ran out. (A read: each
    `deliver` then claims its mail in a write of its own, which ends this read's transaction.)"""
    return list(db.session.scalars(
        sa.select(OutboundEmail.id)
        .where(OutboundEmail.status.in_(("pending", "sending")), OutboundEmail.next_attempt_at <= now)
        .order_by(OutboundEmail.next_attempt_at).limit(limit)))


def _send(message: EmailMessage) -> None:
    config = current_app.config
    if not config["SMTP_HOST"]:
        # No mail server configured (the demo): the message goes to the log instead.
        log.warning("SMTP_HOST is not set, so this e-mail to %s was logged, not sent: %s\n%s",
                    message["To"], message["Subject"], message.get_body(("plain",)).get_content())
        return
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(message)
