"""The demo shop's recent trading: sixty days of visits, funnel steps and orders from every channel,
so that the dashboard's charts and its comparison with the previous period say something on a
first run. Each visit goes as far down the funnel (product view, cart, checkout started) as its
order, if it has one, or as a second random generator takes it, so every channel's funnel narrows.

These are history, not shopping: the rows are written directly and in bulk (a few hundred orders
through the checkout would make `make run` start slowly), already packed, shipped and delivered
where they are old enough, and they take no stock (it went out long ago), except the orders still
awaiting payment: those hold theirs until the manual-payment hold ends, as the checkout would have
(so some holds end within a day, and the dashboard has holds to show). Orders placed while a
demo offer was live (15% for page-tab shoppers, free shipping from €40) carry its discount, named
as the checkout names it (`OrderDiscount`), and a redemption, confirmed, held or released with the
order's payment, and the offer's counter; their tax is the checkout's (`cart.pricing`), so their
breakdowns add up as a real order's do. Everything comes from a random generator with a fixed seed
and times relative to the moment of loading, so every machine gets the same mix. Idempotent: a
second load finds its first visit and adds nothing.
"""
from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from promotions.models import Offer, Redemption, RedemptionStatus

from ..cart.pricing import PricingRules, compute_tax
from ..catalog.models import Product, Variant
from ..database import write_transaction
from ..extensions import db
from ..orders.models import Order, OrderDiscount, OrderEvent, OrderLine, OrderStatus, PaymentMethod
from ..social.models import FunnelCount, FunnelStep, Visit

SEED = "zv-demo-sales"
DAYS = 60
# How far a visit without an order goes: it views a product, then puts one in a cart, then starts
# the checkout, each with this chance given the step before (a visit with an order went all the way).
STEP_CHANCES = ((FunnelStep.PRODUCT_VIEWS, 0.58), (FunnelStep.CARTS, 0.2), (FunnelStep.CHECKOUTS, 0.5))


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
    name: str
    translations: dict
    starts_at: dt.datetime
    ends_at: dt.datetime
    min_subtotal: int

    def live(self, at: dt.datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass
class History:
    """The rows to write."""

    visits: list[dict] = field(default_factory=list)
    steps: Counter = field(default_factory=Counter)  # (local day, channel, source, step) → count
    orders: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    redemptions: list[dict] = field(default_factory=list)
    discounts: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)


BUYERS = (("Anna Bērziņa", "lv", "Rīga", "LV-1010", "LV"), ("Jānis Kalniņš", "lv", "Liepāja", "LV-3401", "LV"),
          ("Lucía Fernández", "es", "Valencia", "46001", "ES"), ("Emily Carter", "en", "Dublin", "D02 X285", "IE"),
          ("Marta Ozola", "lv", "Valmiera", "LV-4201", "LV"), ("Pablo Ruiz", "es", "Madrid", "28013", "ES"))


def _status(age: dt.timedelta, rng: random.Random) -> str:
    """How far an order placed `age` ago has come (a few are never paid, a few are returned)."""
    roll = rng.random()
    if roll < 0.05:
        return OrderStatus.CANCELLED
    if age < dt.timedelta(hours=30):
        return OrderStatus.PENDING_PAYMENT if roll < 0.35 else OrderStatus.PAID
    if age < dt.timedelta(days=3):
        # Transfers take days: some orders of two days ago are still unpaid, their holds ending soon.
        unpaid = 0.35 if age >= dt.timedelta(days=2) else 0.12
        return (OrderStatus.PENDING_PAYMENT if roll < unpaid else OrderStatus.PAID if roll < 0.45
                else OrderStatus.FULFILLED if roll < 0.7 else OrderStatus.SHIPPED)
    if roll < 0.08:
        return OrderStatus.REFUNDED
    return OrderStatus.SHIPPED if age < dt.timedelta(days=7) and roll < 0.5 else OrderStatus.DELIVERED


def _rows(now: dt.datetime, variants: list[tuple], offers: dict[str, LiveOffer]) -> History:
    rng = random.Random(SEED)
    funnel_rng = random.Random(f"{SEED}-funnel")  # apart, so the orders are the same as before
    zone = ZoneInfo(current_app.config["SHOP_TIMEZONE"])
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
                ordered = rng.randrange(100) < channel.orders_per_hundred_visits
                if ordered:
                    _order(rng, at, now, channel, variants, offers, history)
                local_day = at.astimezone(zone).date()
                for step, chance in STEP_CHANCES:
                    if not ordered and funnel_rng.random() >= chance:
                        break
                    history.steps[(local_day, channel.channel, channel.source, step.value)] += 1
    return history


