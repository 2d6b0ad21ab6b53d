"""Meta's checkout address: `/checkout?products=ID%3AQTY%2C...&coupon=CODE` fills the shopper's cart.

Contract (https://developers.facebook.com/docs/commerce-platform/setup-checkout-url): `products`
is a comma-separated list of `ID:QTY`, where ID is the item's `id` in our catalog feed — the
variant's **SKU** (see `social.feed`) — and `coupon` an optional code. Meta checks that the
shopper's checkout shows exactly the cart chosen on Facebook or Instagram, so the link *describes*
the cart: each listed variant's line is set to the quantity asked (never added on top, so opening
the same link twice changes nothing), and lines the link does not list are taken out (and named),
so no forgotten item is charged by surprise.

Anything that cannot be added is explained, never silently dropped: an unknown SKU, a sold-out
variant, not enough stock (what is available is added, and the shopper is told), a bad quantity
(0, negative, above the per-line limit, not a number) or an entry that is not `ID:QTY` at all.
The `coupon` goes through the same path as a code typed in the cart (`promotions.service.
enter_code`): accepted, it prices the cart shown next; refused, the shopper reads why (unknown,
expired, used, another channel's...) and sees the prices without it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext

from promotions.service import CodeRefused, enter_code

from ..cart import service as cart_service
from ..cart import session_cart
from ..database import utcnow
from ..errors import ShopError
from ..money import MAX_PAYMENT

LINK_ARGS = frozenset({"products", "coupon"})
# A Meta cart is a handful of items; a longer list is not a cart anyone chose.
MAX_LINK_ITEMS = 50
MAX_PRODUCTS_PARAM = 4000
SHOWN_ID_LENGTH = 40
COUPON_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


@dataclass
class LinkOutcome:
    """What a checkout link did: messages for the shopper, as (category, text) pairs."""

    added: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def messages(self) -> list[tuple[str, str]]:
        return [("error", text) for text in self.problems] + [("info", text) for text in self.notes]


def _shown(item_id: str) -> str:
    item_id = " ".join(item_id.split())
    return item_id if len(item_id) <= SHOWN_ID_LENGTH else item_id[:SHOWN_ID_LENGTH] + "…"


def parse_products(raw: str, outcome: LinkOutcome) -> dict[str, str]:
    """`"A:2,B:1"` → {"A": "2", "B": "1"}, in order; malformed entries become problems.

    Quantities stay text here: `cart.service.parse_quantity` decides what a good one is. An ID
    listed twice keeps its last quantity (the link describes the cart; it does not add up).
    """
    if len(raw) > MAX_PRODUCTS_PARAM:
        outcome.problems.append(_("The link's product list is too long to read; nothing was added from it."))
        return {}
    entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
    if not entries:
        outcome.problems.append(_("The link did not name any product."))
        return {}
    if len(entries) > MAX_LINK_ITEMS:
        outcome.problems.append(_("The link names more than %(limit)d products; only the first %(limit)d were read.",
                                  limit=MAX_LINK_ITEMS))
        entries = entries[:MAX_LINK_ITEMS]
    wanted: dict[str, str] = {}
    for entry in entries:
        item_id, colon, quantity = entry.rpartition(":")
        item_id = item_id.strip()
        if not colon or not item_id or ":" in item_id or not quantity.strip():
            outcome.problems.append(_("“%(entry)s” is not a product and quantity (expected ID:QUANTITY).",
                                      entry=_shown(entry)))
            continue
        wanted[item_id] = quantity.strip()
    return wanted


def _set_line(variant, quantity: int, lines_by_variant: dict) -> None:
    if variant.id in lines_by_variant:
        session_cart.change_quantity(variant.id, quantity)
    else:
        session_cart.add_to_cart(variant.id, quantity)


def _apply_item(item_id: str, raw_quantity: str, lines_by_variant: dict, outcome: LinkOutcome,
                later: dict[str, tuple[int, str]] | None = None) -> int | None:
    """Set one variant's line; return its id when it is in the cart afterwards. With `later`, an
    item refused only because the cart's other lines would take it past one payment, though it
    fits alone, is put there (item id: variant id and quantity) to be tried again once the lines
    the link leaves out are taken out, and nothing is said of it yet."""
    try:
        variant = cart_service.find_variant(sku=item_id)
    except cart_service.UnknownVariant:
        outcome.problems.append(_("“%(id)s” is not a product we sell (any more).", id=_shown(item_id)))
        return None
    name = f"{variant.product.title} ({variant.label})" if variant.label else variant.product.title
    try:
        quantity = cart_service.parse_quantity(raw_quantity)
    except cart_service.InvalidQuantity as error:
        outcome.problems.append(_("%(name)s was not added: %(reason)s", name=name, reason=error.message))
        return None
    if variant.stock <= 0:
        outcome.problems.append(_("%(name)s is sold out, so it was not added.", name=name))
        return None
    take = min(quantity, variant.stock)
    try:
        _set_line(variant, take, lines_by_variant)
    except cart_service.CartTooLarge as error:
        if later is not None and take * variant.price <= MAX_PAYMENT:
            later[item_id] = (variant.id, raw_quantity)
        else:
            outcome.problems.append(_("%(name)s was not added: %(reason)s", name=name, reason=error.message))
        return None
    except ShopError as error:  # stock taken by another shopper a moment ago, a cart race…
        outcome.problems.append(_("%(name)s was not added: %(reason)s", name=name, reason=error.message))
        return None
    if take < quantity:
        outcome.problems.append(ngettext(
            "Only %(num)d of %(name)s is left, so your cart holds %(num)d instead of %(wanted)d.",
            "Only %(num)d of %(name)s are left, so your cart holds %(num)d instead of %(wanted)d.",
            take, name=name, wanted=quantity))
    outcome.added.append(name)
    return variant.id


def _remove_unlisted(keep: set[int], outcome: LinkOutcome) -> None:
    cart = session_cart.current_cart()
    if cart is None:
        return
    for line in list(cart.lines):
        if line.variant_id not in keep:
            variant = line.variant
            name = f"{variant.product.title} ({variant.label})" if variant.label else variant.product.title
            session_cart.remove(line.variant_id)
            outcome.notes.append(_("%(name)s, which was already in your cart, was taken out: "
                                   "your cart now holds what you chose in the link.", name=name))


def apply_coupon(raw: str | None, outcome: LinkOutcome) -> None:
    """Enter the link's code for this visit, as the cart's code form does; say why if refused."""
    code = (raw or "").strip()
    if not code:
        return
    if not COUPON_PATTERN.fullmatch(code):
        outcome.problems.append(_("The code in the link is not a valid code, so it was ignored."))
        return
    try:
        accepted = enter_code(code, now=utcnow())
    except CodeRefused as refused:
        outcome.problems.append(_("The code %(code)s was not applied: %(reason)s",
                                  code=code.upper(), reason=refused.message))
        return
    outcome.notes.append(_("The code %(code)s is applied: %(offer)s.", code=accepted.code, offer=accepted.offer.localized("name")))


def fill_cart_from_link(args) -> LinkOutcome:
    """Make the session's cart what the link describes, and enter its coupon.

    Each cart change commits on its own (cart.service's rule), so a refused item never undoes
    the ones before it. Nothing is raised: every problem is in the returned outcome.
    """
    outcome = LinkOutcome()
    if "products" in args:
        wanted = parse_products(args.get("products", ""), outcome)
        if wanted:
            cart = session_cart.current_cart()
            lines_by_variant = {line.variant_id: line for line in cart.lines} if cart else {}
            later: dict[str, tuple[int, str]] = {}
            kept = {variant_id for item_id, quantity in wanted.items()
                    if (variant_id := _apply_item(item_id, quantity, lines_by_variant, outcome, later)) is not None}
            if kept or later:  # a link whose every item failed leaves the shopper's own cart alone
                _remove_unlisted(kept | {variant_id for variant_id, _quantity in later.values()}, outcome)
            if later:
                # Items refused only for lines the link takes out: the cart the link asks for is
                # what must stay within one payment, so they are added once those are gone.
                cart = session_cart.current_cart()
                lines_by_variant = {line.variant_id: line for line in cart.lines} if cart else {}
                kept |= {variant_id for item_id, (_id, quantity) in later.items()
                         if (variant_id := _apply_item(item_id, quantity, lines_by_variant, outcome)) is not None}
                _remove_unlisted(kept, outcome)
    apply_coupon(args.get("coupon"), outcome)
    return outcome
