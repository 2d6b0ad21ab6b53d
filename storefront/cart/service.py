"""Cart use cases shared by the pages and the JSON API, so both follow the same rules.

Each function that changes a cart is one `write_transaction`: it commits, or on refusal writes
nothing. Quantities are validated here (whole numbers from 1 to the per-line limit, never above
the variant's stock); prices always come from the catalog, never from the request, and
`line_items` is how every priced cart (this page's, the checkout's) sees its lines.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy.exc import IntegrityError

from promotions.messages import OfferNote, summary_notes
from promotions.notices import LostOffer, lost_offers
from promotions.service import PricingContext, category_ancestry

from ..catalog.models import Product, Variant
from ..database import utcnow, write_transaction
from ..errors import ConflictError, NotFoundError, ShopError
from ..extensions import db
from ..money import MAX_PAYMENT, format_money
from .models import Cart, CartLine
from .pricing import LineItem, Offers, PricingRules, Totals, price_cart


class InvalidQuantity(ShopError):
    code = "invalid_quantity"
    default_message = _l("Please enter a whole number of at least 1.")

    def __init__(self, message=None, **details):
        super().__init__(message, field="quantity", **details)


class CartTooLarge(InvalidQuantity):
    """The line would take the cart past what one payment can take (`money.MAX_PAYMENT`)."""

    def __init__(self):
        super().__init__(_l("A cart can come to at most %(amount)s, the most one payment can take. "
                            "Please choose fewer.", amount=format_money(MAX_PAYMENT)))


class UnknownVariant(NotFoundError):
    code = "unknown_variant"
    default_message = _l("That product or option is not available.")


class CartNotFound(NotFoundError):
    code = "cart_not_found"
    default_message = _l("That cart does not exist or has expired.")


class InsufficientStock(ConflictError):
    code = "insufficient_stock"

    def __init__(self, available: int, *, field: str = "quantity"):
        if available <= 0:
            message = _l("Sorry, this item is sold out.")
        else:
            message = lazy_ngettext("Only %(num)d left in stock.", "Only %(num)d left in stock.", available)
        super().__init__(message, field=field, available=available)


MAX_QUANTITY_DIGITS = 6


def parse_quantity(raw) -> int:
    """Turn a submitted quantity into an int of at least 1 and at most the per-line limit.

    Accepts ints and strings of digits; refuses bools, fractions, words and huge numbers.
    :raise InvalidQuantity: with a message the shopper can act on.
    """
    if isinstance(raw, bool) or raw is None:
        raise InvalidQuantity()
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip()
        if len(text) > MAX_QUANTITY_DIGITS + 1:
            raise InvalidQuantity(_l("That quantity is too large."))
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise InvalidQuantity() from None
        if not number.is_finite() or number != number.to_integral_value():
            raise InvalidQuantity()
        value = int(number)
    if value < 1:
        raise InvalidQuantity()
    limit = current_app.config["MAX_LINE_QUANTITY"]
    if value > limit:
        raise InvalidQuantity(_l("You can buy at most %(limit)d of one item.", limit=limit))
    return value


def pricing_rules() -> PricingRules:
    return PricingRules.from_config(current_app.config)


def create_cart() -> Cart:
    """A new, empty cart (the API's; the pages create theirs with the first line, `add_item`)."""
    with write_transaction():
        cart = Cart()
        db.session.add(cart)
    return cart


def get_cart(token: str | None) -> Cart:
    """:raise CartNotFound: when no cart has this token."""
    cart = db.session.scalar(sa.select(Cart).where(Cart.token == token)) if token else None
    if cart is None:
        raise CartNotFound()
    return cart


def find_variant(*, variant_id=None, sku: str | None = None) -> Variant:
    """A variant of an active product, by id or SKU. :raise UnknownVariant: otherwise."""
    query = sa.select(Variant).join(Variant.product).where(Product.active.is_(True))
    if sku:
        query = query.where(Variant.sku == str(sku).strip())
        field = "sku"
    else:
        query = query.where(Variant.id == _as_id(variant_id))
        field = "variant_id"
    variant = db.session.scalar(query)
    if variant is None:
        raise UnknownVariant(field=field)
    return variant


def _line_for(cart: Cart, variant_id: int) -> CartLine | None:
    return next((line for line in cart.lines if line.variant_id == variant_id), None)


def _check_stock(variant: Variant, quantity: int) -> None:
    if quantity > variant.stock:
        raise InsufficientStock(variant.stock)


def _check_total(cart: Cart, variant: Variant, quantity: int) -> None:
    """A cart stays within what one payment can take (`money.MAX_PAYMENT`), at list price: a
    cart no order could be paid for is refused at the line that would pass it, not at checkout.
    :raise CartTooLarge:"""
    total = quantity * variant.price
    others = [line.variant_id for line in cart.lines if line.variant_id != variant.id]
    if others and total <= MAX_PAYMENT:
        # In BIGINT: a line whose price was raised after it was added can pass an INTEGER's end.
        line_total = sa.cast(CartLine.quantity, sa.BigInteger) * Variant.price
        total += db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(line_total), 0)).select_from(CartLine)
            .join(Variant, Variant.id == CartLine.variant_id)
            .where(CartLine.cart_id == cart.id, CartLine.variant_id.in_(others)))
    if total > MAX_PAYMENT:
        raise CartTooLarge()


