"""Queueing, rendering and sending shopper e-mails."""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ..database import begin_write
from ..extensions import db
from ..orders.models import Order
from .models import OutboundEmail

log = logging.getLogger(__name__)

KINDS = ("order_received", "receipt", "shipped", "refunded")
# Waits between attempts when the SMTP server refuses or is down: 1 min, 5 min, 30 min, then hourly.
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=1))


def queue_order_email(order: Order, kind: str, *, now: dt.datetime) -> OutboundEmail:
    """Add the mail to the caller's transaction; it is sent after the commit (see tasks)."""
    assert kind in KINDS, kind
    email = OutboundEmail(order_id=order.id, kind=kind, recipient=order.email, locale=order.locale,
                          next_attempt_at=now, created_at=now)
    db.session.add(email)
    db.session.info.setdefault("outbox", []).append(email)
    return email


def public_url(endpoint: str, **values) -> str:
    """An absolute link for mail, built without a request (mail is sent by the task worker)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    base = current_app.config["PUBLIC_BASE_URL"] or "http://127.0.0.1:5000"  # make run's address
    return base.rstrip("/") + path


def render(email: OutboundEmail) -> EmailMessage:
    order = db.session.get(Order, email.order_id)
    with force_locale(email.locale):
        subjects = {
            "order_received": _("We received your order %(number)s", number=order.number),
            "receipt": _("Receipt for your order %(number)s", number=order.number),
            "shipped": _("Your order %(number)s is on its way", number=order.number),
            "refunded": _("Refund for your order %(number)s", number=order.number),
        }
        tracking_url = public_url("tracking.track", token=order.tracking_token)
        context = {"order": order, "kind": email.kind, "tracking_url": tracking_url}
        message = EmailMessage()
        message["Subject"] = subjects[email.kind]
        message["From"] = current_app.config["MAIL_FROM"]
        message["To"] = email.recipient
        message["Message-ID"] = make_msgid(domain="shop.local")
        message.set_content(render_template("mail/order.txt", **context))
        message.add_alternative(render_template("mail/order.html", **context), subtype="html")
    return message


def deliver(email_id: int, *, now: dt.datetime) -> bool:
    """Send one pending mail. On failure it stays pending with its next attempt scheduled.

    Returns whether it was sent by this call.
    """
    begin_write()
    email = db.session.get(OutboundEmail, email_id)
    if email is None or email.status == "sent":
        db.session.rollback()
        return False
    try:
        message = render(email)
        _send(message)
    except (OSError, smtplib.SMTPException) as exc:
        email.attempts += 1
        email.last_error = f"{exc.__class__.__name__}: {exc}"[:500]
        email.next_attempt_at = now + BACKOFF[min(email.attempts, len(BACKOFF)) - 1]
        log.warning("Mail %s to %s not sent (attempt %d): %s", email.id, email.recipient, email.attempts, exc)
        db.session.commit()
        return False
    email.status = "sent"
    email.sent_at = now
    email.attempts += 1
    db.session.commit()
    return True


def due_email_ids(now: dt.datetime, limit: int = 100) -> list[int]:
    ids = list(db.session.scalars(
        sa.select(OutboundEmail.id).where(OutboundEmail.status == "pending", OutboundEmail.next_attempt_at <= now)
        .order_by(OutboundEmail.next_attempt_at).limit(limit)))
    db.session.commit()
    return ids


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
