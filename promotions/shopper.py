"""Which live offers this shopper is shown, and the offer page's use cases (its verdict, the
single-use code for the physical store).

Who sees what follows the shopper as the shop has verified them (`service.pricing_context`),
never what a client says about itself:

- offers for everyone, first orders and signed-in members are shown to all (a members offer
  says who it is for);
- a tab-visitor offer only to a shopper whose verified launch came from one of its pages — a
  shopper who opens the shop directly never sees it;
- a code-holder offer only once the shopper's code for it was accepted.

Everything is computed once per request, in a constant number of queries whatever the number of
live offers.
"""
from __future__ import annotations

import secrets
from typing import NamedTuple

import sqlalchemy as sa
from flask import g, has_request_context, session
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from storefront.errors import ConflictError
from storefront.extensions import db

from .engine import EngineLine, OfferRule, Reason, Verdict, in_audience, targets
from .models import Audience, CodeKind, Offer, OfferCode, OfferStatus
from .service import PricingContext, category_ancestry, pricing_context, rules_for

# No 0/O, 1/I/L: a code read aloud or typed from a screen in the shop must not be ambiguous.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
STORE_CODES_KEY = "store_codes"


class ShownOffer(NamedTuple):
    offer: Offer
    # None: the shopper qualifies (their cart may still miss a condition); else why they do not.
    verdict: Verdict | None
    rule: OfferRule


class StoreCodeRefused(ConflictError):
    code = "store_code_refused"


def shopper_context() -> PricingContext:
    """This request's pricing context (computed once per request)."""
    if has_request_context():
        if "shopper_pricing" not in g:
            g.shopper_pricing = pricing_context()
        return g.shopper_pricing
    return pricing_context()


def audience_verdict(rule: OfferRule, context: PricingContext) -> Verdict | None:
    """Whether this shopper may have the offer at all (cart conditions aside)."""
    reason = in_audience(rule, context.shopper)
    if reason is None:
        if rule.sold_out:
            reason = Reason.SOLD_OUT
        elif rule.id in context.shopper.used_up_offer_ids:
            reason = Reason.USED_UP
    return Verdict(rule.id, reason) if reason else None


def is_shown(rule: OfferRule, verdict: Verdict | None) -> bool:
    """Banners show an offer the shopper may have, or one whose audience is open to them."""
    if verdict is None:
        return True
    if verdict.reason in (Reason.SOLD_OUT, Reason.USED_UP, Reason.TAB_ONLY, Reason.CODE_ONLY):
        return False
    return rule.audience in (Audience.EVERYONE, Audience.FIRST_ORDER, Audience.MEMBERS)


def is_eligible(verdict: Verdict | None) -> bool:
    return verdict is None or verdict.reason == Reason.FIRST_ORDER_UNKNOWN


def visible_offers(context: PricingContext | None = None) -> list[ShownOffer]:
    """The live offers this shopper should see on banners, highest priority first."""
    cached = has_request_context() and context is None and "visible_offers" in g
    if cached:
        return g.visible_offers
    context = context or shopper_context()
    shown = [(rule, verdict) for rule in context.offers
             if is_shown(rule, verdict := audience_verdict(rule, context))]
    rows = {}
    if shown:
        rows = {o.id: o for o in db.session.scalars(
            sa.select(Offer).where(Offer.id.in_([rule.id for rule, _ in shown])))}
    result = [ShownOffer(rows[rule.id], verdict, rule) for rule, verdict in shown if rule.id in rows]
    if has_request_context() and context is g.get("shopper_pricing"):
        g.visible_offers = result
    return result


def offers_for_product(product, context: PricingContext | None = None) -> list[ShownOffer]:
    """The visible offers that take something off this product or off the whole order."""
    shown = visible_offers(context)
    if not shown:
        return []
    # The whole (small) category tree in one query, whatever the offers' targets, so the count of
    # queries does not depend on them.
    ancestry = category_ancestry()
    line = EngineLine(0, product.id, ancestry.get(product.category_id, frozenset()), 1, 0)
    return [s for s in shown if targets(s.rule, line)]


