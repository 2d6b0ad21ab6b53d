"""Offers in the shopper's words: what an offer gives, on which conditions, for whom, and why it
did or did not apply to their cart.

Every function takes an `Offer` row or the engine's `OfferRule` (both carry the same fields) and
returns text in the request's language; money goes through `format_money`.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from babel.lists import format_list
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from storefront.delivery import DELIVERY_METHODS, shipping_method_names
from storefront.i18n import current_locale
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


# The delivery methods a free-shipping offer may cover, in a sentence ("On %(delivery)s").
DELIVERY_NAMES = {
    frozenset({"standard"}): _l("standard delivery"),
    frozenset({"express"}): _l("express delivery"),
    frozenset({"standard", "express"}): _l("standard and express delivery"),
}


def delivery_text(offer) -> str:
    """The delivery methods a free-shipping offer makes free, as words ("standard delivery",
    "standard delivery, Omniva parcel locker"): an added method by its name."""
    methods = frozenset(offer.shipping_methods or ("standard",))
    if methods in DELIVERY_NAMES:
        return str(DELIVERY_NAMES[methods])
    names = shipping_method_names()
    built_in = {"standard": DELIVERY_NAMES[frozenset({"standard"})], "express": DELIVERY_NAMES[frozenset({"express"})]}
    words = [str(built_in.get(code) or names.get(code) or code)
             for code in [*DELIVERY_METHODS, *sorted(methods - set(DELIVERY_METHODS))] if code in methods]
    return format_list(words, locale=current_locale())


def free_shipping_promise(threshold: int | None) -> str:
    """The shop's one free-shipping sentence for `threshold` (`free_shipping.public_free_shipping_from`
    or a cart's `Totals.free_shipping_from`); empty when nothing ships free."""
    if threshold is None:
        return ""
    if threshold <= 0:
        return _("Free shipping on every order")
    return _("Free shipping from %(amount)s", amount=format_money(threshold))


def conditions_text(offer) -> list[str]:
    """The conditions besides the audience, one sentence each (empty: no condition)."""
    conditions = []
    if offer.benefit == Benefit.FREE_SHIPPING:
        conditions.append(_("On %(delivery)s", delivery=delivery_text(offer)))
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
        # Not "to get Buy 2, get 1 free": the offer's own name stands before this line.
        return ngettext("Add %(num)d more item from this offer to get it.",
                        "Add %(num)d more items from this offer to get it.", missing)
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
    if reason == Reason.OTHER_DELIVERY:
        return _("Free shipping covers %(delivery)s only, not the delivery you chose.",
                 delivery=delivery_text(offer))
    return None


# What a cart tells its shopper about an offer that did not apply. An offer for another audience
# (tab visitors of a page, holders of a code) is not named to a shopper outside it.
CART_NOTE_REASONS = (Reason.MIN_SUBTOTAL, Reason.MIN_QUANTITY, Reason.FIRST_ORDER_UNKNOWN, Reason.MEMBERS_ONLY,
                     Reason.NOT_COMBINED, Reason.USED_UP, Reason.OTHER_DELIVERY)


def cart_notes(outcome: Outcome, rules: Iterable[OfferRule], skip: Iterable[int] = ()) -> list[tuple[str, str]]:
    """(offer name, words) for each offer in play (`rules`) that did not apply and is worth a word,
    but those in `skip` (already explained, e.g. as lost: `notices.lost_offers`).

    A free-shipping offer short of its minimum is left out: the cart's one free-shipping message
    (`Totals.free_shipping_remaining`) already counts it."""
    by_id = {rule.id: rule for rule in rules}
    skip = set(skip)
    notes = []
    for verdict in outcome.verdicts:
        rule = by_id.get(verdict.offer_id)
        if rule is None or verdict.reason not in CART_NOTE_REASONS or verdict.offer_id in skip:
            continue
        if rule.benefit == Benefit.FREE_SHIPPING and verdict.reason == Reason.MIN_SUBTOTAL:
            continue
        text = verdict_text(verdict, rule)
        if text:
            notes.append((rule.name, text))
    return notes


def lost_text(lost) -> str:
    """Why an offer the shopper had (a `notices.LostOffer`) no longer applies, naming it (by the
    code they entered, else by its name) and, for a per-customer cap, the order that used it."""
    what = lost.code or lost.name
    if lost.reason == "code_refused":
        return lost.refusal or _("The code %(code)s no longer applies.", code=what)
    if lost.reason == Reason.USED_UP:
        if lost.order_number:
            return _("You already used %(offer)s on order %(order)s, so it no longer applies.", offer=what,
                     order=lost.order_number)
        return _("You have already used %(offer)s, so it no longer applies.", offer=what)
    if lost.reason == Reason.SOLD_OUT:
        return _("%(offer)s has just run out, so it no longer applies.", offer=what)
    if lost.reason == Reason.ENDED:
        return _("%(offer)s has ended, so it no longer applies.", offer=what)
    if lost.reason == Reason.NOT_STARTED:
        return _("%(offer)s is not running now, so it does not apply.", offer=what)
    if lost.reason == Reason.FIRST_ORDER_ONLY:
        return _("%(offer)s is for a first order, and this e-mail address has ordered before.", offer=what)
    if lost.reason == Reason.MEMBERS_ONLY:
        return _("%(offer)s is for shoppers signed in with their social account, so it no longer applies.",
                 offer=what)
    if lost.reason == Reason.TAB_ONLY:
        return _("%(offer)s is for shoppers who came from our page, so it no longer applies.", offer=what)
    return _("%(offer)s is for holders of its code: enter the code in your cart.", offer=what)


class OfferNote(NamedTuple):
    """A word about an offer in a cart's summary: `applied` says what an offer the cart got gives
    (shown as good news), otherwise why one did not apply (shown as a caution)."""

    name: str
    words: str
    applied: bool = False


def summary_notes(outcome: Outcome | None, rules: Iterable[OfferRule], lost=()) -> list[OfferNote]:
    """What a priced cart's summary says about offers: which deliveries each applied free-shipping
    offer makes free, then `cart_notes` (less the offers `lost` explains)."""
    if outcome is None:
        return []
    rules = tuple(rules)
    by_id = {rule.id: rule for rule in rules}
    notes = [OfferNote(applied.name, _("Free shipping on %(delivery)s.", delivery=delivery_text(by_id[applied.offer_id])),
                       applied=True)
             for applied in outcome.applied if applied.shipping_discount and applied.offer_id in by_id]
    return notes + [OfferNote(name, words) for name, words in
                    cart_notes(outcome, rules, skip=(item.offer_id for item in lost))]
