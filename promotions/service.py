"""Offers for the pricing path: the live offers, the shopper as the shop has verified them, and codes.

`pricing_context()` gathers, for one request, what `cart.pricing.price_cart` hands the engine:
the live offers (two queries, whatever the number of offers), the verified shopper (from the
session: a launch checked by its platform's adapter, and a code checked here) and the clock.
Nothing a client sends about itself (an "is_follower" flag, a price, a discount) is read.

A code a shopper tries (`enter_code`, or `pricing_context(code=...)` for the API) and the shop
refuses is announced on `code_refused`, with the refusal; the wrong-code limit
(`promotions.limits`) listens to it. The refusal itself never touches the request.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

import sqlalchemy as sa
from blinker import Namespace
from flask import g, has_request_context, session
from flask_babel import lazy_gettext as _l

from storefront.catalog.models import Category, Product, Variant
from storefront.catalog.translations import content_language
from storefront.database import UTCDateTime, utcnow
from storefront.errors import ShopError
from storefront.extensions import db
from storefront.orders.models import Order
from storefront.page_cache import kept_value, remembered, remembering

from .codes import find_code, normalise_code
from .engine import EngineLine, OfferRule, Shopper
from .liveness import OfferStatus
from .models import (Audience, CustomerUse, Offer, OfferCode, OfferState, Redemption, offer_categories,
                     offer_products)
from .notices import note_dropped_code

CODE_SESSION_KEY = "offer_code"
# Orders in these states count as "an earlier order" for first-order offers.
ORDERED_STATES = ("paid", "fulfilled", "shipped", "delivered", "refunded")

_signals = Namespace()

#: A code a shopper tried was refused. The sender is the `CodeRefused` (its `reason` says why).
#: Receivers: the wrong-code limit (`promotions.limits`), which counts unknown codes.
code_refused = _signals.signal("code-refused")


class CodeRefused(ShopError):
    """A code the shopper cannot use, with the reason in words (`reason` names it for the API)."""

    code = "code_refused"
    status = 422

    def __init__(self, message, *, reason: str):
        super().__init__(message, field="code", reason=reason)
        self.reason = reason


@dataclass(frozen=True)
class PricingContext:
    offers: tuple[OfferRule, ...]
    shopper: Shopper
    now: dt.datetime
    # Where the shopper came from, and the code they entered (accepted), for the redemption.
    channel: str = "web"
    utm_source: str = ""
    code: OfferCode | None = field(default=None, compare=False)
    customer_keys: tuple[str, ...] = ()

    def for_email(self, email: str) -> PricingContext:
        """The same context once the shopper's e-mail is known (first order, per-customer caps)."""
        return build_context(offers=self.offers, launch=self.shopper.launch, member=self.shopper.member,
                             code=self.code, email=email, now=self.now, channel=self.channel,
                             utm_source=self.utm_source, platform_user=_platform_user(self.customer_keys))


# --- live offers ----------------------------------------------------------------------------

def rule_for(offer: Offer, *, product_ids: Iterable[int] | None = None, category_ids: Iterable[int] | None = None,
             preview: bool = False) -> OfferRule:
    """The engine's snapshot of an offer. `preview` treats a draft as scheduled (the marketer's
    preview); pass product and category ids when they are already loaded."""
    if product_ids is None:
        product_ids = [p.id for p in offer.products]
    if category_ids is None:
        category_ids = [c.id for c in offer.categories]
    pages = frozenset(tuple(p.split(":", 1)) for p in (offer.audience_pages or []) if ":" in p)
    state = OfferState.SCHEDULED if preview and offer.state == OfferState.DRAFT else offer.state
    return OfferRule(
        id=offer.id, name=offer.localized("name"), benefit=offer.benefit, starts_at=offer.starts_at, ends_at=offer.ends_at,
        percent=offer.percent, amount=offer.amount, buy_qty=offer.buy_qty, get_qty=offer.get_qty,
        target=offer.target, product_ids=frozenset(product_ids), category_ids=frozenset(category_ids),
        min_subtotal=offer.min_subtotal, min_quantity=offer.min_quantity, audience=offer.audience,
        audience_pages=pages, exclusive=offer.exclusive, priority=offer.priority, state=state,
        sold_out=not offer.has_room, shipping_methods=frozenset(offer.shipping_methods or ("standard",)),
        cap_per_customer=customer_cap(offer.cap_per_customer, offer.audience),
    )


# Every page with banners runs these: built once and run with parameters, since building them
# took more CPU than running them.
@cache
def _live_offers_statement():
    return (sa.select(Offer).where(Offer.is_live(sa.bindparam("now", type_=UTCDateTime)))
            .order_by(Offer.priority.desc(), Offer.id))


