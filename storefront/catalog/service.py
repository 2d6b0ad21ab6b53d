"""Catalog use cases: browsing queries and the upkeep of derived columns."""
from __future__ import annotations

from .models import Product


def refresh_price_min(product: Product) -> None:
    """Keep `Product.price_min` equal to its lowest variant price (the category sort key)."""
    product.price_min = min((v.price for v in product.variants), default=0)
