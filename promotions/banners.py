"""Which live offers this shopper is shown: the banners on the shop's pages and the offer page's
word for them.

Who sees what follows the shopper as the shop has verified them (`service.pricing_context`),
never what a client says about itself:

- offers for everyone, first orders and signed-in members are shown to all (a members offer
  says who it is for);
- a tab-visitor offer only to a shopper whose verified launch came from one of its pages — a
  shopper who opens the shop directly never sees it;
- a code-holder offer only once the shopper's code for it was accepted.

Everything is computed once per request, in a constant number of queries whatever the number of
live offers. Reading only: the views that show banners count them (`stats.count_banner_views`).
"""
from __future__ import annotations

from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from flask import g, has_request_context

from storefront.catalog.browse import ancestor_ids
from storefront.extensions import db

from .engine import EngineLine, OfferRule, Reason, Verdict, in_audience, not_live_reason, targets
from .liveness import OfferStatus
from .models import Audience, Offer
from .service import PricingContext, pricing_context, rules_for


class ShownOffer(NamedTuple):
    offer: Offer
    # None: the shopper qualifies (their cart may still miss a condition); else why they do not.
    verdict: Verdict | None
    rule: OfferRule


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
    """The shopper is in the offer's audience (a first order is decided at checkout): a view of it counts."""
    return verdict is None or verdict.reason == Reason.FIRST_ORDER_UNKNOWN


@cache
def _offers_statement():
    # Built once: building a statement costs more CPU than running this one.
    return sa.select(Offer).where(Offer.id.in_(sa.bindparam("ids", expanding=True)))


def _rows_read_for_pricing(ids: list[int]) -> dict[int, Offer] | None:
    """The offers' rows as this request's pricing read them (`service.live_rules`), when it read
    every one and none has expired since (a commit): the statement would return these very
    objects from the session. None otherwise."""
    rows = g.get("live_offer_rows") if has_request_context() else None
    if rows is None or any(i not in rows or sa.inspect(rows[i]).expired_attributes for i in ids):
        return None
    return {i: rows[i] for i in ids}


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
        ids = [rule.id for rule, _ in shown]
        rows = _rows_read_for_pricing(ids)
        if rows is None:
            rows = {o.id: o for o in db.session.scalars(_offers_statement(), {"ids": ids})}
    result = [ShownOffer(rows[rule.id], verdict, rule) for rule, verdict in shown if rule.id in rows]
    if has_request_context() and context is g.get("shopper_pricing"):
        g.visible_offers = result
    return result


def offers_for_product(product, context: PricingContext | None = None) -> list[ShownOffer]:
    """The visible offers that take something off this product or off the whole order."""
    shown = visible_offers(context)
    if not shown:
        return []
    # The product's category and its ancestors, from the category tree the page has already read
    # (its navigation and breadcrumbs): no statement of its own, whatever the offers' targets.
    line = EngineLine(0, product.id, ancestor_ids(product.category_id), 1, 0)
    return [s for s in shown if targets(s.rule, line)]


def banners_for(product=None) -> list[ShownOffer]:
    """The banners of a page: for `product`, the offers on it or on the whole order; else every
    visible offer."""
    return offers_for_product(product) if product is not None else visible_offers()


def page_verdict(offer: Offer, context: PricingContext) -> Verdict | None:
    """The offer page's word for this shopper: ended, not started, or the audience's verdict."""
    status = offer.status_at(context.now)
    if status != OfferStatus.LIVE:
        return Verdict(offer.id, not_live_reason(status))
    rule = next((r for r in context.offers if r.id == offer.id), None) or rules_for([offer])[0]
    return audience_verdict(rule, context)
