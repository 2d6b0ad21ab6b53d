"""Read-only answers about what would happen: the marketer's preview ("see the shop as a tab visitor
at 9 pm on Friday", through the real engine) and the store's scan status (what a scanned code is
worth now). Nothing here writes; the use cases are in `promotions.lifecycle` and
`promotions.channel_codes`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from storefront.cart.pricing import LineItem, Offers, PricingRules, Totals, price_cart
from storefront.catalog.models import Product, Variant
from storefront.extensions import db
from storefront.money import format_money
from storefront.social.platforms import configured_pages

from . import engine, service
from .codes import find_code, normalise_code
from .lifecycle import get_offer
from .models import Audience, CodeKind, Offer, OfferCode, OfferStatus, Redemption, RedemptionStatus, Target
from .terms import InvalidOffer, clean_zone, form_zone, local_to_utc, utc_to_local

REASON_TEXT = {
    engine.Reason.APPLIED: _l("Applies"),
    engine.Reason.NOT_STARTED: _l("Not started at that moment"),
    engine.Reason.ENDED: _l("Ended at that moment"),
    engine.Reason.SOLD_OUT: _l("Sold out (total cap reached)"),
    engine.Reason.USED_UP: _l("This customer has used it up"),
    engine.Reason.TAB_ONLY: _l("Only for shoppers who came from the chosen page's tab"),
    engine.Reason.CODE_ONLY: _l("Only for holders of its code"),
    engine.Reason.MEMBERS_ONLY: _l("Only for shoppers signed in with the platform"),
    engine.Reason.FIRST_ORDER_ONLY: _l("Only for a first order"),
    engine.Reason.FIRST_ORDER_UNKNOWN: _l("Decided once the shopper's e-mail is known (first order)"),
    engine.Reason.NO_TARGET_ITEMS: _l("None of its products are in the cart"),
    engine.Reason.NOT_COMBINED: _l("Another offer (or combination) gives the shopper more"),
    engine.Reason.NOTHING_OFF: _l("Nothing left to take off"),
}

# The persona the preview starts with: the one the offer is for.
PERSONA_FOR_AUDIENCE = {Audience.TAB_VISITORS: "tab_visitor", Audience.CODE_HOLDERS: "code_holder",
                        Audience.MEMBERS: "member", Audience.FIRST_ORDER: "first_order"}


def verdict_text(verdict: engine.Verdict) -> str:
    """Why the engine did or did not apply an offer, in the marketer's words."""
    if verdict.reason == engine.Reason.MIN_SUBTOTAL:
        return str(_l("Needs %(amount)s more in the cart", amount=format_money(verdict.missing or 0)))
    if verdict.reason == engine.Reason.MIN_QUANTITY:
        return str(_l("Needs %(count)d more item(s)", count=verdict.missing or 0))
    return str(REASON_TEXT.get(verdict.reason, verdict.reason))


# --- the preview ----------------------------------------------------------------------------

@dataclass(frozen=True)
class PreviewLine:
    variant: Variant
    quantity: int
    subtotal: int
    discount: int

    @property
    def total(self) -> int:
        return self.subtotal - self.discount


@dataclass(frozen=True)
class PreviewResult:
    moment: dt.datetime
    lines: list[PreviewLine]
    totals: Totals
    names: dict[int, str]

    @property
    def outcome(self) -> engine.Outcome:
        return self.totals.offers or engine.NO_OFFERS

    @property
    def subtotal(self) -> int:
        return self.totals.items_subtotal

    @property
    def total(self) -> int:
        return self.totals.total

    def verdicts(self) -> list[tuple[str, engine.Verdict, str]]:
        """(offer name, verdict, why) for every offer the engine weighed."""
        return [(self.names.get(v.offer_id, "?"), v, verdict_text(v)) for v in self.outcome.verdicts]


def preview_variants(offer: Offer, limit: int = 8) -> tuple[list[Variant], dict[int, int]]:
    """Variants to build a sample cart from: the offer's targeted products first (one unit each of
    the first three), then other products of the shop."""
    query = sa.select(Product).where(Product.active.is_(True)).options(selectinload(Product.variants))
    if offer.target == Target.PRODUCTS:
        targeted = sa.select(Product.id).join(Offer.products).where(Offer.id == offer.id)
    elif offer.target == Target.CATEGORIES:
        ids = {c.id for c in offer.categories}
        inside = [cid for cid, chain in service.category_ancestry().items() if chain & ids]
        targeted = sa.select(Product.id).where(Product.category_id.in_(inside or [0]))
    else:
        targeted = sa.select(Product.id)
    first = list(db.session.scalars(query.where(Product.id.in_(targeted)).order_by(Product.title).limit(limit)))
    others = list(db.session.scalars(query.where(Product.id.not_in([p.id for p in first] or [0]))
                                     .order_by(Product.title).limit(max(0, limit - len(first)) + 2)))
    variants = [p.variants[0] for p in first + others if p.variants]
    defaults = {v.id: 1 for v in variants[:min(3, len(first))]}
    return variants, defaults


def preview_defaults(offer: Offer, now: dt.datetime) -> dict:
    """What the preview form starts with: the offer's own audience, its first page, and a moment
    inside its window (its start if that is still ahead, else now or its end), in its zone (the
    shop's, if the form no longer offers it: `form_zone`)."""
    moment = offer.starts_at if offer.starts_at > now else min(now, offer.ends_at)
    persona = PERSONA_FOR_AUDIENCE.get(offer.audience, "anyone")
    pages = offer.audience_pages or [value for value, _label in configured_pages()[:1]]
    zone = form_zone(offer.timezone)
    return {"persona": persona, "page": pages[0] if pages and persona == "tab_visitor" else "",
            "moment": utc_to_local(moment, zone).replace(second=0, microsecond=0), "timezone": zone}