@cache
def _targets_statements():
    ids = sa.bindparam("ids", expanding=True)
    return (sa.select(offer_products.c.offer_id, offer_products.c.product_id).where(offer_products.c.offer_id.in_(ids)),
            sa.select(offer_categories.c.offer_id, offer_categories.c.category_id)
            .where(offer_categories.c.offer_id.in_(ids)))


def live_offers(now: dt.datetime) -> list[Offer]:
    """Offers live at `now`, highest priority first (one query)."""
    return list(db.session.scalars(_live_offers_statement(), {"now": now}))


def next_offer_change(now: dt.datetime) -> dt.datetime | None:
    """The next moment an offer starts or ends (pages change then without any write)."""
    moment = sa.case((Offer.starts_at > now, Offer.starts_at), else_=Offer.ends_at)
    return db.session.scalar(sa.select(sa.func.min(moment))
                             .where(Offer.state == OfferState.SCHEDULED, Offer.ends_at > now))


def rules_for(offers: Sequence[Offer], *, preview: bool = False) -> tuple[OfferRule, ...]:
    """Snapshots of several offers, with their targets loaded in two queries."""
    ids = [o.id for o in offers]
    products: dict[int, set[int]] = {i: set() for i in ids}
    categories: dict[int, set[int]] = {i: set() for i in ids}
    if ids:
        by_product, by_category = _targets_statements()
        for offer_id, product_id in db.session.execute(by_product, {"ids": ids}):
            products[offer_id].add(product_id)
        for offer_id, category_id in db.session.execute(by_category, {"ids": ids}):
            categories[offer_id].add(category_id)
    return tuple(rule_for(o, product_ids=products[o.id], category_ids=categories[o.id], preview=preview)
                 for o in offers)


def live_rules(now: dt.datetime, *, fresh: bool = False) -> tuple[OfferRule, ...]:
    """The live offers as rules, once per request (unless `fresh`: re-read after a lock)."""
    if not fresh and has_request_context() and "live_offer_rules" in g:
        cached_now, rules = g.live_offer_rules
        # One read per request: a page prices with the offers live when it started (a second
        # later is the same page); a different moment (the marketer's preview) reads again.
        if abs((cached_now - now).total_seconds()) < 5:
            return rules
    if fresh or not remembering():
        rules = _read_live_rules(now)
    else:
        # Kept by each process until an offer is written (on any node) or one starts or ends:
        # a page a sale made stale is rendered again without reading the offers again.
        forever = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
        rules = remembered(
            "offers", content_language(), lambda: (now, offers_horizon(now) or forever, _read_live_rules(now)),
            still_good=lambda kept: kept[0] <= now < kept[1])[2]
    if has_request_context():
        g.live_offer_rules = (now, rules)
    return rules


def kept_live_rules(now: dt.datetime) -> tuple[OfferRule, ...] | None:
    """The live offers as this process keeps them for the pages (`live_rules`), still good at
    `now`, without reading them: None when it keeps none. For a page rendered without the database."""
    found = kept_value("offers", content_language(), still_good=lambda kept: kept[0] <= now < kept[1])
    return found[2] if found is not None else None


def _read_live_rules(now: dt.datetime) -> tuple[OfferRule, ...]:
    """The offers live at `now` as rules (their names in the request's language)."""
    offers = live_offers(now)
    if has_request_context():
        # Kept for the request's banners (`banners.visible_offers`), which show these rows.
        g.live_offer_rows = {offer.id: offer for offer in offers}
    return rules_for(offers)


def offers_horizon(now: dt.datetime) -> dt.datetime | None:
    """`next_offer_change(now)`, kept by each process as the live rules are (a stored page lasts no
    longer than this: every page asks)."""
    return remembered("offers", "horizon", lambda: (now, next_offer_change(now)),
                                 still_good=lambda kept: kept[0] <= now and (kept[1] is None or now < kept[1]))[1]


# --- the cart as the engine sees it ---------------------------------------------------------

def category_ancestry() -> dict[int, frozenset[int]]:
    """Each category with all its ancestors (one query for the whole, small, category tree), kept
    by each process as the tree is (`catalog.browse.all_categories`)."""
    if has_request_context() and "category_ancestry" in g:
        return g.category_ancestry
    ancestry = remembered("categories", "ancestry", _read_category_ancestry)
    if has_request_context():
        g.category_ancestry = ancestry
    return ancestry


def _read_category_ancestry() -> dict[int, frozenset[int]]:
    parents = dict(db.session.execute(sa.select(Category.id, Category.parent_id)).all())
    ancestry: dict[int, frozenset[int]] = {}
    for category_id in parents:
        chain, seen = [], set()
        current = category_id
        while current is not None and current not in seen:
            seen.add(current)
            chain.append(current)
            current = parents.get(current)
        ancestry[category_id] = frozenset(chain)
    return ancestry


