"""The shopper's tracking page, reachable only through the secret link in their e-mails."""
from __future__ import annotations

from urllib.parse import urlsplit

from babel.dates import format_skeleton
from flask import Blueprint, current_app, render_template
from flask_babel import get_locale, get_timezone
from flask_babel import lazy_gettext as _l

from ..mail.service import MAIL_NAMES
from ..money import format_money
from ..security import allow_sources
from .breakdown import order_breakdown
from .models import OrderStatus, PaymentMethod
from .service import get_order_by_token

bp = Blueprint("tracking", __name__, url_prefix="/orders")

STATUS_LABELS = {
    "pending_payment": _l("Awaiting payment"),
    "paid": _l("Paid — we are preparing your parcel"),
    "fulfilled": _l("Packed and ready to ship"),
    "shipped": _l("Shipped"),
    "delivered": _l("Delivered"),
    "cancelled": _l("Cancelled"),
    "refunded": _l("Refunded"),
}
EVENT_LABELS = {
    "placed": _l("Order placed"),
    "paid": _l("Payment received"),
    "fulfilled": _l("Packed"),
    "shipped": _l("Handed to the carrier"),
    "delivered": _l("Delivered"),
    "cancelled": _l("Order cancelled"),
    "refunded": _l("Refunded"),
    "partially_refunded": _l("Partly refunded"),
    "payment_failed": _l("The payment did not go through"),
    "late_payment_honoured": _l("Payment received"),
    "late_payment_refunded": _l("Payment arrived after the items sold out and was refunded"),
    "provider_refund_failed": _l("A refund failed at the payment provider"),
    "note": _l("Internal note"),
}


@bp.app_template_global()
def order_status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


@bp.app_template_global()
def order_event_label(kind: str) -> str:
    return EVENT_LABELS.get(kind, kind.replace("_", " "))


# A refund's entry as the shopper reads it: what came back, and the refunded total where earlier
# refunds came before it.
REFUND_LABELS = {
    "partially_refunded": _l("Partly refunded: %(amount)s"),
    "refunded": _l("Refunded: %(amount)s"),
    "late_payment_refunded": _l("Payment arrived after the items sold out and was refunded: %(amount)s"),
}
REFUND_LABELS_IN_ALL = {
    "partially_refunded": _l("Partly refunded: %(amount)s (%(total)s in all)"),
    "refunded": _l("Refunded: %(amount)s (%(total)s in all)"),
}


@bp.app_template_global()
def order_event_text(event, currency: str) -> str:
    """A timeline entry as the tracking page says it: its label, with a refund's amount."""
    amount, total = event.details.get("amount"), event.details.get("refunded_total")
    if event.kind not in REFUND_LABELS or not isinstance(amount, int):
        return order_event_label(event.kind)
    in_all = isinstance(total, int) and total != amount and event.kind in REFUND_LABELS_IN_ALL
    label = REFUND_LABELS_IN_ALL[event.kind] if in_all else REFUND_LABELS[event.kind]
    return str(label) % {"amount": format_money(amount, currency), "total": format_money(total or 0, currency)}


@bp.app_template_global()
def order_mail_name(kind: str) -> str:
    return str(MAIL_NAMES.get(kind, kind))


@bp.app_template_filter("shopper_time")
def shopper_time(value) -> str:
    """A moment as a shopper anywhere reads it: to the minute, in the shop's zone, which is named
    by its offset ("8 dic 2026, 3:15 (UTC+2)"): a shopper in Madrid is an hour behind Riga."""
    locale, zone = get_locale(), get_timezone()
    date = format_skeleton("yMMMd", value, tzinfo=zone, locale=locale)
    time = format_skeleton("Hm", value, tzinfo=zone, locale=locale)
    minutes = int(value.astimezone(zone).utcoffset().total_seconds() // 60)
    offset = f"UTC{'+' if minutes >= 0 else '−'}{abs(minutes) // 60}" + (f":{abs(minutes) % 60:02d}" if minutes % 60 else "")
    return str(locale.datetime_formats["medium"]).replace("'", "").format(time, date) + f" ({offset})"


# A secret link: keep it out of shared caches and out of Referer headers to other sites.
PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


@bp.get("/<token>")
def track(token: str):
    order = get_order_by_token(token)
    response = render_template("orders/track.html", order=order, breakdown=order_breakdown(order),
                               timeline=[e for e in order.events if e.public])
    return response, 200, PRIVATE


@bp.get("/<token>/pay")
def pay(token: str):
    """The card payment step, inside the shop's page (and so inside the social tab's frame).

    The page asks the JSON API for the PaymentIntent's client secret, mounts Stripe's Payment
    Element and confirms with `redirect: 'if_required'`, so the shopper never leaves the frame.
    Whether the order is paid is decided by Stripe's webhook; this page only shows the status.
    """
    order = get_order_by_token(token)
    if order.payment_method != PaymentMethod.CARD or order.status != OrderStatus.PENDING_PAYMENT:
        return track(token)
    config = current_app.config
    stripe_js = config["STRIPE_JS_URL"]
    if config["STRIPE_API_BASE"]:  # the local Stripe test server serves its own Stripe.js
        stripe_js = config["STRIPE_API_BASE"].rstrip("/") + "/js.stripe.com/v3/"
    allow_sources("script-src", _origin(stripe_js))
    allow_sources("frame-src", "https://js.stripe.com", "https://hooks.stripe.com")
    allow_sources("connect-src", "https://api.stripe.com", _origin(config["STRIPE_API_BASE"]))
    allow_sources("img-src", "https://*.stripe.com")
    response = render_template("orders/pay.html", order=order, breakdown=order_breakdown(order), stripe_js=stripe_js,
                               publishable_key=config["STRIPE_PUBLISHABLE_KEY"])
    return response, 200, PRIVATE
