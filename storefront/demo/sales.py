"""The demo shop's recent trading: sixty days of visits and orders from every channel, so that the
dashboard's charts and its comparison with the previous period say something on a first run.

These are history, not shopping: the rows are written directly and in bulk (a few hundred orders
through the checkout would make `make run` start slowly), already packed, shipped and delivered
where they are old enough, and they take no stock (it went out long ago). Orders placed while a
demo offer was live (15% for page-tab shoppers, free shipping from €40) carry its discount and a
redemption, confirmed, held or released with the order's payment, and the offer's counter. Everything comes from a
random generator with a fixed seed and times relative to the moment of loading, so every machine
gets the same mix. Idempotent: a second load finds its first visit and adds nothing.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from promotions.models import Offer, Redemption, RedemptionStatus

from ..catalog.models import Product, Variant
from ..database import write_transaction
from ..extensions import db
from ..orders.models import Order, OrderLine, OrderStatus, PaymentMethod
from ..social.models import Visit

SEED = "zv-demo-sales"
DAYS = 60


@dataclass(frozen=True)
class Channel:
    channel: str
    source: str
    campaign: str
    visits_per_day: int
    orders_per_hundred_visits: int


# The brand's channels, busiest first: its Facebook page's tab, its Telegram channel, Instagram
# posts (Meta's tab too), VK, a newsletter and people who type the address.
CHANNELS = (
    Channel("meta", "facebook", "autumn-knits", 46, 4),
    Channel("telegram", "telegram", "zv-channel", 30, 6),
    Channel("meta", "instagram", "stories", 28, 3),
    Channel("vk", "vk", "community", 16, 3),
    Channel("web", "newsletter", "november", 10, 8),
    Channel("web", "", "", 22, 2),
)
# The demo offers these orders used (storefront.demo.offers): 15% for shoppers from a page tab,
# free shipping from €40; an order placed while one was live got it, as the checkout would have.
TAB_CHANNELS = frozenset({"meta", "telegram", "vk"})
FOLLOWERS_OFFER, FREE_SHIPPING_OFFER = "followers-week", "free-shipping-40"


@dataclass(frozen=True)
class LiveOffer:
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    min_subtotal: int

    def live(self, at: dt.datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass
class History:
    """The rows to write."""

    visits: list[dict] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    redemptions: list[dict] = field(default_factory=list)


BUYERS = (("Anna Bērziņa", "lv", "Rīga", "LV-1010", "LV"), ("Jānis Kalniņš", "lv", "Liepāja", "LV-3401", "LV"),
          ("Lucía Fernández", "es", "Valencia", "46001", "ES"), ("Emily Carter", "en", "Dublin", "D02", "IE"),
          ("Marta Ozola", "lv", "Valmiera", "LV-4201", "LV"), ("Pablo Ruiz", "es", "Madrid", "28013", "ES"))


def _status(age: dt.timedelta, rng: random.Random) -> str:
    """How far an order placed `age` ago has come (a few are never paid, a few are returned)."""
    roll = rng.random()
    if roll < 0.05:
        return OrderStatus.CANCELLED
    if age < dt.timedelta(hours=30):
        return OrderStatus.PENDING_PAYMENT if roll < 0.35 else OrderStatus.PAID
    if age < dt.timedelta(days=3):
        return (OrderStatus.PENDING_PAYMENT if roll < 0.12 else OrderStatus.PAID if roll < 0.4
                else OrderStatus.FULFILLED if roll < 0.7 else OrderStatus.SHIPPED)
    if roll < 0.08:
        return OrderStatus.REFUNDED
    return OrderStatus.SHIPPED if age < dt.timedelta(days=7) and roll < 0.5 else OrderStatus.DELIVERED


def _rows(now: dt.datetime, variants: list[tuple], offers: dict[str, LiveOffer]) -> History:
    rng = random.Random(SEED)
    history = History()
    for day in range(DAYS, -1, -1):
        # A little growth towards today, and busier weekends.
        weight = 0.75 + 0.5 * (DAYS - day) / DAYS
        weekend = (now - dt.timedelta(days=day)).weekday() >= 5
        for channel in CHANNELS:
            count = round(channel.visits_per_day * weight * (1.25 if weekend else 1) * rng.uniform(0.7, 1.3))
            for _ in range(count):
                at = now - dt.timedelta(days=day, seconds=rng.randrange(86400))
                if at > now:
                    continue
                history.visits.append({"visit_key": f"demo-sales-{len(history.visits):021d}", "created_at": at,
                                       "channel": channel.channel, "utm_source": channel.source,
                                       "utm_campaign": channel.campaign, "landing_path": "/", "referrer_host": ""})
                if rng.randrange(100) < channel.orders_per_hundred_visits:
                    _order(rng, at, now, channel, variants, offers, history)
    return history


def _order(rng: random.Random, at: dt.datetime, now: dt.datetime, channel: Channel, variants: list[tuple],
           offers: dict[str, LiveOffer], history: History) -> None:
    config = current_app.config
    n = len(history.orders)
    variant_id, product_id, sku, title, price = rng.choice(variants)
    quantity = rng.choice((1, 1, 1, 2))
    subtotal = price * quantity
    used: list[tuple[int, int]] = []  # (offer id, discount)
    discount = 0
    followers = offers.get(FOLLOWERS_OFFER)
    if channel.channel in TAB_CHANNELS and followers and followers.live(at):
        discount = (subtotal * 15 + 50) // 100  # 15 %, rounded half up
        used.append((followers.id, discount))
    threshold = config["FREE_SHIPPING_THRESHOLD"]
    shipping = 0 if threshold is not None and subtotal - discount >= threshold else config["SHIPPING_FLAT_RATE"]
    shipping_discount = 0
    free = offers.get(FREE_SHIPPING_OFFER)
    if shipping and free and free.live(at) and subtotal - discount >= free.min_subtotal:
        shipping_discount, shipping = shipping, 0
        used.append((free.id, shipping_discount))
    status = _status(now - at, rng)
    total = subtotal - discount + shipping
    name, locale, city, postal_code, country = rng.choice(BUYERS)
    paid = status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED)
    paid_at = at + dt.timedelta(hours=3) if paid else None
    shipped = status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.REFUNDED)
    number = f"{config['ORDER_NUMBER_PREFIX']}D{n + 1:05d}"
    history.lines.append({"number": number, "variant_id": variant_id, "product_id": product_id, "sku": sku,
                          "title": title, "unit_price": price, "quantity": quantity, "discount": discount,
                          "total": subtotal - discount})
    history.orders.append({
        "number": number, "status": status, "email": f"buyer{n % 97}@example.com", "locale": locale,
        "full_name": name, "address_line1": "Brīvības iela 1", "city": city, "postal_code": postal_code,
        "country": country, "shipping_method": "standard",
        "payment_method": rng.choice((PaymentMethod.BANK_TRANSFER, PaymentMethod.CASH_ON_DELIVERY)),
        "currency": config["SHOP_CURRENCY"], "items_subtotal": subtotal, "discount": discount, "shipping": shipping,
        "shipping_discount": shipping_discount, "tax": _included_tax(total, config["TAX_RATE_BPS"]),
        "tax_included": True, "total": total,
        "amount_refunded": total if status == OrderStatus.REFUNDED else 0, "channel": channel.channel,
        "utm_source": channel.source, "utm_campaign": channel.campaign, "created_at": at, "paid_at": paid_at,
        "reserved_until": at + dt.timedelta(hours=72) if status == OrderStatus.PENDING_PAYMENT else None,
        "stock_held": False, "carrier": "Omniva" if shipped else "",
        "tracking_number": f"CC{n + 1:09d}LV" if shipped else "", "tracking_token": f"demo-{SEED}-{n:08d}"})
    # A redemption is confirmed when its order is paid, held while it waits, released if it never was.
    state = (RedemptionStatus.CONFIRMED if paid else RedemptionStatus.RELEASED if status == OrderStatus.CANCELLED
             else RedemptionStatus.HELD)
    for offer_id, given in used:
        history.redemptions.append({
            "number": number, "offer_id": offer_id, "status": state, "discount": given, "channel": channel.channel,
            "utm_source": channel.source, "customer_keys": [], "created_at": at, "confirmed_at": paid_at,
            "released_at": at + dt.timedelta(hours=72) if state == RedemptionStatus.RELEASED else None})


def _included_tax(total: int, rate_bps: int) -> int:
    """The VAT inside a tax-inclusive total, rounded half up (the demo's prices include it)."""
    return (total * rate_bps + (10_000 + rate_bps) // 2) // (10_000 + rate_bps)


def _demo_offers() -> dict[str, LiveOffer]:
    return {slug: LiveOffer(offer_id, starts_at, ends_at, min_subtotal or 0)
            for slug, offer_id, starts_at, ends_at, min_subtotal in db.session.execute(
                sa.select(Offer.slug, Offer.id, Offer.starts_at, Offer.ends_at, Offer.min_subtotal)
                .where(Offer.slug.in_([FOLLOWERS_OFFER, FREE_SHIPPING_OFFER])))}


def load_sales(now: dt.datetime) -> int:
    """Add the demo's visits and orders of the last DAYS days unless they are there; returns how
    many orders were added."""
    with write_transaction():
        if db.session.scalar(sa.select(Visit.id).where(Visit.visit_key == f"demo-sales-{0:021d}")) is not None:
            return 0
        variants = [tuple(row) for row in db.session.execute(
            sa.select(Variant.id, Variant.product_id, Variant.sku, Product.title, Variant.price)
            .join(Product, Product.id == Variant.product_id).where(Product.active.is_(True))
            .order_by(Variant.sku))]
        if not variants:
            return 0
        history = _rows(now, variants, _demo_offers())
        db.session.execute(sa.insert(Visit), history.visits)
        db.session.execute(sa.insert(Order), history.orders)
        ids = dict(db.session.execute(sa.select(Order.number, Order.id).where(
            Order.number.in_([order["number"] for order in history.orders]))).all())

        def with_order(row: dict) -> dict:
            return {**{k: v for k, v in row.items() if k != "number"}, "order_id": ids[row["number"]]}

        db.session.execute(sa.insert(OrderLine), [{**with_order(line), "variant_label": ""} for line in history.lines])
        if history.redemptions:
            db.session.execute(sa.insert(Redemption), [with_order(row) for row in history.redemptions])
        # The offers' counters hold their held and confirmed redemptions (promotions.models).
        for offer_id in {row["offer_id"] for row in history.redemptions}:
            counted = sum(1 for row in history.redemptions if row["offer_id"] == offer_id
                          and row["status"] != RedemptionStatus.RELEASED)
            db.session.execute(sa.update(Offer).where(Offer.id == offer_id)
                               .values(redemptions_count=Offer.redemptions_count + counted))
    return len(history.orders)
