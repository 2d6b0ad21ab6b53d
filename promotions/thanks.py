"""The thank-you code: a single-use code for the next purchase, sent with a paid order's receipt.

A shop enables it with a live code-holder offer marked `thank_you`. `issue_for` runs in the
transaction that marks the order paid (`orders.service.transition`), before the receipt is
rendered; `offer_codes.issued_for_order_id` is unique, so an order gets one code however often
(or however concurrently) it is called.
"""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from storefront.extensions import db

from . import codes
from .models import Audience, CodeKind, Offer, OfferCode

log = logging.getLogger(__name__)


def thank_you_offer(now: dt.datetime) -> Offer | None:
    """The live thank-you offer with room under its cap (highest priority first), if the shop runs one."""
    return db.session.scalar(
        sa.select(Offer).where(Offer.thank_you.is_(True), Offer.audience == Audience.CODE_HOLDERS,
                               Offer.is_live(now), Offer.has_room)
        .order_by(Offer.priority.desc(), Offer.id).limit(1))


def code_for_order(order_id: int) -> OfferCode | None:
    """The thank-you code issued with this order, if any."""
    return db.session.scalar(sa.select(OfferCode).where(OfferCode.issued_for_order_id == order_id))


def issue_for(order, *, now: dt.datetime) -> OfferCode | None:
    """Issue the order's thank-you code in the caller's transaction (not committed); the same
    code again on a second call; None when no thank-you offer is live.

    Never raises for the code itself: it runs inside the payment's transaction, and a receipt
    without a thank-you code is better than a payment that does not go through.
    """
    existing = code_for_order(order.id)
    if existing is not None:
        return existing
    offer = thank_you_offer(now)
    if offer is None:
        return None
    try:
        code = codes.add_code(lambda: dict(
            offer_id=offer.id, code=codes.new_code("THANKS"), kind=CodeKind.THANK_YOU, channel="email",
            utm_source="receipt", max_uses=1, issued_for_order_id=order.id, created_at=now))
    except IntegrityError:
        # Another call issued this order's code meanwhile (the order's unique key refused ours).
        existing = code_for_order(order.id)
        if existing is None:
            log.exception("no thank-you code for order %s", order.id)
        return existing
    except codes.CodeTaken:
        log.error("no free thank-you code value for order %s", order.id)
        return None
    return code