def _order(rng: random.Random, at: dt.datetime, now: dt.datetime, channel: Channel, variants: list[tuple],
           offers: dict[str, LiveOffer], history: History) -> None:
    config = current_app.config
    n = len(history.orders)
    variant_id, product_id, sku, title, price = rng.choice(variants)
    quantity = rng.choice((1, 1, 1, 2))
    subtotal = price * quantity
    used: list[tuple[LiveOffer, int, int]] = []  # (offer, off the items, off the shipping)
    discount = 0
    followers = offers.get(FOLLOWERS_OFFER)
    if channel.channel in TAB_CHANNELS and followers and followers.live(at):
        discount = (subtotal * 15 + 50) // 100  # 15 %, rounded half up
        used.append((followers, discount, 0))
    threshold = config["FREE_SHIPPING_THRESHOLD"]
    shipping = 0 if threshold is not None and subtotal - discount >= threshold else config["SHIPPING_FLAT_RATE"]
    shipping_discount = 0
    free = offers.get(FREE_SHIPPING_OFFER)
    # An offer's minimum is judged on the items at list prices, as the promotion engine does.
    if shipping and free and free.live(at) and subtotal >= free.min_subtotal:
        shipping_discount, shipping = shipping, 0
        used.append((free, 0, shipping_discount))
    status = _status(now - at, rng)
    # Tax as the checkout computes it (`cart.pricing`), so the demo's orders add up the same way.
    rules = PricingRules.from_config(config)
    tax = compute_tax(subtotal - discount + shipping, rules)
    total = subtotal - discount + shipping + (0 if rules.prices_include_tax else tax)
    name, locale, city, postal_code, country = rng.choice(BUYERS)
    paid = status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED)
    paid_at = min(at + dt.timedelta(hours=3), now) if paid else None
    shipped = status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.REFUNDED)
    number = f"{config['ORDER_NUMBER_PREFIX']}D{n + 1:05d}"
    history.lines.append({"number": number, "variant_id": variant_id, "product_id": product_id, "sku": sku,
                          "title": title, "unit_price": price, "quantity": quantity, "discount": discount,
                          "total": subtotal - discount})
    payment = rng.choice((PaymentMethod.BANK_TRANSFER, PaymentMethod.CASH_ON_DELIVERY))
    history.orders.append({
        "number": number, "status": status, "email": f"buyer{n % 97}@example.com", "locale": locale,
        "full_name": name, "address_line1": "Brīvības iela 1", "city": city, "postal_code": postal_code,
        "country": country, "shipping_method": "standard",
        "payment_method": payment,
        # A transfer names the order, as the checkout asks the shopper to (`checkout.service`).
        "payment_reference": number if payment == PaymentMethod.BANK_TRANSFER else "",
        "currency": config["SHOP_CURRENCY"], "items_subtotal": subtotal, "discount": discount, "shipping": shipping,
        "shipping_discount": shipping_discount, "tax": tax, "tax_included": rules.prices_include_tax,
        "total": total,
        "amount_refunded": total if status == OrderStatus.REFUNDED else 0, "channel": channel.channel,
        "utm_source": channel.source, "utm_campaign": channel.campaign, "created_at": at, "paid_at": paid_at,
        "reserved_until": (at + dt.timedelta(hours=config["MANUAL_PAYMENT_HOLD_HOURS"])
                           if status == OrderStatus.PENDING_PAYMENT else None),
        "stock_held": False,  # set by `_hold_stock` where the variant has the units
        "carrier": "Omniva" if shipped else "",
        "tracking_number": f"CC{n + 1:09d}LV" if shipped else "", "tracking_token": f"demo-{SEED}-{n:08d}"})
    # A refund's entry says what came back, as `payments.refunds` writes it (the demo refunds in full).
    refund = {"amount": total, "refunded_total": total}
    history.events.extend({"number": number, "kind": kind, "created_at": when, "public": True,
                           "details": refund if kind == OrderStatus.REFUNDED else {}}
                          for kind, when in _timeline(status, at, paid_at, now))
    # A redemption is confirmed when its order is paid, held while it waits, released if it never was.
    state = (RedemptionStatus.CONFIRMED if paid else RedemptionStatus.RELEASED if status == OrderStatus.CANCELLED
             else RedemptionStatus.HELD)
    for offer, items_off, shipping_off in used:
        named = OrderDiscount.named_as(offer)
        history.discounts.append({"number": number, "name": named.name, "translations": named.translations,
                                  "items_discount": items_off, "shipping_discount": shipping_off})
        history.redemptions.append({
            "number": number, "offer_id": offer.id, "status": state, "discount": items_off + shipping_off,
            "channel": channel.channel, "utm_source": channel.source, "customer_keys": [], "created_at": at,
            "confirmed_at": paid_at,
            "released_at": at + dt.timedelta(hours=72) if state == RedemptionStatus.RELEASED else None})


