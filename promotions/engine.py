"""The engine: which offers a cart gets, line by line, and why the others did not apply.

`evaluate(lines, shopper, now, offers, shipping)` is a pure function: no database, no request,
no clock but `now`. The same inputs always give the same result. `cart.pricing.price_cart` calls
it between the items subtotal and shipping; it is the only place where prices change.

Rules, in the order they are applied:

1. **Eligibility.** An offer applies only when it is live at `now` (`liveness.is_live`:
   scheduled, ``starts_at <= now < ends_at``), not used up (total cap reached, or this
   customer's cap), the shopper is in its audience, its target items are in the cart, and the
   cart meets its minimum subtotal (the items subtotal at list prices) and minimum quantity
   (units of its target items). Every offer gets a `Verdict` saying which condition failed,
   with what is missing.
2. **Amount of one offer**, on what is left of each line after the offers applied before it:
   - percent: ``round_half_up(base * percent / 100)``, where base is the targeted lines' remaining
     amount — one rounding, on the offer's total, never per line;
   - fixed: ``min(amount, base)``, once per order;
   - buy X get Y: of every X+Y targeted units (cheapest last), the Y cheapest are free;
   - free shipping: the shipping charge of the delivery methods the offer covers (standard by
     default); nothing off the items, nothing off another method.
3. **Spread over lines.** An offer's item discount is split over its target lines in proportion
   to their remaining amounts by the largest-remainder method (ties to the earlier line), so the
   shares are whole minor units, add up to the offer's discount exactly, and never exceed a line's
   remaining amount: a line's total never goes below zero, and refunding one line refunds exactly
   its share. Buy-X-get-Y puts each free unit's price on the line it belongs to.
4. **Combination.** Combinable offers all apply: first the offers on items (buy X get Y, and
   any offer on chosen products or categories), then the offers on the whole order, each group
   highest priority first (then lower id). An order's discount is so taken off what the item
   offers left, as a receipt lists them: a hat made free by 3-for-2 is not discounted again by
   €10 off the order, which would give the shopper less. An exclusive offer applies alone. The shopper gets whichever of these gives the larger discount
   (items plus shipping); on a tie, the combination whose best offer has the higher priority.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .liveness import OfferState, OfferStatus, has_ended, status_at


# --- inputs ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class EngineLine:
    variant_id: int
    product_id: int
    # The product's category and every ancestor of it.
    category_ids: frozenset[int]
    quantity: int
    unit_price: int


@dataclass(frozen=True)
class Shopper:
    """What the shop has verified about the shopper. Nothing here comes from a client's claim."""

    # The verified launch of this visit: (platform, page_id), or None for a direct visit.
    launch: tuple[str, str] | None = None
    # Signed in with the platform (the verified launch names the user).
    member: bool = False
    # Offer ids whose code the shopper entered and the shop accepted (see `service.check_code`).
    code_offer_ids: frozenset[int] = frozenset()
    # True: no earlier paid order for this e-mail; False: there is one; None: e-mail not known yet.
    first_order: bool | None = None
    # Offer ids this customer has already used up (per-customer cap), where the customer is known.
    used_up_offer_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class OfferRule:
    """An offer as the engine sees it (a snapshot of `models.Offer`)."""

    id: int
    name: str
    benefit: str                        # models.Benefit values
    starts_at: dt.datetime
    ends_at: dt.datetime
    percent: int | None = None
    amount: int | None = None
    buy_qty: int | None = None
    get_qty: int | None = None
    target: str = "order"               # models.Target values
    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    min_subtotal: int | None = None
    min_quantity: int | None = None
    audience: str = "everyone"          # models.Audience values
    # (platform, page_id) pairs whose tab visitors qualify; empty: any verified launch.
    audience_pages: frozenset[tuple[str, str]] = frozenset()
    exclusive: bool = False
    priority: int = 0
    # The stored state (`liveness.OfferState` values); the marketer's preview gives a draft as scheduled.
    state: str = OfferState.SCHEDULED
    # The total cap is reached (every redemption is held or confirmed).
    sold_out: bool = False
    # Free shipping: the delivery methods (`storefront.delivery.DELIVERY_METHODS` codes) it makes free.
    shipping_methods: frozenset[str] = frozenset({"standard"})
    # The per-customer cap as redemptions count it (`service.customer_cap`: a first-order offer's
    # is 1), so that pricing a shopper needs no query for it.
    cap_per_customer: int | None = None

    @property
    def capped_per_customer(self) -> bool:
        """A shopper who used it up no longer gets it: it is no promise to everyone."""
        return bool(self.cap_per_customer)