def shopper_for(persona: str, page: str | None, offer_id: int) -> engine.Shopper:
    """The engine's shopper for a persona the marketer chose.

    :raise InvalidOffer: a page the shop is not connected to, a tab visitor without a page, or an
        unknown persona.
    """
    launch = None
    if page:
        if page not in dict(configured_pages()):
            raise InvalidOffer(_l("Choose one of the shop's connected pages."), field="page")
        launch = tuple(page.split(":", 1))
    if persona == "tab_visitor":
        if launch is None:
            raise InvalidOffer(_l("Choose the page the visitor comes from."), field="page")
        return engine.Shopper(launch=launch)
    if persona == "code_holder":
        return engine.Shopper(launch=launch, code_offer_ids=frozenset({offer_id}))
    if persona == "member":
        return engine.Shopper(launch=launch, member=True)
    if persona == "first_order":
        return engine.Shopper(launch=launch, first_order=True)
    if persona == "anyone":
        return engine.Shopper()
    raise InvalidOffer(_l("Choose who to see the shop as."), field="persona")


def _sample_cart(quantities: Mapping[int, int]) -> list[tuple[Variant, int]]:
    """The (variant, quantity) pairs asked for, of variants that exist.

    :raise InvalidOffer: a quantity outside 0 to MAX_LINE_QUANTITY, or nothing in the cart.
    """
    limit = current_app.config["MAX_LINE_QUANTITY"]
    wanted = {int(k): int(v) for k, v in quantities.items() if v}
    if any(q < 0 or q > limit for q in wanted.values()):
        raise InvalidOffer(_l("Quantities are from 0 to %(limit)d.", limit=limit), field="lines")
    variants = {v.id: v for v in db.session.scalars(
        sa.select(Variant).where(Variant.id.in_(list(wanted) or [0])).options(selectinload(Variant.product)))}
    picked = [(variants[vid], qty) for vid, qty in wanted.items() if vid in variants]
    if not picked:
        raise InvalidOffer(_l("Put at least one item in the sample cart."), field="lines")
    return picked


def preview(offer_id: int, *, persona: str, page: str | None, moment: dt.datetime | None, zone: str | None,
            quantities: Mapping[int, int]) -> PreviewResult:
    """The engine's answer for a sample cart, as the chosen shopper would see it at `moment` (local
    time in `zone`): the offers live then, plus this one (a draft counts as scheduled). Writes nothing.

    :raise OfferNotFound:
    :raise InvalidOffer: a bad zone, no or a non-existent moment, a bad persona or page (see
        `shopper_for`), or a bad sample cart (see `_sample_cart`).
    """
    offer = get_offer(offer_id)
    zone = clean_zone(zone)
    if moment is None:
        raise InvalidOffer(_l("Choose the moment to see the shop at."), field="moment")
    when = local_to_utc(moment, zone, field="moment")
    shopper = shopper_for(persona, page, offer.id)
    picked = _sample_cart(quantities)
    others = [o for o in service.live_offers(when) if o.id != offer.id]
    rules = (*service.rules_for(others), service.rule_for(offer, preview=True))
    # Priced exactly as the cart and checkout price it: through price_cart, the one place.
    lines = service.engine_lines_for(picked)
    items = [LineItem(line.variant_id, line.quantity, line.unit_price, line.product_id, line.category_ids)
             for line in lines]
    totals = price_cart(items, PricingRules.from_config(current_app.config), offers=Offers(rules, shopper, when))
    preview_lines = [PreviewLine(variant, qty, priced.subtotal, priced.discount)
                     for (variant, qty), priced in zip(picked, totals.lines)]
    return PreviewResult(when, preview_lines, totals, {r.id: r.name for r in rules})


# --- the store's scan page ------------------------------------------------------------------

@dataclass(frozen=True)
class ScanStatus:
    code: OfferCode | None
    offer: Offer | None
    valid: bool
    message: str
    used_at: dt.datetime | None = None


def scan_status(raw: str, now: dt.datetime) -> ScanStatus:
    """What the store staff sees for a scanned code: its offer and whether it can be used now
    (unknown, used up and when, not started, ended, a shared online code, sold out, or valid)."""
    code = find_code(raw)
    if code is None:
        value = normalise_code(raw)
        return ScanStatus(None, None, False, str(_l("We do not know the code %(code)s.", code=value[:40])))
    offer = code.offer
    status = offer.status_at(now)
    if code.max_uses is not None and code.uses >= code.max_uses:
        return ScanStatus(code, offer, False, str(_l("Already used.")), _last_used_at(code))
    if status != OfferStatus.LIVE:
        message = _l("Not valid yet: the offer has not started.") if status in (
            OfferStatus.DRAFT, OfferStatus.SCHEDULED) else _l("Expired: the offer has ended.")
        return ScanStatus(code, offer, False, str(message))
    if code.kind == CodeKind.SHARED:
        return ScanStatus(code, offer, False,
                          str(_l("This is a shared online code; scan the shopper's own QR code instead.")))
    if not offer.has_room:
        return ScanStatus(code, offer, False, str(_l("Sorry, this offer has run out.")))
    return ScanStatus(code, offer, True, str(_l("Valid now: the shopper may use it once.")))


def _last_used_at(code: OfferCode) -> dt.datetime | None:
    """When the code was last redeemed (confirmed, else held), released redemptions aside."""
    return db.session.scalar(
        sa.select(sa.func.max(sa.func.coalesce(Redemption.confirmed_at, Redemption.created_at)))
        .where(Redemption.code_id == code.id, Redemption.status != RedemptionStatus.RELEASED))
