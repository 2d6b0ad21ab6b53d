"""Asking buyers for reviews: one request per order after delivery, one reminder, an unsubscribe
link that works.

When an order is delivered (`orders.signals.order_delivered`, inside the delivery's transaction)
the buyer is asked about the order's products, in the order's language. When delivery is never
marked, the hourly task asks about orders shipped REVIEW_REQUEST_AFTER_SHIPPED_DAYS ago. A buyer
(an e-mail address, case-insensitive) is never asked about one product twice within
REVIEW_REQUEST_REPEAT_DAYS, nor about a product they have reviewed; an order whose products are
all left out gets no request at all, and neither does an address that unsubscribed. Addresses are
kept normalised (`normalise_email`) in requests, their items and opt-outs, so they compare exactly.

Each limit is held by the database: one request per order (unique `order_id`, inserted under a
savepoint), one reminder per request (claimed by a conditional UPDATE on `reminded_at`), one mail
per key in the outbox. The wording asks for every opinion, good or bad, and offers nothing for it:
soliciting only happy buyers ("review gating") is what the FTC's rule (16 CFR 465) forbids.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from storefront.database import write_transaction
from storefront.errors import NotFoundError
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.mail.service import Rendered, public_url, queue_email, register
from storefront.orders import signals as order_signals
from storefront.orders.breakdown import line_names
from storefront.orders.models import Order, OrderEvent, OrderLine, OrderStatus

from .models import Review, ReviewMailOptOut, ReviewRequest, ReviewRequestItem

REQUEST_KIND = "review_request"
REMINDER_KIND = "review_reminder"
# The unsubscribe token signs the address with the app's SECRET_KEY under this salt, so a token
# made for another purpose (a session, another link) never opens this one.
UNSUBSCRIBE_SALT = "reviews.unsubscribe"
# How far back the hourly task looks for shipped orders it has not asked about: orders whose
# products were all left out stay without a request, and must not be looked at again forever.
SHIPPED_CATCH_UP = dt.timedelta(days=30)
# Requests handled per run of a task; the next run (an hour later) takes the rest.
BATCH = 500


class NamedLine(NamedTuple):
    """An item the request asks about, named in the mail's language."""

    title: str
    variant_label: str


class InvalidUnsubscribeLink(NotFoundError):
    code = "invalid_unsubscribe_link"
    default_message = _l("This unsubscribe link is not valid. Please use the link from our e-mail.")


def normalise_email(email: str) -> str:
    """The address as the reviews area compares it: trimmed, lower case."""
    return (email or "").strip().lower()


def opted_out(email: str) -> bool:
    """Whether the address unsubscribed from review (and answer) requests."""
    return db.session.get(ReviewMailOptOut, normalise_email(email)) is not None


# --- asking ------------------------------------------------------------------------------------

def ask_on_delivery(order: Order, *, now: dt.datetime, **_) -> None:
    """`order_delivered` receiver: ask the buyer for a review, in the delivery's transaction."""
    create_request(order, now=now)


def create_request(order: Order, *, now: dt.datetime) -> ReviewRequest | None:
    """Write the order's review request and queue its e-mail, in the caller's transaction.

    Asks about each product of the order once, leaving out products this buyer was asked about
    within REVIEW_REQUEST_REPEAT_DAYS or has reviewed. Returns None, writing nothing, when the order
    already has a request (also when a concurrent transaction wrote it first), the address opted
    out, or no product is left to ask about.
    """
    if db.session.scalar(sa.select(ReviewRequest.id).where(ReviewRequest.order_id == order.id)) is not None:
        return None
    email = normalise_email(order.email)
    if not email:
        return None
    _serialise_buyer(email)
    if opted_out(email):
        return None
    lines = _lines_to_ask_about(order, email, now=now)
    if not lines:
        return None
    config = current_app.config
    request = ReviewRequest(
        order_id=order.id, email=email, locale=order.locale, created_at=now,
        expires_at=now + dt.timedelta(days=config["REVIEW_LINK_DAYS"]),
        reminder_due_at=now + dt.timedelta(days=config["REVIEW_REMINDER_DAYS"]),
        items=[ReviewRequestItem(order_line_id=line.id, product_id=line.product_id, email=email, created_at=now)
               for line in lines])
    try:
        with db.session.begin_nested():
            db.session.add(request)
            db.session.flush()
    except sa.exc.IntegrityError:  # another transaction asked about this order first
        return None
    queue_email(REQUEST_KIND, recipient=request.email, locale=request.locale, now=now, ref_id=request.id,
                key=f"{REQUEST_KIND}:{order.id}", order_id=order.id)
    return request


