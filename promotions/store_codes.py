"""The shopper's single-use code for the physical store: shown on the offer page as a QR code,
scanned by the store staff (`redemptions.redeem_in_store`).

One code per visit and offer: the session remembers it, so a reload shows the same code.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import session
from flask_babel import lazy_gettext as _l

from storefront.database import write_transaction
from storefront.errors import ConflictError
from storefront.extensions import db

from . import codes
from .banners import page_verdict
from .engine import Reason
from .messages import verdict_text
from .models import CodeKind, Offer, OfferCode
from .service import PricingContext

SESSION_KEY = "store_codes"


class StoreCodeRefused(ConflictError):
    code = "store_code_refused"


def session_store_code(offer: Offer) -> OfferCode | None:
    """The store code this visit already has for `offer`, if any."""
    known = (session.get(SESSION_KEY) or {}).get(str(offer.id))
    if not known:
        return None
    return db.session.scalar(sa.select(OfferCode).where(OfferCode.code == known, OfferCode.offer_id == offer.id))


def store_code_for(offer: Offer, context: PricingContext) -> OfferCode:
    """This visit's single-use in-store code for `offer`, created on the first request (then the
    same one, once per session per offer), committed.

    :raise StoreCodeRefused: the offer is not running, or this shopper is not in its audience.
    """
    existing = session_store_code(offer)
    if existing is not None:
        return existing
    verdict = page_verdict(offer, context)
    if verdict is not None and verdict.reason != Reason.FIRST_ORDER_UNKNOWN:
        raise StoreCodeRefused(verdict_text(verdict, offer) or _l("This offer cannot be used in the shop now."))
    with write_transaction():
        code = codes.add_code(lambda: dict(
            offer_id=offer.id, code=codes.new_code("SHOP"), kind=CodeKind.STORE, channel="store", max_uses=1,
            utm_source=context.utm_source[:80]))
    session[SESSION_KEY] = {**(session.get(SESSION_KEY) or {}), str(offer.id): code.code}
    return code
