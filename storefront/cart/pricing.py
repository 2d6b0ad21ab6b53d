"""What a cart costs: the one place where a shopper's total is computed.

`price_cart` is a pure function of the lines (at server-side list prices), the shop's rules and
the offers in play. Offers apply here, and nowhere else: the promotion engine
(`promotions.engine.evaluate`) takes the lines and the shipping charge and returns each line's
discount and any shipping discount; the shop's own free-shipping threshold is judged on the items
after their discount. How far the cart is from free shipping is the nearest of the shop's threshold
and the free-shipping offers this shopper qualifies for (`Totals.free_shipping_remaining`): the one
figure every message about it reads.

Tax follows the shop setting. When list prices include tax (usual for EU shops) the total is the
sum of gross amounts and the tax shown is the part of it that is tax:
``tax = gross - round(gross * 10000 / (10000 + rate_bps))``. When they exclude tax, tax is added:
``tax = round(net * rate_bps / 10000)``. Shipping is taxed at the same rate. Tax is rounded once,
on the order, by `money.round_minor` (half away from zero).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
import datetime as dt
from decimal import Decimal

from promotions.engine import EngineLine, OfferRule, Outcome, Reason, Shopper, Verdict, evaluate

from ..delivery import ShippingRate, default_option
from ..money import round_minor


@dataclass(frozen=True)
class PricingRules:
    currency: str
    prices_include_tax: bool
    tax_rate_bps: int
    # The delivery a cart is priced with before the shopper chooses one (`price_cart` without a
    # `shipping`): from the shop's config, the first method it offers (`delivery.default_option`).
    shipping_flat_rate: int
    free_shipping_threshold: int | None
    shipping_method: str = "standard"

    @classmethod
    def from_config(cls, config: Mapping) -> PricingRules:
        estimate = default_option(config).rate
        return cls(
            currency=config["SHOP_CURRENCY"],
            prices_include_tax=bool(config["PRICES_INCLUDE_TAX"]),
            tax_rate_bps=int(config["TAX_RATE_BPS"]),
            shipping_flat_rate=estimate.rate,
            free_shipping_threshold=int(estimate.free_from) if estimate.free_from else None,
            shipping_method=estimate.method,
        )


@dataclass(frozen=True)
class LineItem:
    variant_id: int
    quantity: int
    unit_price: int
    # What offers target: the product and its category with all the category's ancestors.
    product_id: int = 0
    category_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Offers:
    """The offers in play for one pricing, and who the engine prices for, at which moment."""

    rules: tuple[OfferRule, ...]
    shopper: Shopper
    now: dt.datetime


@dataclass(frozen=True)
class PricedLine:
    variant_id: int
    quantity: int
    unit_price: int
    subtotal: int
    discount: int
    total: int


@dataclass(frozen=True)
class Totals:
    currency: str
    lines: tuple[PricedLine, ...]
    items_subtotal: int
    discount: int        # off the items (the lines' discounts add up to it)
    shipping: int        # as charged, after any free-shipping offer
    tax: int
    tax_included: bool
    total: int
    # How much more the shopper must add for free shipping: the nearest of the shop's threshold
    # and the free-shipping offers they qualify for; 0 once it is free; None when nothing makes
    # this delivery free.
    free_shipping_remaining: int | None
    # What a free-shipping offer took off the shipping charge.
    shipping_discount: int = 0
    # The engine's result: the offers applied and a verdict for every offer in play.
    offers: Outcome | None = None
    # The items total from which this delivery ships free (the threshold `free_shipping_remaining`
    # counts towards), while it does not yet.
    free_shipping_from: int | None = None

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def compute_tax(taxable: int, rules: PricingRules) -> int:
    if taxable <= 0 or rules.tax_rate_bps <= 0:
        return 0
    rate = Decimal(rules.tax_rate_bps)
    if rules.prices_include_tax:
        return taxable - round_minor(Decimal(taxable) * 10000 / (10000 + rate))
    return round_minor(Decimal(taxable) * rate / 10000)


def shipping_for(items_after_discount: int, has_items: bool, shipping: ShippingRate) -> tuple[int, int | None]:
    """The shipping cost and how far the cart is from free shipping."""
    if not has_items:
        return 0, None
    threshold = shipping.free_from
    if threshold is not None and items_after_discount >= threshold:
        return 0, 0
    remaining = threshold - items_after_discount if threshold is not None else None
    return shipping.rate, remaining


def price_cart(items: Iterable[LineItem], rules: PricingRules, shipping: ShippingRate | None = None,
               offers: Offers | None = None) -> Totals:
    """Price the lines. Without a chosen delivery option, the rules' (the first the shop offers) is
    the estimate.

    With offers, the engine runs on the items (shipping 0) and again with the shipping charge the
    shop would then make, so a free-shipping offer competes at its real value; the shopper gets
    whichever of the two results costs them less.
    """
    items = tuple(items)
    shipping = shipping or ShippingRate(rules.shipping_flat_rate, rules.free_shipping_threshold,
                                        rules.shipping_method)
    if offers is None or not offers.rules or not items:
        return _totals(items, rules, shipping, None)
    engine_lines = [EngineLine(i.variant_id, i.product_id, i.category_ids, i.quantity, i.unit_price)
                    for i in items]
    items_subtotal = sum(item.unit_price * item.quantity for item in items)
    free_method = shipping.rate == 0  # pick-up: no free-shipping offer has anything to say about it
    first = evaluate(engine_lines, offers.shopper, offers.now, offers.rules, shipping=0, method=shipping.method,
                     method_is_free=free_method)
    best = _totals(items, rules, shipping, first, offers.rules)
    charge, _ = shipping_for(items_subtotal - first.items_discount, True, shipping)
    if charge:
        second = _totals(items, rules, shipping,
                         evaluate(engine_lines, offers.shopper, offers.now, offers.rules, shipping=charge,
                                  method=shipping.method, method_is_free=free_method), offers.rules)
        if second.total < best.total:
            best = second
    return best


def _waive_only(outcome: Outcome, waived: int) -> Outcome:
    """The outcome when the shop's own threshold already made shipping (partly) free: free-shipping
    offers keep only what they really took off, and one that took nothing is not applied (so it
    holds no redemption and uses no cap)."""
    applied, verdicts = [], {v.offer_id: v for v in outcome.verdicts}
    left = waived
    for offer in outcome.applied:
        shipping_off = min(offer.shipping_discount, left)
        left -= shipping_off
        if offer.items_discount or shipping_off:
            applied.append(replace(offer, shipping_discount=shipping_off))
        else:
            verdicts[offer.offer_id] = Verdict(offer.offer_id, Reason.NOTHING_OFF)
    return Outcome(tuple(applied), tuple(verdicts[v.offer_id] for v in outcome.verdicts),
                   outcome.line_discounts, waived)


def nearest_free_shipping(shop_remaining: int | None, shipping: ShippingRate, outcome: Outcome | None,
                          offer_rules: Iterable[OfferRule]) -> tuple[int | None, int | None]:
    """(threshold, amount still to add) of the nearest free shipping for a cart that does not ship
    free yet: the shop's own threshold, or a free-shipping offer for this delivery that the shopper
    qualifies for but for its minimum subtotal. (None, None) when nothing would make it free."""
    options = [(shop_remaining, shipping.free_from)] if shop_remaining is not None else []
    if outcome is not None:
        for rule in offer_rules:
            verdict = outcome.verdict(rule.id)
            if rule.benefit == "free_shipping" and verdict is not None and verdict.reason == Reason.MIN_SUBTOTAL:
                options.append((verdict.missing, rule.min_subtotal))
    remaining, threshold = min(options, default=(None, None))
    return threshold, remaining


def _totals(items: tuple[LineItem, ...], rules: PricingRules, shipping: ShippingRate,
            outcome: Outcome | None, offer_rules: Iterable[OfferRule] = ()) -> Totals:
    line_discounts = outcome.line_discounts if outcome is not None else (0,) * len(items)
    priced = tuple(
        PricedLine(item.variant_id, item.quantity, item.unit_price,
                   subtotal=item.unit_price * item.quantity, discount=discount,
                   total=item.unit_price * item.quantity - discount)
        for item, discount in zip(items, line_discounts)
    )
    items_subtotal = sum(line.subtotal for line in priced)
    discount = sum(line.discount for line in priced)
    shipping_cost, remaining = shipping_for(items_subtotal - discount, bool(priced), shipping)
    shipping_discount = min(outcome.shipping_discount, shipping_cost) if outcome is not None else 0
    if outcome is not None and shipping_discount != outcome.shipping_discount:
        outcome = _waive_only(outcome, shipping_discount)
    shipping_cost -= shipping_discount
    free_from = None
    if priced and shipping.rate and not shipping_cost:
        remaining = 0
    elif priced:
        free_from, remaining = nearest_free_shipping(remaining, shipping, outcome, offer_rules)
    taxable = items_subtotal - discount + shipping_cost
    tax = compute_tax(taxable, rules)
    total = taxable if rules.prices_include_tax else taxable + tax
    return Totals(rules.currency, priced, items_subtotal, discount, shipping_cost, tax,
                  rules.prices_include_tax, total, remaining, shipping_discount, outcome,
                  free_shipping_from=free_from)