def _serialise_buyer(email: str) -> None:
    """Make two transactions asking the same buyer (two of their orders delivered at once) take
    turns, so the "not within a year" check of the second sees what the first wrote. SQLite's
    write transactions already take turns (BEGIN IMMEDIATE); PostgreSQL takes a transaction-level
    advisory lock on the address. The order row is locked first by every caller, then this."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.blake2b(f"review-request:{email}".encode(), digest_size=8).digest(),
                         "big", signed=True)
    db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def _lines_to_ask_about(order: Order, email: str, *, now: dt.datetime) -> list[OrderLine]:
    """The order's lines to ask about: one per product, without the products this buyer was asked
    about within the repeat window or has already reviewed."""
    by_product: dict[int, OrderLine] = {}
    for line in order.lines:
        if line.product_id is not None:
            by_product.setdefault(line.product_id, line)
    if not by_product:
        return []
    since = now - dt.timedelta(days=current_app.config["REVIEW_REQUEST_REPEAT_DAYS"])
    asked = db.session.scalars(
        sa.select(ReviewRequestItem.product_id)
        .where(ReviewRequestItem.email == email, ReviewRequestItem.product_id.in_(by_product),
               ReviewRequestItem.created_at > since))
    reviewed = db.session.scalars(
        sa.select(Review.product_id)
        .where(Review.product_id.in_(by_product), sa.func.lower(Review.email) == email))
    left_out = set(asked) | set(reviewed)
    return [line for product_id, line in by_product.items() if product_id not in left_out]


def request_for_shipped_orders(now: dt.datetime) -> int:
    """Ask about orders shipped more than REVIEW_REQUEST_AFTER_SHIPPED_DAYS ago whose delivery
    was never marked (the hourly task). Each order is asked about in its own transaction, with the
    order row locked (as delivery locks it), so running this twice, or beside a delivery, still
    makes one request per order. Returns how many requests were made."""
    due = now - dt.timedelta(days=current_app.config["REVIEW_REQUEST_AFTER_SHIPPED_DAYS"])
    # Per order still in the shipped state (the status index), its "shipped" event: the scan
    # grows with the parcels on their way, not with every order the shop ever shipped.
    shipped_at = (sa.select(sa.func.max(OrderEvent.created_at))
                  .where(OrderEvent.order_id == Order.id, OrderEvent.kind == OrderStatus.SHIPPED.value)
                  .correlate(Order).scalar_subquery())
    order_ids = list(db.session.scalars(
        sa.select(Order.id)
        .where(Order.status == OrderStatus.SHIPPED.value, shipped_at <= due, shipped_at > due - SHIPPED_CATCH_UP,
               ~sa.exists().where(ReviewRequest.order_id == Order.id))
        .order_by(Order.id).limit(BATCH)))
    made = 0
    for order_id in order_ids:
        with write_transaction():
            order = db.session.get(Order, order_id, with_for_update=True, populate_existing=True)
            if order is None or order.status != OrderStatus.SHIPPED:
                continue  # delivered meanwhile: the delivery asked
            made += create_request(order, now=now) is not None
    return made


# --- the reminder ------------------------------------------------------------------------------

def send_due_reminders(now: dt.datetime) -> int:
    """Remind buyers whose reminder is due, once each (the hourly task). A request whose order has
    a review, whose address opted out or whose link expired gets no reminder, ever: its
    `reminder_due_at` is cleared so it is not looked at again. Returns how many were queued."""
    request_ids = list(db.session.scalars(
        sa.select(ReviewRequest.id)
        .where(ReviewRequest.reminder_due_at <= now, ReviewRequest.reminded_at.is_(None))
        .order_by(ReviewRequest.reminder_due_at, ReviewRequest.id).limit(BATCH)))
    return sum(remind(request_id, now=now) for request_id in request_ids)


def remind(request_id: int, *, now: dt.datetime) -> bool:
    """Queue the request's one reminder if it is due and still wanted. The conditional UPDATE that
    sets `reminded_at` is the claim: of two runs at once, one queues the mail and the other finds
    nothing to claim. Returns whether this call queued it."""
    due = sa.and_(ReviewRequest.id == request_id, ReviewRequest.reminded_at.is_(None),
                  ReviewRequest.reminder_due_at <= now)
    with write_transaction():
        claimed = db.session.execute(
            sa.update(ReviewRequest)
            .where(due, ReviewRequest.expires_at > now,
                   ~sa.exists().where(Review.order_id == ReviewRequest.order_id),
                   ~sa.exists().where(ReviewMailOptOut.email == ReviewRequest.email))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            # Reviewed, unsubscribed or expired (or another run claimed it, and this matches nothing).
            db.session.execute(sa.update(ReviewRequest).where(due).values(reminder_due_at=None)
                               .execution_options(synchronize_session=False))
            return False
        request = db.session.get(ReviewRequest, request_id)
        queued = queue_email(REMINDER_KIND, recipient=request.email, locale=request.locale, now=now,
                             ref_id=request.id, key=f"{REMINDER_KIND}:{request.id}", order_id=request.order_id)
    return queued is not None


# --- unsubscribing -----------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(email: str) -> str:
    """The address, signed: a token that never expires (an old e-mail's link must still work)."""
    return _serializer().dumps(normalise_email(email))


def unsubscribe_url(email: str, *, lang: str) -> str:
    """The absolute unsubscribe link for the address, in the mail's language."""
    return public_url("review_requests.unsubscribe", token=unsubscribe_token(email), lang=lang)


def address_for(token: str) -> str:
    """The address an unsubscribe token was made for. :raise InvalidUnsubscribeLink: (404) for a
    token this shop did not sign."""
    try:
        email = _serializer().loads(token)
    except BadSignature:
        raise InvalidUnsubscribeLink() from None
    if not isinstance(email, str) or not email:
        raise InvalidUnsubscribeLink()
    return email


def unsubscribe(token: str, *, now: dt.datetime) -> str:
    """Stop review and answer requests to the token's address (also their pending reminders).
    Unsubscribing again changes nothing. Returns the address.
    :raise InvalidUnsubscribeLink: (404) for a forged or damaged token; nothing is written."""
    email = address_for(token)
    with write_transaction():
        if db.session.get(ReviewMailOptOut, email) is None:
            try:
                with db.session.begin_nested():
                    db.session.add(ReviewMailOptOut(email=email, created_at=now))
            except sa.exc.IntegrityError:  # the same link clicked twice at once
                pass
    return email


# --- the e-mails -------------------------------------------------------------------------------

def render_request(email: OutboundEmail) -> Rendered:
    return _render(email, reminder=False)


def render_reminder(email: OutboundEmail) -> Rendered:
    return _render(email, reminder=True)


def _render(email: OutboundEmail, *, reminder: bool) -> Rendered:
    """The request (or its reminder), in the mail's locale (`mail.service.render` forces it)."""
    request = db.session.get(ReviewRequest, email.ref_id)
    order = db.session.get(Order, request.order_id)
    lines = db.session.scalars(
        sa.select(OrderLine).join(ReviewRequestItem, ReviewRequestItem.order_line_id == OrderLine.id)
        .where(ReviewRequestItem.request_id == request.id).order_by(OrderLine.id)).all()
    names = line_names(order)  # in the mail's language, as its receipt named them
    items = [NamedLine(*names.get(line.id, (line.title, line.variant_label))) for line in lines]
    context = {
        "locale": email.locale,
        "reminder": reminder,
        "name": order.full_name,
        "number": order.number,
        "items": items,
        "review_url": public_url("review_forms.write", token=request.token, lang=email.locale),
        # A date in the shop's zone (flask-babel rebases to BABEL_DEFAULT_TIMEZONE).
        "valid_until": format_date(request.expires_at, "long"),
        "unsubscribe_url": unsubscribe_url(request.email, lang=email.locale),
    }
    if reminder:
        subject = _("A reminder: what do you think of your order %(number)s?", number=order.number)
    else:
        subject = _("What do you think of your order %(number)s?", number=order.number)
    return Rendered(subject=subject, text=render_template("mail/reviews/request_email.txt", **context),
                    html=render_template("mail/reviews/request_email.html", **context))


def connect() -> None:
    """Ask for a review when an order is delivered; register the request and reminder e-mails."""
    order_signals.order_delivered.connect(ask_on_delivery)
    register(REQUEST_KIND, render_request)
    register(REMINDER_KIND, render_reminder)