# How long after it was placed each step of an order's life came (never later than the load).
STEPS = {OrderStatus.FULFILLED: dt.timedelta(days=1), OrderStatus.SHIPPED: dt.timedelta(days=1, hours=2),
         OrderStatus.DELIVERED: dt.timedelta(days=3), OrderStatus.REFUNDED: dt.timedelta(days=5),
         OrderStatus.CANCELLED: dt.timedelta(hours=72)}
LIFE = (OrderStatus.FULFILLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


def _timeline(status: str, at: dt.datetime, paid_at: dt.datetime | None,
              now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """The events the tracking page and the back office show for an order that reached `status`."""
    events = [("placed", at)] + ([(OrderStatus.PAID, paid_at)] if paid_at else [])
    reached = LIFE if status == OrderStatus.REFUNDED else LIFE[:LIFE.index(status) + 1] if status in LIFE else ()
    if status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED):
        reached += (status,)
    return events + [(step.value, min(at + STEPS[step], now)) for step in reached]


def _demo_offers() -> dict[str, LiveOffer]:
    return {slug: LiveOffer(offer_id, name, translations or {}, starts_at, ends_at, min_subtotal or 0)
            for slug, offer_id, name, translations, starts_at, ends_at, min_subtotal in db.session.execute(
                sa.select(Offer.slug, Offer.id, Offer.name, Offer.translations, Offer.starts_at, Offer.ends_at,
                          Offer.min_subtotal)
                .where(Offer.slug.in_([FOLLOWERS_OFFER, FREE_SHIPPING_OFFER])))}


def _hold_stock(history: History, now: dt.datetime) -> None:
    """Unpaid orders whose hold has not ended take their units from stock, where there are enough
    (a conditional UPDATE per line: the CHECK on stock is never tested)."""
    for order, line in zip(history.orders, history.lines):
        if order["status"] != OrderStatus.PENDING_PAYMENT or order["reserved_until"] <= now:
            continue
        taken = db.session.execute(
            sa.update(Variant).where(Variant.id == line["variant_id"], Variant.stock >= line["quantity"])
            .values(stock=Variant.stock - line["quantity"])).rowcount
        order["stock_held"] = bool(taken)


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
        _hold_stock(history, now)
        db.session.execute(sa.insert(Visit), history.visits)
        db.session.execute(sa.insert(FunnelCount), [
            {"day": day, "channel": channel, "utm_source": source, "step": step, "count": count}
            for (day, channel, source, step), count in sorted(history.steps.items())])
        db.session.execute(sa.insert(Order), history.orders)
        ids = dict(db.session.execute(sa.select(Order.number, Order.id).where(
            Order.number.in_([order["number"] for order in history.orders]))).all())

        def with_order(row: dict) -> dict:
            return {**{k: v for k, v in row.items() if k != "number"}, "order_id": ids[row["number"]]}

        db.session.execute(sa.insert(OrderLine), [{**with_order(line), "variant_label": ""} for line in history.lines])
        db.session.execute(sa.insert(OrderEvent), [with_order(event) for event in history.events])
        if history.redemptions:
            db.session.execute(sa.insert(Redemption), [with_order(row) for row in history.redemptions])
            db.session.execute(sa.insert(OrderDiscount), [with_order(row) for row in history.discounts])
        # The offers' counters hold their held and confirmed redemptions (promotions.models).
        for offer_id in {row["offer_id"] for row in history.redemptions}:
            counted = sum(1 for row in history.redemptions if row["offer_id"] == offer_id
                          and row["status"] != RedemptionStatus.RELEASED)
            db.session.execute(sa.update(Offer).where(Offer.id == offer_id)
                               .values(redemptions_count=Offer.redemptions_count + counted))
    return len(history.orders)
