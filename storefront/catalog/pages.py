"""What the storefront pages need beyond `browse`: the home page's sale shelf, stock states and
the option values a shopper picks from.

Like `browse`, every query here runs a fixed number of statements whatever the catalog's size.
Nothing here computes what a shopper pays; that is `cart.pricing`'s job.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa

from ..i18n import gettext as _
from ..i18n import ngettext
from .browse import SORTS, ProductCard, cards_of, run_cards
from .models import Product, Variant

# At or below this many units, the product page says "Only N left" instead of "In stock":
# scarcity is worth telling, but only when it is real.
LOW_STOCK_THRESHOLD = 5
# Page numbers beyond this are treated as the last reachable page; it keeps OFFSET within what
# every database accepts (a huge ?page= must not become an integer overflow and a 500).
MAX_PAGE = 10_000


@cache
def _on_sale_statement():
    # Exactly the predicate of the partial index ix_variants_on_sale, so only sale variants are read.
    discounted = sa.select(Variant.product_id).where(Variant.compare_at_price > Variant.price)
    order = SORTS["newest"]
    return cards_of(sa.select(Product.id).where(Product.active.is_(True), Product.id.in_(discounted))
                    .order_by(*order).limit(sa.bindparam("limit", type_=sa.Integer)), order)


def on_sale_products(limit: int = 4) -> list[ProductCard]:
    """Active products with at least one variant below its compare-at price, newest first, as cards."""
    return run_cards(_on_sale_statement(), {"limit": limit})


def parse_page(raw: str | None) -> int:
    """A page number from the query string; anything that is not a sensible number is page 1."""
    try:
        value = int(str(raw).strip()) if raw is not None else 1
    except ValueError:
        return 1
    return min(max(1, value), MAX_PAGE)


@dataclass(frozen=True)
class StockState:
    """What the shopper is told about a variant's availability."""

    code: str  # "in_stock", "low" or "sold_out"
    quantity: int

    @property
    def available(self) -> bool:
        return self.code != "sold_out"

    @property
    def label(self) -> str:
        if self.code == "sold_out":
            return _("Sold out")
        if self.code == "low":
            return ngettext("Only %(num)d left", "Only %(num)d left", self.quantity)
        return _("In stock")

    @property
    def schema_availability(self) -> str:
        return "https://schema.org/InStock" if self.available else "https://schema.org/OutOfStock"


def stock_state(quantity: int) -> StockState:
    if quantity <= 0:
        return StockState("sold_out", 0)
    if quantity <= LOW_STOCK_THRESHOLD:
        return StockState("low", quantity)
    return StockState("in_stock", quantity)


@dataclass(frozen=True)
class OptionChoice:
    """One option the shopper picks ("Colour"), with its values; names and labels as the page's
    language says them, values as stored (what the variants and the cart match on)."""

    name: str
    label: str
    values: list[tuple[str, str]]  # (value, label)


def option_values(product: Product) -> list[OptionChoice]:
    """Each option with its values in the order the variants list them (S, M, L …)."""
    result = []
    for name in product.option_names or []:
        values: list[str] = []
        for variant in product.variants:
            value = (variant.options or {}).get(name)
            if value is not None and str(value) not in values:
                values.append(str(value))
        if values:
            result.append(OptionChoice(name, _(product.option_label(name)),
                                       [(value, product.option_value_label(name, value)) for value in values]))
    return result


def default_variant(product: Product, requested_id=None) -> Variant | None:
    """The variant shown first: the one asked for (``?variant=``), else the first in stock."""
    try:
        wanted = int(requested_id) if requested_id not in (None, "") else None
    except (TypeError, ValueError):
        wanted = None
    by_id = {v.id: v for v in product.variants}
    if wanted in by_id:
        return by_id[wanted]
    return next((v for v in product.variants if v.stock > 0), product.variants[0] if product.variants else None)


def variant_image(variant: Variant | None, product: Product):
    """The picture for a variant: its own image, else the product's first."""
    if variant is not None and variant.image is not None:
        return variant.image
    return product.main_image
