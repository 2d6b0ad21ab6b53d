"""The product a product page shows, kept by each process between requests, its stock read live.

A sale that changes a stock state renders every product page again (the page cache's version),
and each page loaded its product, variants and pictures through the ORM again: the largest single
cost of the page after its template, for rows that had not changed. What a page shows of a
product other than stock changes only when the catalog's editors write a product, a variant or a
picture, which bumps the "products" section (`page_cache.SECTION_TABLES`); a sale's stock
statements do not (`catalog.stock`, `stock_only`).

So each process keeps a plain copy of the product (`KeptProduct`: values, no session behind
them) under that version, and each request reads the variants' stock (one small statement) and
builds the page's `ProductView` from the two. A `ProductView` answers what the mapped `Product`
answers on the page (the same `ProductText`, `VariantText` and `TranslatedText` methods), so the
page, its JSON-LD and its banners take either. Outside GET requests, or with the page cache off,
the page reads the mapped product as before (`browse.get_product`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

import sqlalchemy as sa

from ..extensions import db
from ..page_cache import remembered, remembering
from . import browse
from .models import Product, ProductText, Variant, VariantText
from .translations import PRODUCT_FIELDS, TranslatedText


@dataclass(frozen=True, slots=True, eq=False)
class ImageView:
    id: int
    filename: str
    alt: str
    width: int
    height: int
    position: int


@dataclass(slots=True, eq=False)
class VariantView(VariantText):
    id: int
    product_id: int
    sku: str
    options: dict
    price: int
    compare_at_price: int | None
    position: int
    image_id: int | None
    image: ImageView | None
    stock: int = 0
    product: ProductView | None = None


@dataclass(slots=True, eq=False)
class ProductView(ProductText, TranslatedText):
    id: int
    slug: str
    title: str
    description: str
    brand: str
    category_id: int
    option_names: list
    active: bool
    price_min: int
    created_at: dt.datetime
    updated_at: dt.datetime
    translations: dict
    images: tuple[ImageView, ...] = ()
    variants: list[VariantView] = field(default_factory=list)

    translated_fields = PRODUCT_FIELDS


_PRODUCT_COLUMNS = ("id", "slug", "title", "description", "brand", "category_id", "option_names", "active",
                    "price_min", "created_at", "updated_at", "translations")
_VARIANT_COLUMNS = ("id", "product_id", "sku", "options", "price", "compare_at_price", "position", "image_id")


@dataclass(frozen=True, slots=True)
class KeptProduct:
    """A product's values as a page shows them, stock aside; shared by a process's requests, so
    never changed: each request builds its own `ProductView` (`with_stock`)."""

    columns: dict
    images: tuple[ImageView, ...]
    variants: tuple[dict, ...]

    @classmethod
    def of(cls, product: Product) -> KeptProduct:
        images = tuple(ImageView(i.id, i.filename, i.alt or "", i.width, i.height, i.position) for i in product.images)
        return cls({name: getattr(product, name) for name in _PRODUCT_COLUMNS}, images,
                   tuple({name: getattr(v, name) for name in _VARIANT_COLUMNS} for v in product.variants))

    def with_stock(self, stock: dict[int, int]) -> ProductView:
        product = ProductView(**self.columns, images=self.images)
        images = {image.id: image for image in self.images}
        product.variants = [VariantView(**columns, image=images.get(columns["image_id"]),
                                        stock=stock.get(columns["id"], 0), product=product)
                            for columns in self.variants]
        return product


@cache
def _stock_statement():
    return sa.select(Variant.id, Variant.stock).where(Variant.product_id == sa.bindparam("product_id", type_=sa.Integer))


def _kept(slug: str) -> KeptProduct:
    return KeptProduct.of(browse.get_product(slug))  # ProductNotFound: nothing is kept


def product_for_page(slug: str) -> Product | ProductView:
    """The active product at `slug` with its variants and pictures, as its page shows it: kept by
    this process while no product, variant or picture is written on any node, its stock read
    now. :raise ProductNotFound:"""
    if not remembering():
        return browse.get_product(slug)
    kept = remembered("products", ("page", slug), lambda: _kept(slug))
    stock = dict(db.session.execute(_stock_statement(), {"product_id": kept.columns["id"]}).all())
    return kept.with_stock(stock)
