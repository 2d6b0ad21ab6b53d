"""Free shipping, said once: from which items total delivery ships free.

Two readers, one rule (the shop's threshold, `FREE_SHIPPING_THRESHOLD`, and the live free-shipping
offers; the lowest true one wins), for the delivery a cart is priced with before the shopper
chooses (`storefront.delivery.default_option`):

- pages kept in the page cache for every anonymous visitor (the top bar, the footer, the product
  page) ask `public_free_shipping_from()`, which counts only offers true for everyone: for every
  audience, on the whole order, with room left and no per-customer cap;
- a cart (its page, the checkout, the API) reads `Totals.free_shipping_remaining` and
  `Totals.free_shipping_from`, which `cart.pricing` takes from the same threshold and the offers
  this shopper qualifies for (a tab visitor's offer included).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import current_app, g, has_app_context
from sqlalchemy.exc import SQLAlchemyError

from storefront.delivery import default_option
from storefront.database import utcnow
from storefront.errors import rendering_without_database
from storefront.extensions import db

from .engine import OfferRule, covers
from .liveness import OfferStatus, status_at
from .models import Audience, Target
from .service import kept_live_rules, live_rules

STANDARD = "standard"


def promised_to_everyone(offer: OfferRule, now: dt.datetime, method: str = STANDARD) -> bool:
    """A free-shipping offer for `method` that any shopper gets at `now` once their items reach its
    minimum subtotal."""
    return (covers(offer, method) and offer.audience == Audience.EVERYONE and offer.target == Target.ORDER
            and not offer.min_quantity and not offer.sold_out and not offer.capped_per_customer
            and status_at(offer.state, offer.starts_at, offer.ends_at, now) == OfferStatus.LIVE)


def lowest_free_shipping(shop_threshold: int | None, offers: Iterable[OfferRule], now: dt.datetime,
                         method: str = STANDARD) -> int | None:
    """The lowest items total from which `method` ships free for everyone (0: every order); None
    when nothing makes it free."""
    thresholds = [offer.min_subtotal or 0 for offer in offers if promised_to_everyone(offer, now, method)]
    if shop_threshold is not None:
        thresholds.append(shop_threshold)
    return min(thresholds, default=None)


def public_free_shipping_from() -> int | None:
    """`lowest_free_shipping` now for the delivery a cart is estimated with (the first the shop
    offers: standard, unless the shop stopped offering it), found once per request (the top bar and
    the footer both say it). A database that fails while a page is rendered leaves the shop's own
    threshold, which is always true; a 503 page, rendered without the database, says what the
    pages said, or nothing (below)."""
    if has_app_context() and "public_free_shipping_from" in g:
        return g.public_free_shipping_from
    delivery = default_option(current_app.config).rate
    threshold = delivery.free_from
    now = utcnow()
    if rendering_without_database():
        # A 503 page reads nothing: it says what the pages said, from the offers this process
        # keeps for them, or nothing when it keeps none (the shop's threshold alone might be
        # higher than an offer the shopper was just shown).
        kept_rules = kept_live_rules(now)
        return None if kept_rules is None else lowest_free_shipping(threshold, kept_rules, now, delivery.method)
    try:
        lowest = lowest_free_shipping(threshold, live_rules(now), now, delivery.method)
    except SQLAlchemyError:
        db.session.rollback()
        return threshold
    if has_app_context():
        g.public_free_shipping_from = lowest
    return lowest
