from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..database import UTCDateTime, utcnow
from ..extensions import db
from .translations import (CATEGORY_FIELDS, PRODUCT_FIELDS, Translated, localized_option_name,
                           localized_option_value)


class ProductText:
    """What a product says beyond its columns (its options' words, its pictures' text, its
    variants summed): for the mapped `Product` and for the plain copy a product page keeps
    (`catalog.kept`), from the same attributes."""

    def option_label(self, name: str, language: str | None = None) -> str:
        """An option's name ("Colour") in the language (default: the request's)."""
        return localized_option_name(self.translations, name, language)

    def option_value_label(self, name: str, value, language: str | None = None) -> str:
        """An option's value ("Navy") in the language (default: the request's)."""
        return localized_option_value(self.translations, name, value, language)

    def image_alt(self, image: ProductImage, language: str | None = None) -> str:
        """A picture's text alternative in the language: as written in the default language; in
        another, the product's title and what the variants showing it have in common ("Azul
        marino"), since a picture's own text is kept in the default language only."""
        title = self.localized("title", language)
        if title == self.title:
            return image.alt or title
        shown = [variant.options or {} for variant in self.variants if variant.image_id == image.id]
        common = [name for name in self.option_names or [] if shown and all(
            name in options and options[name] == shown[0][name] for options in shown)]
        values = [self.option_value_label(name, shown[0][name], language) for name in common]
        return " – ".join([title, *values])

    @property
    def total_stock(self) -> int:
        return sum(v.stock for v in self.variants)

    @property
    def price_max(self) -> int:
        return max((v.price for v in self.variants), default=0)

    @property
    def compare_at_max(self) -> int | None:
        values = [v.compare_at_price for v in self.variants if v.compare_at_price]
        return max(values) if values else None

    @property
    def main_image(self) -> ProductImage | None:
        return self.images[0] if self.images else None


class VariantText:
    """What a variant says beyond its columns, for the mapped `Variant` and its plain copy."""

    @property
    def label(self) -> str:
        """The option values as stored (the default language), e.g. "M / Navy"."""
        return " / ".join(str(self.options[name]) for name in self.product.option_names if name in self.options)

    def localized_label(self, language: str | None = None) -> str:
        """The option values in the language (default: the request's), e.g. "M / Azul marino"."""
        product = self.product
        return " / ".join(product.option_value_label(name, self.options[name], language)
                          for name in product.option_names if name in self.options)

    @property
    def on_sale(self) -> bool:
        return bool(self.compare_at_price and self.compare_at_price > self.price)


class Category(Translated, db.Model):
    __tablename__ = "categories"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    parent_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    position: so.Mapped[int] = so.mapped_column(default=0)
    # Active products filed directly under this category, kept by the database's own triggers on
    # `products` (migration 3c1f0b9e7a42) for every insert, delete, move and (de)activation,
    # whoever writes them (the ORM, bulk inserts, imports): a category page adds these up for
    # its "N products" instead of counting 100,000 rows per request. The app never writes it.
    active_product_count: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    translated_fields = CATEGORY_FIELDS

    parent: so.Mapped[Category | None] = so.relationship(remote_side=[id], back_populates="children")
    children: so.Mapped[list[Category]] = so.relationship(back_populates="parent", order_by="Category.position")

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Product(ProductText, Translated, db.Model):
    __tablename__ = "products"
    __table_args__ = (
        # Category pages count and sort within a category's active products: these indexes cover
        # both (measured at 100,000 products: a sorted page 0.2 ms, the count 14 ms on SQLite,
        # against 44 ms and 37 ms through a plain index on `active`, which the planner preferred).
        sa.Index("ix_products_category_price", "category_id", "active", "price_min"),
        sa.Index("ix_products_category_created", "category_id", "active", "created_at"),
        sa.Index("ix_products_category_title", "category_id", "active", "title"),
        sa.Index("ix_products_created", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    brand: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    category_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("categories.id", ondelete="RESTRICT"))
    # Names of the options a shopper picks, in order, e.g. ["Size", "Colour"].
    option_names: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    # Lowest price among the product's variants, kept by catalog.service so that category pages
    # can sort by price with an index instead of aggregating every variant on every request.
    price_min: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    translated_fields = PRODUCT_FIELDS

    category: so.Mapped[Category] = so.relationship()
    variants: so.Mapped[list[Variant]] = so.relationship(
        back_populates="product", order_by="Variant.position, Variant.id", cascade="all, delete-orphan")
    images: so.Mapped[list[ProductImage]] = so.relationship(
        back_populates="product", order_by="ProductImage.position, ProductImage.id", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Product {self.slug}>"


class ProductImage(db.Model):
    __tablename__ = "product_images"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    # Path relative to UPLOAD_FOLDER, served at /media/<filename>.
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    alt: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    width: so.Mapped[int] = so.mapped_column(default=0)
    height: so.Mapped[int] = so.mapped_column(default=0)
    position: so.Mapped[int] = so.mapped_column(default=0)

    product: so.Mapped[Product] = so.relationship(back_populates="images")


class Variant(VariantText, db.Model):
    __tablename__ = "variants"
    __table_args__ = (
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
        sa.CheckConstraint("compare_at_price IS NULL OR compare_at_price >= 0", name="compare_at_not_negative"),
        # The few variants on sale, for the home page's shelf (a partial index stays tiny).
        sa.Index("ix_variants_on_sale", "product_id", sqlite_where=sa.text("compare_at_price > price"),
                 postgresql_where=sa.text("compare_at_price > price")),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    sku: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # Option values keyed by the product's option names, e.g. {"Size": "M", "Colour": "Navy"}.
    options: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    price: so.Mapped[int] = so.mapped_column()
    compare_at_price: so.Mapped[int | None] = so.mapped_column()
    stock: so.Mapped[int] = so.mapped_column(default=0)
    position: so.Mapped[int] = so.mapped_column(default=0)
    image_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("product_images.id", ondelete="SET NULL"))

    product: so.Mapped[Product] = so.relationship(back_populates="variants")
    image: so.Mapped[ProductImage | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<Variant {self.sku}>"