def engine_line(variant: Variant, quantity: int, ancestry: dict[int, frozenset[int]] | None = None) -> EngineLine:
    ancestry = ancestry if ancestry is not None else category_ancestry()
    product: Product = variant.product
    categories = ancestry.get(product.category_id, frozenset()) if product.category_id else frozenset()
    return EngineLine(variant.id, product.id, categories, quantity, variant.price)


def engine_lines_for(variant_quantities: Sequence[tuple[Variant, int]]) -> list[EngineLine]:
    ancestry = category_ancestry()
    return [engine_line(variant, quantity, ancestry) for variant, quantity in variant_quantities]


# --- codes ----------------------------------------------------------------------------------

def check_code(raw: str | None, *, launch: tuple[str, str] | None, now: dt.datetime) -> OfferCode:
    """The code, if this shopper may use it now.

    :raise CodeRefused: unknown, not yet valid, expired, used, sold out, or for another channel's
        audience — each with its own message.
    """
    value = normalise_code(raw)
    if not value:
        raise CodeRefused(_l("Please enter a code."), reason="empty")
    code = find_code(value)
    if code is None:
        raise CodeRefused(_l("We do not know the code %(code)s. Please check it and try again.",
                             code=value[:40]), reason="unknown")
    offer = code.offer
    status = offer.status_at(now)
    if status in (OfferStatus.DRAFT, OfferStatus.SCHEDULED):
        raise CodeRefused(_l("The code %(code)s is not valid yet.", code=value), reason="not_yet_valid")
    if status != OfferStatus.LIVE:
        raise CodeRefused(_l("The code %(code)s has expired.", code=value), reason="expired")
    if code.max_uses is not None and code.uses >= code.max_uses:
        raise CodeRefused(_l("The code %(code)s has already been used.", code=value), reason="used")
    if not offer.has_room:
        raise CodeRefused(_l("Sorry, the offer behind %(code)s has run out.", code=value), reason="sold_out")
    if code.channel_only and (launch is None or launch[0] != code.channel):
        raise CodeRefused(_l("The code %(code)s is for our followers on %(channel)s: please open the shop "
                             "from our page there.", code=value, channel=code.channel.capitalize()),
                          reason="other_channel")
    return code


def try_code(raw: str | None, *, launch: tuple[str, str] | None, now: dt.datetime) -> OfferCode:
    """`check_code` for a code the shopper tries now; a refusal is announced on `code_refused`.

    :raise CodeRefused: as `check_code`.
    """
    try:
        return check_code(raw, launch=launch, now=now)
    except CodeRefused as refused:
        code_refused.send(refused)
        raise


def session_code(launch: tuple[str, str] | None, now: dt.datetime) -> OfferCode | None:
    """The session's code if it is still good; a code that went bad is forgotten."""
    raw = session.get(CODE_SESSION_KEY)
    if not raw:
        return None
    try:
        return check_code(raw, launch=launch, now=now)
    except CodeRefused as refused:
        session.pop(CODE_SESSION_KEY, None)
        note_dropped_code(normalise_code(raw), refused)  # its page says why the code went
        return None


# --- the shopper ----------------------------------------------------------------------------

def session_launch() -> tuple[tuple[str, str] | None, str | None]:
    """The verified launch of this visit ((platform, page_id), platform user id), if any.

    `session["launch"]` is written only by `social.service.start_tab_session`, after the
    platform's signature was checked; the session cookie itself is signed.
    """
    launch = session.get("launch") if has_request_context() else None
    if not launch:
        return None, None
    return (launch["platform"], str(launch["page_id"])), (launch.get("user_id") or None)


def customer_keys_for(email: str | None, platform: str | None, platform_user: str | None) -> tuple[str, ...]:
    """Who the customer is, as the keys per-customer caps count on (sorted: the lock order)."""
    keys = set()
    if email:
        keys.add(f"email:{email.strip().lower()}"[:200])
    if platform and platform_user:
        keys.add(f"{platform}:{platform_user}"[:200])
    return tuple(sorted(keys))


def _platform_user(keys: Sequence[str]) -> str | None:
    for key in keys:
        if not key.startswith("email:"):
            return key.split(":", 1)[1]
    return None


def is_first_order(email: str) -> bool:
    return db.session.scalar(
        sa.select(sa.literal(1)).select_from(Order)
        .where(sa.func.lower(Order.email) == email.strip().lower(), Order.status.in_(ORDERED_STATES))
        .limit(1)) is None