def add_item(cart: Cart | None, variant: Variant, quantity: int) -> CartLine:
    """Add `quantity` of a variant, merging with a line already in the cart.

    Without a cart (`None`), a new one is created with this line, in the same transaction, so a
    refused add leaves no empty cart behind; it is `line.cart`.
    :raise InsufficientStock: when the line would exceed the stock on hand.
    :raise InvalidQuantity: when the line would exceed the per-line limit.
    :raise ConflictError: when another request added the same variant to the cart at that moment.
    """
    # A first add short of stock, by the stock just read with the variant (this request's moment):
    # refused before a write transaction opens, as a sold-out rush's adds mostly are. A cart that
    # may merge the line is checked inside it, the per-line limit first, as before.
    if cart is None:
        _check_stock(variant, quantity)
    with _cart_write():
        if cart is None or cart.id is None:
            cart = cart or Cart()
            db.session.add(cart)
        line = _line_for(cart, variant.id)
        new_quantity = quantity + (line.quantity if line else 0)
        if new_quantity > current_app.config["MAX_LINE_QUANTITY"]:
            raise InvalidQuantity(_l("You can buy at most %(limit)d of one item.",
                                     limit=current_app.config["MAX_LINE_QUANTITY"]))
        _check_stock(variant, new_quantity)
        _check_total(cart, variant, new_quantity)
        if line is None:
            line = CartLine(cart=cart, variant=variant, quantity=new_quantity)
            db.session.add(line)
        else:
            line.quantity = new_quantity
        cart.updated_at = utcnow()
    return line


def set_quantity(cart: Cart, variant_id, quantity: int) -> CartLine:
    """Set a line's quantity. :raise UnknownVariant: if the line is not in the cart.
    :raise InsufficientStock: above the stock on hand."""
    variant_id = _as_id(variant_id)
    with _cart_write():
        line = _line_for(cart, variant_id)
        if line is None:
            raise UnknownVariant(_l("That item is not in your cart."), field="variant_id")
        _check_stock(line.variant, quantity)
        _check_total(cart, line.variant, quantity)
        line.quantity = quantity
        cart.updated_at = utcnow()
    return line


def remove_line(cart: Cart, variant_id) -> None:
    """Remove a line. :raise UnknownVariant: if it is not in the cart."""
    variant_id = _as_id(variant_id)
    with _cart_write():
        line = _line_for(cart, variant_id)
        if line is None:
            raise UnknownVariant(_l("That item is not in your cart."), field="variant_id")
        cart.lines.remove(line)
        cart.updated_at = utcnow()


MAX_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL; SQLite cannot even bind a larger Python int


def _as_id(value) -> int:
    """:raise UnknownVariant: for anything that is not a possible id."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise UnknownVariant(field="variant_id") from None
    if not 0 < number <= MAX_ID:
        raise UnknownVariant(field="variant_id")
    return number


@contextmanager
def _cart_write() -> Iterator[None]:
    try:
        with write_transaction():
            yield
    except IntegrityError:
        # Two requests added the same variant to the same cart at once; the unique constraint
        # kept one line. Ask the shopper to retry rather than guess which quantity they meant.
        raise ConflictError(_l("Your cart changed in another tab. Please try again.")) from None


@dataclass(frozen=True)
class CartView:
    """A cart ready to show: each line with its variant and product, the totals and any problem."""

    cart: Cart | None
    lines: tuple[tuple[CartLine, object], ...]  # (CartLine, PricedLine)
    totals: Totals
    # Offers the shopper had that no longer apply, each with why (`promotions.notices`).
    lost: tuple[LostOffer, ...] = ()
    # Words about the offers in play (`promotions.messages.summary_notes`).
    notes: tuple[OfferNote, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.lines


def load_cart_view(cart: Cart | None, pricing=None, seen=()) -> CartView:
    """Price a cart at current catalog prices, loading all its lines in one query, with the
    offers of `pricing` (a `promotions.service.PricingContext`; none without it). `seen`: the
    offers applied on the shopper's earlier pages, whose loss since is explained."""
    lines: list[CartLine] = []
    if cart is not None:
        lines = list(db.session.scalars(
            sa.select(CartLine).where(CartLine.cart_id == cart.id).order_by(CartLine.id)
            .options(so.joinedload(CartLine.variant).joinedload(Variant.product).selectinload(Product.images),
                     so.joinedload(CartLine.variant).joinedload(Variant.image))
        ).unique())
    totals = price_cart(line_items(lines) if lines else (), pricing_rules(), offers=offers_for(pricing))
    if not lines or pricing is None:
        return CartView(cart, tuple(zip(lines, totals.lines)), totals)
    lost = lost_for(totals, pricing, seen)
    return CartView(cart, tuple(zip(lines, totals.lines)), totals, lost,
                    tuple(summary_notes(totals.offers, pricing.offers, lost)))


def lost_for(totals: Totals, pricing: PricingContext | None, seen=()) -> tuple[LostOffer, ...]:
    """The offers this shopper had (entered code, `seen` applied) that `totals` no longer applies."""
    if pricing is None:
        return ()
    return tuple(lost_offers(totals.offers, pricing.offers, seen=seen, code=pricing.code,
                             customer_keys=pricing.customer_keys, now=pricing.now))


def line_items(lines: list[CartLine]) -> list[LineItem]:
    """The cart's lines as the pricing sees them: list price, product and categories (for offers)."""
    ancestry = category_ancestry()
    return [LineItem(line.variant_id, line.quantity, line.variant.price, line.variant.product_id,
                     ancestry.get(line.variant.product.category_id, frozenset()))
            for line in lines]


def offers_for(pricing: PricingContext | None) -> Offers | None:
    """What `price_cart` needs of a shopper's pricing context: its offers, shopper and time."""
    return Offers(pricing.offers, pricing.shopper, pricing.now) if pricing is not None else None