# --- outputs --------------------------------------------------------------------------------

class Reason:
    """Why an offer did or did not apply (a code; `Verdict.missing` carries the figure)."""

    APPLIED = "applied"
    NOT_STARTED = "not_started"
    ENDED = "ended"
    SOLD_OUT = "sold_out"
    USED_UP = "used_up"                  # this customer reached the per-customer cap
    TAB_ONLY = "tab_only"                # for shoppers who came from the brand's page
    CODE_ONLY = "code_only"              # for holders of the offer's code
    MEMBERS_ONLY = "members_only"        # for shoppers signed in with the platform
    FIRST_ORDER_ONLY = "first_order_only"
    FIRST_ORDER_UNKNOWN = "first_order_unknown"  # decided when the e-mail is known
    NO_TARGET_ITEMS = "no_target_items"
    OTHER_DELIVERY = "other_delivery"    # free shipping for other delivery methods than the one chosen
    MIN_SUBTOTAL = "min_subtotal"        # missing = minor units to add
    MIN_QUANTITY = "min_quantity"        # missing = units to add
    NOTHING_OFF = "nothing_off"          # eligible, but nothing left to take off (e.g. free shipping already)
    NOT_COMBINED = "not_combined"        # another offer (or combination) gives the shopper more


@dataclass(frozen=True)
class Verdict:
    offer_id: int
    reason: str
    missing: int | None = None

    @property
    def applied(self) -> bool:
        return self.reason == Reason.APPLIED


@dataclass(frozen=True)
class AppliedOffer:
    offer_id: int
    name: str
    # Its share on each input line, in the input order; sums to `items_discount` exactly.
    line_shares: tuple[int, ...]
    items_discount: int
    shipping_discount: int

    @property
    def discount(self) -> int:
        return self.items_discount + self.shipping_discount


@dataclass(frozen=True)
class Outcome:
    applied: tuple[AppliedOffer, ...]
    verdicts: tuple[Verdict, ...]
    # Per input line, the sum of every applied offer's share.
    line_discounts: tuple[int, ...]
    shipping_discount: int
    items_discount: int = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "items_discount", sum(self.line_discounts))

    @property
    def discount(self) -> int:
        return self.items_discount + self.shipping_discount

    def verdict(self, offer_id: int) -> Verdict | None:
        return next((v for v in self.verdicts if v.offer_id == offer_id), None)


NO_OFFERS = Outcome((), (), (), 0)


# --- the function ---------------------------------------------------------------------------