# --- the offer page -------------------------------------------------------------------------

def page_verdict(offer: Offer, context: PricingContext) -> Verdict | None:
    """The offer page's word for this shopper: ended, not started, or the audience's verdict."""
    status = offer.status_at(context.now)
    if status in (OfferStatus.ENDED, OfferStatus.ENDED_EARLY):
        return Verdict(offer.id, Reason.ENDED)
    if status != OfferStatus.LIVE:
        return Verdict(offer.id, Reason.NOT_STARTED)
    rule = next((r for r in context.offers if r.id == offer.id), None) or rules_for([offer])[0]
    return audience_verdict(rule, context)


def new_code(prefix: str, length: int = 8) -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def add_unique_code(make) -> OfferCode:
    """Insert the code `make()` builds, drawing another value on the (rare) collision; in a
    savepoint, so the caller's transaction survives. An IntegrityError on anything but the code
    value is re-raised after the last try."""
    for attempt in range(5):
        code = make()
        savepoint = db.session.begin_nested()
        db.session.add(code)
        try:
            savepoint.commit()
            return code
        except IntegrityError:
            savepoint.rollback()
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def store_code_for(offer: Offer, context: PricingContext) -> OfferCode:
    """This visit's single-use in-store code for `offer`, created on the first request (then the
    same one, once per session per offer), committed.

    :raise StoreCodeRefused: the offer is not running, or this shopper is not in its audience.
    """
    known = (session.get(STORE_CODES_KEY) or {}).get(str(offer.id))
    if known:
        existing = db.session.scalar(sa.select(OfferCode).where(OfferCode.code == known,
                                                                OfferCode.offer_id == offer.id))
        if existing is not None:
            return existing
    verdict = page_verdict(offer, context)
    if verdict is not None and verdict.reason != Reason.FIRST_ORDER_UNKNOWN:
        from .messages import verdict_text

        raise StoreCodeRefused(verdict_text(verdict, offer) or _l("This offer cannot be used in the shop now."))
    code = add_unique_code(lambda: OfferCode(offer_id=offer.id, code=new_code("SHOP"), kind=CodeKind.STORE,
                                             channel="store", max_uses=1, utm_source=context.utm_source[:80]))
    db.session.commit()
    session[STORE_CODES_KEY] = {**(session.get(STORE_CODES_KEY) or {}), str(offer.id): code.code}
    return code


def session_store_code(offer: Offer) -> OfferCode | None:
    known = (session.get(STORE_CODES_KEY) or {}).get(str(offer.id))
    if not known:
        return None
    return db.session.scalar(sa.select(OfferCode).where(OfferCode.code == known, OfferCode.offer_id == offer.id))


# --- the cart -------------------------------------------------------------------------------

# What a cart tells its shopper about an offer that did not apply. An offer for another audience
# (tab visitors of a page, holders of a code) is not named to a shopper outside it.
CART_NOTE_REASONS = (Reason.MIN_SUBTOTAL, Reason.MIN_QUANTITY, Reason.FIRST_ORDER_UNKNOWN, Reason.MEMBERS_ONLY,
                     Reason.NOT_COMBINED, Reason.USED_UP)


def cart_notes(outcome, context: PricingContext) -> list[tuple[str, str]]:
    """(offer name, words) for each offer in play that did not apply and is worth a word."""
    from .messages import verdict_text

    rules = {rule.id: rule for rule in context.offers}
    notes = []
    for verdict in outcome.verdicts:
        rule = rules.get(verdict.offer_id)
        if rule is None or verdict.reason not in CART_NOTE_REASONS:
            continue
        text = verdict_text(verdict, rule)
        if text:
            notes.append((rule.name, text))
    return notes
