"""Offers in the shopper's words: what an offer gives, on which conditions, for whom, and why it
did or did not apply to their cart.

Every function takes an `Offer` row or the engine's `OfferRule` (both carry the same fields) and
returns text in the request's language; money goes through `format_money`.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import ngettext

from storefront.money import format_money
from storefront.social.platforms import configured_platforms, platform_name

from .engine import OfferRule, Outcome, Reason, Verdict
from .models import Audience, Benefit, Target


def benefit_text(offer) -> str:
    """ "20% off", "€5.00 off", "Free shipping", "Buy 2, get 1 free"."""
    if offer.benefit == Benefit.PERCENT:
        return _("%(percent)s%% off", percent=offer.percent)
    if offer.benefit == Benefit.FIXED:
        return _("%(amount)s off", amount=format_money(offer.amount or 0))
    if offer.benefit == Benefit.FREE_SHIPPING:
        return _("Free shipping")
    return _("Buy %(buy)d, get %(get)d free", buy=offer.buy_qty or 1, get=offer.get_qty or 1)


def target_text(offer, names: list[str] | None = None) -> str:
    """What the offer is on: the whole order, or the named products or categories."""
    if offer.target == Target.ORDER:
        return _("On your whole order")
    listed = ", ".join(names or [])
    if offer.target == Target.PRODUCTS:
        return _("On %(products)s", products=listed) if listed else _("On selected products")
    return _("On everything in %(categories)s", categories=listed) if listed else _("On selected categories")


def conditions_text(offer) -> list[str]:
    """The conditions besides the audience, one sentence each (empty: no condition)."""
    conditions = []
    if offer.min_subtotal:
        conditions.append(_("On orders from %(amount)s", amount=format_money(offer.min_subtotal)))
    if offer.min_quantity:
        conditions.append(ngettext("When you buy at least %(num)d item",
                                   "When you buy at least %(num)d items", offer.min_quantity))
    if getattr(offer, "cap_per_customer", None):
        conditions.append(ngettext("Once per customer", "Up to %(num)d times per customer",
                                   offer.cap_per_customer))
    if offer.exclusive:
        conditions.append(_("Cannot be combined with other offers"))
    return conditions


def _platforms(offer) -> list[str]:
    """The platforms an offer's audience is tied to: its pages', else every configured app's."""
    pages = offer.audience_pages or []
    found = [page.split(":", 1)[0] if isinstance(page, str) else page[0] for page in pages]
    names = []
    for platform in found or configured_platforms():
        name = platform_name(platform) if platform else ""
        if name and name not in names:
            names.append(name)
    return names


def _or_list(names: list[str]) -> str:
    if not names:
        return _("our page")
    if len(names) == 1:
        return names[0]
    return _("%(names)s or %(last)s", names=", ".join(names[:-1]), last=names[-1])


def audience_text(offer) -> str:
    """Who the offer is for, in a sentence."""
    if offer.audience == Audience.TAB_VISITORS:
        return _("For shoppers who open the shop from our page on %(platforms)s",
                 platforms=_or_list(_platforms(offer)))
    if offer.audience == Audience.CODE_HOLDERS:
        return _("For holders of the offer's code")
    if offer.audience == Audience.MEMBERS:
        return _("For shoppers signed in with %(platforms)s", platforms=_or_list(_platforms(offer)))
    if offer.audience == Audience.FIRST_ORDER:
        return _("For your first order with us")
    return _("For everyone")


def verdict_text(verdict: Verdict | None, offer) -> str | None:
    """Why the offer does (or does not) apply, for this shopper and cart; None when there is
    nothing to say (it applies, or the verdict is unknown)."""
    if verdict is None:
        return None
    reason, missing = verdict.reason, verdict.missing or 0
    if reason == Reason.APPLIED:
        return None
    if reason == Reason.MIN_SUBTOTAL:
        if offer.benefit == Benefit.FREE_SHIPPING:
            return _("Add %(amount)s more to get free shipping.", amount=format_money(missing))
        return _("Add %(amount)s more to get %(benefit)s.", amount=format_money(missing),
                 benefit=benefit_text(offer))
    if reason == Reason.MIN_QUANTITY:
        return ngettext("Add %(num)d more item to get %(benefit)s.", "Add %(num)d more items to get %(benefit)s.",
                        missing, benefit=benefit_text(offer))
    if reason == Reason.TAB_ONLY:
        return _("This offer is for shoppers who came from our page.")
    if reason == Reason.CODE_ONLY:
        return _("This offer is for holders of its code: enter the code in your cart.")
    if reason == Reason.MEMBERS_ONLY:
        return _("This offer is for shoppers signed in with %(platforms)s.", platforms=_or_list(_platforms(offer)))
    if reason == Reason.FIRST_ORDER_ONLY:
        return _("This offer is for a first order only.")
    if reason == Reason.FIRST_ORDER_UNKNOWN:
        return _("Applies at checkout if this is your first order.")
    if reason == Reason.SOLD_OUT:
        return _("Sorry, this offer has run out.")
    if reason == Reason.USED_UP:
        return _("You have already used this offer.")
    if reason == Reason.NOT_COMBINED:
        return _("Not combined: another offer gives you more.")
    if reason == Reason.ENDED:
        return _("This offer has ended.")
    if reason == Reason.NOT_STARTED:
        return _("This offer has not started yet.")
    if reason == Reason.NO_TARGET_ITEMS:
        return _("Add an item from this offer to your cart to get %(benefit)s.", benefit=benefit_text(offer))
    if reason == Reason.NOTHING_OFF:
        return _("Nothing more to take off: your order already has it.")
    return None


# What a cart tells its shopper about an offer that did not apply. An offer for another audience
# (tab visitors of a page, holders of a code) is not named to a shopper outside it.
CART_NOTE_REASONS = (Reason.MIN_SUBTOTAL, Reason.MIN_QUANTITY, Reason.FIRST_ORDER_UNKNOWN, Reason.MEMBERS_ONLY,
                     Reason.NOT_COMBINED, Reason.USED_UP)


def cart_notes(outcome: Outcome, rules: Iterable[OfferRule]) -> list[tuple[str, str]]:
    """(offer name, words) for each offer in play (`rules`) that did not apply and is worth a word."""
    by_id = {rule.id: rule for rule in rules}
    notes = []
    for verdict in outcome.verdicts:
        rule = by_id.get(verdict.offer_id)
        if rule is None or verdict.reason not in CART_NOTE_REASONS:
            continue
        text = verdict_text(verdict, rule)
        if text:
            notes.append((rule.name, text))
    return notes
