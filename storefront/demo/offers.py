"""The demo brand's offers: one for each audience the platforms allow, live when the demo loads.

Idempotent like the rest of the demo: an offer whose slug exists is left as it is.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from promotions.models import (Audience, Benefit, CodeKind, Offer, OfferCode, OfferState, Target,
                               offer_categories)

from ..catalog.models import Category
from ..database import write_transaction
from ..extensions import db
from .translated import offer_translations


@dataclass(frozen=True)
class DemoOffer:
    slug: str
    name: str
    description: str
    benefit: str
    audience: str
    days: int
    starts_in_days: int = 0  # negative: started that many days before the demo was loaded
    percent: int | None = None
    amount: int | None = None
    buy_qty: int | None = None
    get_qty: int | None = None
    target: str = Target.ORDER
    category: str | None = None
    min_subtotal: int | None = None
    cap_total: int | None = None
    cap_per_customer: int | None = None
    exclusive: bool = False
    priority: int = 0
    thank_you: bool = False
    code: tuple[str, str] | None = None  # (code, channel)


OFFERS = (
    DemoOffer("followers-week", "Followers' week: 15% off", "For everyone who shops from our page tab: 15% off "
              "the whole order this week.", Benefit.PERCENT, Audience.TAB_VISITORS, days=7, starts_in_days=-3,
              percent=15, cap_total=500, priority=10),
    DemoOffer("telegram-ten", "€10 off from €60 for our Telegram channel", "Our Telegram followers' code: €10 off "
              "an order of €60 or more.", Benefit.FIXED, Audience.CODE_HOLDERS, days=14, amount=1000,
              min_subtotal=6000, cap_total=300, cap_per_customer=1, priority=5, code=("ZV-TELEGRAM", "telegram")),
    DemoOffer("free-shipping-40", "Free shipping from €40", "Free standard delivery on orders of €40 or more.",
              Benefit.FREE_SHIPPING, Audience.EVERYONE, days=30, starts_in_days=-12, min_subtotal=4000),
    DemoOffer("hats-3-for-2", "Hats: buy 2, get the third free", "Pick three hats; the cheapest is on us.",
              Benefit.BUY_X_GET_Y, Audience.EVERYONE, days=30, buy_qty=2, get_qty=1, target=Target.CATEGORIES,
              category="hats"),
    DemoOffer("thank-you-10", "Thank you: 10% off your next order", "Sent with every receipt: 10% off your next "
              "order.", Benefit.PERCENT, Audience.CODE_HOLDERS, days=90, percent=10, cap_per_customer=1,
              thank_you=True),
    DemoOffer("winter-solstice", "Winter solstice: 20% off knits", "The longest night, the warmest knits.",
              Benefit.PERCENT, Audience.EVERYONE, days=2, starts_in_days=28, percent=20,
              target=Target.CATEGORIES, category="sweaters", exclusive=True),
)


def load_offers(now: dt.datetime) -> int:
    """Add the demo offers that are missing; returns how many were added."""
    with write_transaction():
        loaded = db.session.scalars(sa.select(Offer).where(Offer.slug.in_([o.slug for o in OFFERS]))).all()
        for offer in loaded:
            if not offer.translations:  # loaded before the demo was translated: nobody wrote these
                offer.translations = offer_translations(offer.slug)
        existing = {offer.slug for offer in loaded}
        categories = dict(db.session.execute(sa.select(Category.slug, Category.id)).all())
        zone = current_app.config["SHOP_TIMEZONE"]
        start_of_hour = now.replace(minute=0, second=0, microsecond=0)
        added = 0
        for spec in OFFERS:
            if spec.slug in existing or (spec.category and spec.category not in categories):
                continue
            starts = start_of_hour + dt.timedelta(days=spec.starts_in_days)
            offer = Offer(
                slug=spec.slug, name=spec.name, description=spec.description,
                translations=offer_translations(spec.slug), benefit=spec.benefit,
                percent=spec.percent, amount=spec.amount, buy_qty=spec.buy_qty, get_qty=spec.get_qty,
                target=spec.target, min_subtotal=spec.min_subtotal, audience=spec.audience, audience_pages=[],
                starts_at=starts, ends_at=starts + dt.timedelta(days=spec.days), timezone=zone,
                cap_total=spec.cap_total, cap_per_customer=spec.cap_per_customer, exclusive=spec.exclusive,
                priority=spec.priority, thank_you=spec.thank_you, state=OfferState.SCHEDULED, created_at=now)
            db.session.add(offer)
            db.session.flush()
            if spec.category:
                db.session.execute(sa.insert(offer_categories).values(offer_id=offer.id,
                                                                      category_id=categories[spec.category]))
            if spec.code:
                value, channel = spec.code
                db.session.add(OfferCode(offer_id=offer.id, code=value, kind=CodeKind.SHARED, channel=channel,
                                         utm_source=channel, utm_campaign=spec.slug, created_at=now))
            added += 1
    return added