def evaluate(lines: Sequence[EngineLine], shopper: Shopper, now: dt.datetime,
             offers: Sequence[OfferRule], shipping: int = 0, method: str = "standard",
             method_is_free: bool = False) -> Outcome:
    """The discounts `offers` give this cart and shopper at `now`; `shipping` is the charge
    before offers for the delivery `method` chosen (the cart estimates with standard delivery),
    `method_is_free` when that method never costs anything (pick-up at the studio).
    See the module documentation for the rules."""
    lines = tuple(lines)
    if not offers:
        return Outcome((), (), tuple(0 for _ in lines), 0)
    ordered = sorted(offers, key=lambda o: (-o.priority, o.id))
    verdicts: dict[int, Verdict] = {}
    eligible: list[OfferRule] = []
    subtotal = sum(line.unit_price * line.quantity for line in lines)
    for offer in ordered:
        verdict = _eligibility(offer, lines, shopper, now, subtotal, method, method_is_free)
        if verdict is None:
            eligible.append(offer)
        else:
            verdicts[offer.id] = verdict

    # The candidates: every combinable offer together, and each exclusive offer alone.
    candidates: list[tuple[OfferRule, ...]] = []
    combinable = tuple(o for o in eligible if not o.exclusive)
    if combinable:
        candidates.append(combinable)
    candidates.extend((o,) for o in eligible if o.exclusive)
    best: tuple[AppliedOffer, ...] = ()
    best_key: tuple | None = None
    chosen: tuple[OfferRule, ...] = ()
    for candidate in candidates:
        applied = _apply_all(candidate, lines, shipping)
        total = sum(a.discount for a in applied)
        if total <= 0:
            continue
        top = candidate[0]
        key = (total, top.priority, -top.id)
        if best_key is None or key > best_key:
            best, best_key, chosen = applied, key, candidate

    applied_ids = {a.offer_id for a in best if a.discount > 0}
    best = tuple(a for a in best if a.discount > 0)
    for offer in eligible:
        if offer.id in applied_ids:
            verdicts[offer.id] = Verdict(offer.id, Reason.APPLIED)
        elif offer not in chosen and sum(a.discount for a in _apply_all((offer,), lines, shipping)) > 0:
            # It would give something alone: the shopper has a better deal without it.
            verdicts[offer.id] = Verdict(offer.id, Reason.NOT_COMBINED)
        else:
            # Applied with the others, or alone, it takes nothing off (e.g. shipping already free).
            verdicts[offer.id] = Verdict(offer.id, Reason.NOTHING_OFF)
    line_discounts = tuple(sum(a.line_shares[i] for a in best) for i in range(len(lines)))
    return Outcome(
        applied=best,
        verdicts=tuple(verdicts[o.id] for o in ordered),
        line_discounts=line_discounts,
        shipping_discount=sum(a.shipping_discount for a in best),
    )


def not_live_reason(status: OfferStatus) -> str:
    """Why an offer that is not live (`liveness.status_at`) gives nothing: ended or not started."""
    return Reason.ENDED if has_ended(status) else Reason.NOT_STARTED


def targets(offer: OfferRule, line: EngineLine) -> bool:
    if offer.target == "products":
        return line.product_id in offer.product_ids
    if offer.target == "categories":
        return bool(line.category_ids & offer.category_ids)
    return True


def in_audience(offer: OfferRule, shopper: Shopper) -> str | None:
    """None when the shopper belongs to the offer's audience, else the reason they do not."""
    if offer.audience == "tab_visitors":
        if shopper.launch is None or (offer.audience_pages and shopper.launch not in offer.audience_pages):
            return Reason.TAB_ONLY
    elif offer.audience == "code_holders":
        if offer.id not in shopper.code_offer_ids:
            return Reason.CODE_ONLY
    elif offer.audience == "members":
        if not shopper.member:
            return Reason.MEMBERS_ONLY
    elif offer.audience == "first_order":
        if shopper.first_order is None:
            return Reason.FIRST_ORDER_UNKNOWN
        if not shopper.first_order:
            return Reason.FIRST_ORDER_ONLY
    return None


def covers(offer: OfferRule, method: str) -> bool:
    """Whether the offer takes anything off delivery by `method` (only free shipping does, and
    only for the methods the marketer chose)."""
    return offer.benefit == "free_shipping" and method in offer.shipping_methods


