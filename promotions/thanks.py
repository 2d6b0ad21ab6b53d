"""The thank-you code: a single-use code for the next purchase, sent with a paid order's receipt.

A shop enables it with a live code-holder offer marked `thank_you`. `issue_for` runs in the
transaction that marks the order paid (`orders.service.transition`), before the receipt is
rendered; `offer_codes.issued_for_order_id` is unique, so an order gets one code however often
(or however concurrently) it is called.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from storefront.extensions import db

from .models import Audience, CodeKind, Offer, OfferCode, OfferState
from .shopper import new_code


def thank_you_offer(now: dt.datetime) -> Offer | None:
    """The live thank-you offer (highest priority first), if the shop runs one."""
    return db.session.scalar(
        sa.select(Offer).where(Offer.thank_you.is_(True), Offer.audience == Audience.CODE_HOLDERS,
                               Offer.state == OfferState.SCHEDULED, Offer.starts_at <= now, Offer.ends_at > now,
                               sa.or_(Offer.cap_total.is_(None), Offer.redemptions_count < Offer.cap_total))
        .order_by(Offer.priority.desc(), Offer.id).limit(1))


def code_for_order(order_id: int) -> OfferCode | None:
    """The thank-you code issued with this order, if any."""
    return db.session.scalar(sa.select(OfferCode).where(OfferCode.issued_for_order_id == order_id))


def issue_for(order, *, now: dt.datetime) -> OfferCode | None:
    """Issue the order's thank-you code in the caller's transaction (not committed); the same
    code again on a second call; None when no thank-you offer is live."""
    existing = code_for_order(order.id)
    if existing is not None:
        return existing
    offer = thank_you_offer(now)
    if offer is None:
        return None
    for _attempt in range(5):
        savepoint = db.session.begin_nested()
        code = OfferCode(offer_id=offer.id, code=new_code("THANKS"), kind=CodeKind.THANK_YOU, channel="email",
                         utm_source="receipt", max_uses=1, issued_for_order_id=order.id, created_at=now)
        db.session.add(code)
        try:
            savepoint.commit()
            return code
        except sa.exc.IntegrityError:
            savepoint.rollback()
            # Another call issued this order's code meanwhile, or (rarely) the value was taken.
            existing = code_for_order(order.id)
            if existing is not None:
                return existing
    return None