def used_up(offers: Sequence[OfferRule], keys: Sequence[str], caps: dict[int, int]) -> frozenset[int]:
    """Offers (with a per-customer cap) that any of this customer's keys has used up."""
    capped = [o.id for o in offers if o.id in caps]
    if not capped or not keys:
        return frozenset()
    rows = db.session.execute(
        sa.select(CustomerUse.offer_id, sa.func.max(CustomerUse.uses))
        .where(CustomerUse.offer_id.in_(capped), CustomerUse.customer_key.in_(list(keys)))
        .group_by(CustomerUse.offer_id)).all()
    return frozenset(offer_id for offer_id, uses in rows if uses >= caps[offer_id])


def customer_cap(cap: int | None, audience: str) -> int | None:
    """An offer's per-customer cap as its redemptions count it: a first-order offer's is 1."""
    if audience == Audience.FIRST_ORDER:
        return min(cap or 1, 1)
    return cap or None


def per_customer_caps(offer_ids: Iterable[int]) -> dict[int, int]:
    """The per-customer cap of each offer that has one, as the database has it now (a redemption
    checks against these under its lock)."""
    ids = list(offer_ids)
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Offer.id, Offer.cap_per_customer, Offer.audience)
                              .where(Offer.id.in_(ids))).all()
    caps = {offer_id: customer_cap(cap, audience) for offer_id, cap, audience in rows}
    return {offer_id: cap for offer_id, cap in caps.items() if cap}


def build_context(*, offers: Sequence[OfferRule], launch: tuple[str, str] | None, member: bool,
                  code: OfferCode | None, email: str | None, now: dt.datetime, channel: str = "web",
                  utm_source: str = "", platform_user: str | None = None) -> PricingContext:
    keys = customer_keys_for(email, launch[0] if launch else None, platform_user)
    # The rules carry their caps: pricing a shopper reads no offer rows for them.
    caps = {o.id: o.cap_per_customer for o in offers if o.cap_per_customer} if keys else {}
    shopper = Shopper(
        launch=launch, member=member,
        code_offer_ids=frozenset({code.offer_id}) if code is not None else frozenset(),
        first_order=is_first_order(email) if email else None,
        used_up_offer_ids=used_up(offers, keys, caps),
    )
    return PricingContext(tuple(offers), shopper, now, channel=channel, utm_source=utm_source, code=code,
                          customer_keys=keys)


def pricing_context(*, email: str | None = None, now: dt.datetime | None = None,
                    code: str | None = None, fresh: bool = False) -> PricingContext:
    """The context for this request's shopper: from the session on pages, or with an explicit
    `code` (the API, which has no session). :raise CodeRefused: only for an explicit `code`."""
    now = now or utcnow()
    launch, platform_user = session_launch()
    offers = live_rules(now, fresh=fresh)
    if code is not None:
        accepted = try_code(code, launch=launch, now=now) if code else None
    elif has_request_context():
        accepted = session_code(launch, now)
    else:
        accepted = None
    channel = session.get("channel", "web") if has_request_context() else "web"
    utm_source = session.get("utm_source", "") if has_request_context() else ""
    return build_context(offers=offers, launch=launch, member=bool(platform_user), code=accepted,
                         email=email, now=now, channel=channel, utm_source=utm_source,
                         platform_user=platform_user)


def enter_code(raw: str | None, *, now: dt.datetime) -> OfferCode:
    """Accept a code for this visit's cart. :raise CodeRefused: with the reason."""
    launch, _ = session_launch()
    code = try_code(raw, launch=launch, now=now)
    session[CODE_SESSION_KEY] = code.code
    return code


def remove_code() -> None:
    session.pop(CODE_SESSION_KEY, None)


def forget_code_used_by(order_id: int) -> None:
    """The order used the session's code: it is spent (once per customer, or a single-use code),
    so the next cart starts without it instead of saying it no longer applies. A code the order
    did not use (its offer did not apply) stays for the next cart."""
    raw = session.get(CODE_SESSION_KEY)
    if raw and db.session.scalar(
            sa.select(Redemption.id).join(OfferCode, OfferCode.id == Redemption.code_id)
            .where(Redemption.order_id == order_id, OfferCode.code == normalise_code(raw)).limit(1)) is not None:
        session.pop(CODE_SESSION_KEY, None)


def offer_by_slug(slug: str) -> Offer | None:
    return db.session.scalar(sa.select(Offer).where(Offer.slug == slug, Offer.state != OfferState.DRAFT))


def redemptions_for_order(order_id: int) -> list[tuple]:
    """The offers an order used: (Redemption, offer name, offer id, code or None), in one query."""
    return list(db.session.execute(
        sa.select(Redemption, Offer.name, Offer.id, OfferCode.code)
        .join(Offer, Offer.id == Redemption.offer_id)
        .outerjoin(OfferCode, OfferCode.id == Redemption.code_id)
        .where(Redemption.order_id == order_id).order_by(Redemption.id)).all())
