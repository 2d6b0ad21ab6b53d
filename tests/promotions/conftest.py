"""Helpers for promotion tests: `make_offer(**fields)` inserts an offer with sensible defaults."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest

from promotions.models import Offer, OfferCode
from storefront.orders.models import Order
from storefront.extensions import db

UTC = dt.timezone.utc
_seq = itertools.count(1)


def make_offer(*, products=(), categories=(), now: dt.datetime | None = None, **fields) -> Offer:
    """An offer, committed. Defaults: 10 % off the whole order, for everyone, scheduled and live
    from an hour ago for a week (relative to `now`, default the real clock), no caps.

    Give `state="draft"` for a draft, `starts_at`/`ends_at` (aware) for another window."""
    n = next(_seq)
    now = now or dt.datetime.now(UTC)
    defaults = {
        "name": f"Offer {n}", "slug": f"offer-{n}", "description": "", "benefit": "percent", "percent": 10,
        "target": "order", "audience": "everyone", "audience_pages": [],
        "starts_at": now - dt.timedelta(hours=1), "ends_at": now + dt.timedelta(days=7),
        "timezone": "Europe/Riga", "state": "scheduled", "redemptions_count": 0, "exclusive": False,
        "priority": 0, "thank_you": False,
    }
    defaults.update(fields)
    offer = Offer(**defaults)
    offer.products = list(products)
    offer.categories = list(categories)
    db.session.add(offer)
    db.session.commit()
    return offer


def make_code(offer: Offer, code: str | None = None, **fields) -> OfferCode:
    """A code of `offer`, committed. Default: a single-use store code."""
    defaults = {"code": code or f"STORE-{next(_seq):04d}", "kind": "store", "channel": "store", "max_uses": 1}
    defaults.update(fields)
    row = OfferCode(offer_id=offer.id, **defaults)
    db.session.add(row)
    db.session.commit()
    return row


def make_paid_order(total: int, channel: str = "web", status: str = "paid") -> Order:
    """A paid order of `total` minor units (no lines), flushed, not committed."""
    order = Order(email="buyer@example.com", full_name="A Buyer", address_line1="Street 1", city="Rīga",
                  postal_code="LV-1001", country="LV", shipping_method="standard", payment_method="bank_transfer",
                  currency="EUR", items_subtotal=total, shipping=0, tax=0, tax_included=True, total=total,
                  status=status, channel=channel)
    db.session.add(order)
    db.session.flush()
    return order


@pytest.fixture(name="make_offer")
def make_offer_fixture():
    return make_offer
