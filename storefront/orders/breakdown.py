"""An order's money as the checkout's review page showed it, built once for every page and mail
that shows an order: the tracking page, the order e-mails and the back office.

The review showed each line at its list price, the items subtotal, the offers' discount, shipping
before a free-shipping offer ("Free" when there was nothing to charge) and what the offer took off
it, the tax (added to the total, or the VAT inside it), the total, and the offers by name. The order
keeps those figures (its lines' list prices, its `OrderDiscount`s); this puts them in that shape,
so every rendering shows the same rows and they add up:

    sum(line amounts) = items_subtotal
    items_subtotal - discount + shipping - shipping_discount (+ tax when added) = total
    sum(offer amounts) = discount + shipping_discount
    total - refunded = paid_after_refunds

After a refund the total stays what was charged, and the breakdown adds what came back and what the
shopper paid in the end. (The VAT shown stays the VAT inside the total charged.)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..catalog.models import Variant
from ..catalog.translations import content_language, shop_languages
from ..delivery import shipping_method_names
from ..extensions import db
from .models import Order


@dataclass(frozen=True)
class BreakdownLine:
    """One line at its list price, before any offer (the offers are shown below the lines)."""

    id: int
    product_id: int | None
    title: str
    variant_label: str
    sku: str
    quantity: int
    unit_price: int
    amount: int


@dataclass(frozen=True)
class NamedDiscount:
    """An offer the order got and all it took off (items and shipping), as the review listed it,
    named in the reader's language."""

    name: str
    amount: int


@dataclass(frozen=True)
class OrderBreakdown:
    currency: str
    lines: tuple[BreakdownLine, ...]
    items_subtotal: int
    discount: int           # off the items
    shipping: int           # the delivery charge before any free-shipping offer
    shipping_discount: int  # what a free-shipping offer took off it
    tax: int
    tax_included: bool      # the tax is inside the total (shown beside it), else added before it
    total: int
    offers: tuple[NamedDiscount, ...]
    refunded: int
    # How the order is delivered, named in the reader's language ("Pick up at our Riga studio"),
    # also for a method the shop has stopped offering since.
    delivery: Any = ""

    @property
    def paid_after_refunds(self) -> int:
        """What the shopper paid in the end: the total charged less every refund."""
        return self.total - self.refunded

    @property
    def shipping_free(self) -> bool:
        """Nothing to charge for delivery (pickup, the shop's threshold): the review said "Free"."""
        return self.shipping == 0


def _names_in_language(order: Order) -> dict[int, tuple[str, str]]:
    """Each line's product title and option values in the reader's language (the page's, or the
    e-mail's under `force_locale`), by line id, for the lines whose variant still exists. In the
    default language the order's own words stand: they are what the shopper bought, even if the
    product was renamed since. One query, whatever the number of lines."""
    language = content_language()
    variant_ids = [line.variant_id for line in order.lines if line.variant_id is not None]
    if not variant_ids or language in (None, shop_languages()[0]):
        return {}
    variants = db.session.scalars(sa.select(Variant).where(Variant.id.in_(variant_ids))
                                  .options(so.joinedload(Variant.product))).all()
    by_id = {variant.id: variant for variant in variants}
    names = {}
    for line in order.lines:
        variant = by_id.get(line.variant_id)
        if variant is not None and variant.product.translations.get(language):
            names[line.id] = (variant.product.localized("title", language),
                              variant.localized_label(language) if line.variant_label else "")
    return names


def line_names(order: Order) -> dict[int, tuple[str, str]]:
    """Each line's (title, option values) in the reader's language, by line id, as the breakdown
    names them: the pages and e-mails that list an order's lines without its figures (asking for a
    review) name them alike."""
    names = _names_in_language(order)
    return {line.id: names.get(line.id, (line.title, line.variant_label)) for line in order.lines}


def order_breakdown(order: Order, *, refunded: int | None = None) -> OrderBreakdown:
    """The breakdown of `order` (its lines and discounts loaded, or loaded here), its lines named in
    the reader's language. `refunded` is what had been refunded at the moment the reader is told
    about (a refund notice tells of one refund, and later ones have their own); by default all the
    order records."""
    names = _names_in_language(order)
    lines = tuple(
        BreakdownLine(line.id, line.product_id, *names.get(line.id, (line.title, line.variant_label)), line.sku,
                      line.quantity, line.unit_price, line.unit_price * line.quantity)
        for line in order.lines)
    return OrderBreakdown(
        currency=order.currency, lines=lines, items_subtotal=order.items_subtotal, discount=order.discount,
        shipping=order.shipping + order.shipping_discount, shipping_discount=order.shipping_discount,
        tax=order.tax, tax_included=order.tax_included, total=order.total,
        offers=tuple(NamedDiscount(d.localized("name"), d.amount) for d in order.discounts if d.amount),
        refunded=order.amount_refunded if refunded is None else refunded,
        delivery=shipping_method_names().get(order.shipping_method, ""))