def _eligibility(offer: OfferRule, lines: tuple[EngineLine, ...], shopper: Shopper, now: dt.datetime,
                 subtotal: int, method: str, method_is_free: bool = False) -> Verdict | None:
    status = status_at(offer.state, offer.starts_at, offer.ends_at, now)
    if status != OfferStatus.LIVE:
        return Verdict(offer.id, not_live_reason(status))
    audience = in_audience(offer, shopper)
    if audience:
        return Verdict(offer.id, audience)
    if offer.sold_out:
        return Verdict(offer.id, Reason.SOLD_OUT)
    if offer.id in shopper.used_up_offer_ids:
        return Verdict(offer.id, Reason.USED_UP)
    if offer.benefit == "free_shipping" and not covers(offer, method):
        # A delivery that costs nothing (pick-up at the studio) has nothing a free-shipping offer
        # could take off: not "free shipping covers standard delivery only, not the one you chose".
        return Verdict(offer.id, Reason.NOTHING_OFF if method_is_free else Reason.OTHER_DELIVERY)
    target_units = sum(line.quantity for line in lines if targets(offer, line))
    if target_units == 0:
        return Verdict(offer.id, Reason.NO_TARGET_ITEMS)
    if offer.min_subtotal and subtotal < offer.min_subtotal:
        return Verdict(offer.id, Reason.MIN_SUBTOTAL, offer.min_subtotal - subtotal)
    needed = offer.min_quantity or 0
    if offer.benefit == "bxgy":
        needed = max(needed, (offer.buy_qty or 1) + (offer.get_qty or 1))
    if target_units < needed:
        return Verdict(offer.id, Reason.MIN_QUANTITY, needed - target_units)
    return None


def on_items(offer: OfferRule) -> bool:
    """An offer on items (buy X get Y, or chosen products or categories), applied before the
    offers on the whole order."""
    return offer.benefit == "bxgy" or offer.target != "order"


def _apply_all(offers: tuple[OfferRule, ...], lines: tuple[EngineLine, ...], shipping: int
               ) -> tuple[AppliedOffer, ...]:
    """`offers` (highest priority first) applied one after the other: those on items, then those
    on the whole order (a stable sort keeps the priority within each)."""
    remaining = [line.unit_price * line.quantity for line in lines]
    shipping_left = shipping
    applied = []
    for offer in sorted(offers, key=lambda o: not on_items(o)):
        shares, shipping_off = _one_offer(offer, lines, remaining, shipping_left)
        for i, share in enumerate(shares):
            remaining[i] -= share
        shipping_left -= shipping_off
        applied.append(AppliedOffer(offer.id, offer.name, tuple(shares), sum(shares), shipping_off))
    return tuple(applied)


def _one_offer(offer: OfferRule, lines: tuple[EngineLine, ...], remaining: list[int], shipping_left: int
               ) -> tuple[list[int], int]:
    shares = [0] * len(lines)
    if offer.benefit == "free_shipping":
        return shares, shipping_left
    targeted = [i for i, line in enumerate(lines) if targets(offer, line)]
    base = sum(remaining[i] for i in targeted)
    if base <= 0:
        return shares, 0
    if offer.benefit == "bxgy":
        # Every targeted unit counts towards the groups, also one whose line is already free.
        return _buy_x_get_y(offer, lines, remaining, targeted), 0
    if offer.benefit == "percent":
        discount = round_half_up(Decimal(base) * (offer.percent or 0) / 100)
    else:
        discount = offer.amount or 0
    discount = max(0, min(discount, base))
    for i, share in zip(targeted, spread(discount, [remaining[i] for i in targeted])):
        shares[i] = share
    return shares, 0


def _buy_x_get_y(offer: OfferRule, lines: tuple[EngineLine, ...], remaining: list[int],
                 targeted: list[int]) -> list[int]:
    group = (offer.buy_qty or 1) + (offer.get_qty or 1)
    units = sum(lines[i].quantity for i in targeted)
    free = (units // group) * (offer.get_qty or 1)
    shares = [0] * len(lines)
    # The cheapest units are the free ones; each is worth at most what is left of its line.
    for i in sorted(targeted, key=lambda i: (lines[i].unit_price, i)):
        if free <= 0:
            break
        take = min(free, lines[i].quantity)
        shares[i] = min(take * lines[i].unit_price, remaining[i])
        free -= take
    return shares


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def spread(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` (0 ≤ total ≤ sum(weights)) in proportion to `weights` by largest remainder.

    Each share is at most its weight, and the shares add up to `total` exactly.
    """
    whole = sum(weights)
    if whole <= 0 or total <= 0:
        return [0] * len(weights)
    shares = [total * w // whole for w in weights]
    left = total - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in by_remainder[:left]:
        shares[i] += 1
    return shares
