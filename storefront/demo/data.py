"""Loading the demo shop: categories, products with variants and pictures, and staff accounts.

`load_demo()` is idempotent: whatever already exists (a category or product by slug, a variant by
SKU, a user by e-mail, a picture by file name) is left exactly as it is, so running it twice
changes nothing and never overwrites what a shop owner has edited since.
"""
from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..accounts.service import create_user
from ..catalog.models import Category, Product, ProductImage, Variant
from ..catalog.service import refresh_price_min
from ..database import utcnow, write_transaction
from ..extensions import db
from ..storage import Storage, storage
from . import images
from .content import BRAND, CATEGORIES, COLOURS, PRODUCTS, STAFF, ProductSpec
from .legal import load_legal_pages
from .offers import load_offers
from .translated import category_translations, product_translations
from .reviews import load_reviews
from .sales import DAYS, load_sales

IMAGE_FOLDER = "demo"  # in the shop's store (storefront.storage)
LOGIN_PATH = "/account/login"


@dataclass
class LoadReport:
    categories: int = 0
    products: int = 0
    variants: int = 0
    images_drawn: int = 0
    offers: int = 0
    reviews: int = 0
    questions: int = 0
    orders: int = 0
    users: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.categories or self.products or self.users or self.images_drawn or self.offers
                    or self.reviews or self.questions or self.orders)


def code(text: str) -> str:
    """An SKU fragment: "Heather Grey" → "HEAT", "36–38" → "36-38", "130 × 170 cm" → "130X170"."""
    text = text.replace("–", "-").replace("×", "X").replace("/", "").upper()
    text = re.sub(r"CM$", "", re.sub(r"[^A-Z0-9-]", "", text))
    return text[:4] if text.isalpha() else text


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def image_name(spec: ProductSpec, colour: str) -> str:
    """The picture's name in the shop's store (always "/", as served at /media/…)."""
    return f"{IMAGE_FOLDER}/{spec.slug}-{slugify(colour)}.jpg"


def variant_rows(spec: ProductSpec) -> list[dict]:
    """The product's variants as Variant fields, in the order a shopper sees them.

    Stock comes from a random generator seeded by the product's slug, so it is the same on every
    machine and every load.
    """
    rng = random.Random(spec.slug)
    rows = []
    colours = spec.colours if spec.colour_option else spec.colours[:1]
    for colour in colours:
        for size in spec.sizes or (None,):
            options = {}
            if size is not None:
                options["Size"] = size
            if spec.colour_option:
                options["Colour"] = colour
            if spec.stock == "sold_out":
                stock = 0
            elif spec.stock == "low":
                stock = rng.randint(1, 3)
            else:
                stock = rng.randint(5, 40)
            if f"{colour}/{size}" in spec.sold_out or (size and size in spec.sold_out):
                stock = 0
            price = spec.size_prices.get(size or "", spec.price)
            compare_at = None
            if spec.compare_at:
                # A sale takes the same share off every size.
                compare_at = round(spec.compare_at * price / spec.price / 100) * 100
            parts = ["ZV", spec.code] + ([code(colour)] if spec.colour_option else []) + ([code(size)] if size else [])
            rows.append({"sku": "-".join(parts), "options": options, "price": price,
                         "compare_at_price": compare_at, "stock": stock, "colour": colour})
    return rows


def _draw_pictures(spec: ProductSpec, store: Storage, studio: images.Studio) -> int:
    """Draw the product's pictures that are not stored yet; return how many were drawn."""
    missing = [c for c in spec.colours if not store.exists(image_name(spec, c))]
    if not missing:
        return 0
    art = studio.art(spec.kind, spec.pattern, spec.backdrop)
    for colour in missing:
        # Each store writes a file whole or not at all: an interrupted load leaves no half picture.
        store.save(image_name(spec, colour), images.encode(art.render(COLOURS[colour])))
    return len(missing)


def _ensure_categories(report: LoadReport) -> dict[str, Category]:
    by_slug = {c.slug: c for c in db.session.scalars(
        sa.select(Category).where(Category.slug.in_([spec.slug for spec in CATEGORIES])))}
    positions: dict[str | None, int] = {}
    for spec in CATEGORIES:
        position = positions[spec.parent] = positions.get(spec.parent, -1) + 1
        if spec.slug in by_slug:
            continue
        category = Category(slug=spec.slug, name=spec.name, description=spec.description,
                            translations=category_translations(spec.slug),
                            parent=by_slug[spec.parent] if spec.parent else None, position=position)
        db.session.add(category)
        by_slug[spec.slug] = category
        report.categories += 1
    return by_slug


def _add_product(spec: ProductSpec, category: Category, now: dt.datetime) -> Product:
    # Spread over the past weeks (at varied hours) so that "newest first" means something.
    created = now - dt.timedelta(days=spec.days_ago, hours=(len(spec.slug) * 7) % 24)
    product = Product(slug=spec.slug, title=spec.title, description=spec.description, brand=BRAND,
                      translations=product_translations(spec.slug, spec.option_names, spec.colours),
                      category=category, option_names=spec.option_names, active=True,
                      created_at=created, updated_at=created)
    pictures = {}
    for position, colour in enumerate(spec.colours if spec.colour_option else spec.colours[:1]):
        alt = f"{spec.title} in {colour.lower()}" if spec.colour_option else spec.title
        pictures[colour] = ProductImage(filename=image_name(spec, colour), alt=alt, width=images.SIZE,
                                        height=images.SIZE, position=position)
        product.images.append(pictures[colour])
    for position, row in enumerate(variant_rows(spec)):
        colour = row.pop("colour")
        product.variants.append(Variant(position=position, image=pictures[colour], **row))
    refresh_price_min(product)
    db.session.add(product)
    return product


def _translate_untranslated(categories: dict[str, Category]) -> None:
    """Give the demo's categories and products loaded before they were translated their Spanish
    and Latvian words. Only rows with no translation at all: what a shop owner wrote stays."""
    for spec in CATEGORIES:
        category = categories[spec.slug]
        if not category.translations:
            category.translations = category_translations(spec.slug)
    untranslated = db.session.scalars(sa.select(Product).where(
        Product.slug.in_([spec.slug for spec in PRODUCTS]))).all()
    specs = {spec.slug: spec for spec in PRODUCTS}
    for product in untranslated:
        if not product.translations:
            spec = specs[product.slug]
            product.translations = product_translations(spec.slug, spec.option_names, spec.colours)


def load_catalog(report: LoadReport, now: dt.datetime) -> None:
    """Add the demo categories and products that are missing, in one write transaction."""
    store = storage()
    # Pictures first, before the write: a product row must never point at a file that is not
    # there, and drawing is slow. A picture left behind by a failed load is reused by the next one.
    studio = images.Studio()
    for spec in PRODUCTS:
        report.images_drawn += _draw_pictures(spec, store, studio)
    all_skus = [row["sku"] for spec in PRODUCTS for row in variant_rows(spec)]
    with write_transaction():
        # What exists is read inside the write, so two loads at once cannot both add a product.
        taken_slugs = set(db.session.scalars(
            sa.select(Product.slug).where(Product.slug.in_([spec.slug for spec in PRODUCTS]))))
        taken_skus = set(db.session.scalars(sa.select(Variant.sku).where(Variant.sku.in_(all_skus))))
        categories = _ensure_categories(report)
        _translate_untranslated(categories)
        for spec in PRODUCTS:
            if spec.slug in taken_slugs:
                continue
            clashes = [row["sku"] for row in variant_rows(spec) if row["sku"] in taken_skus]
            if clashes:
                # Someone sells another product under one of these SKUs: keep theirs, skip the demo's.
                report.skipped.append(f"{spec.title} (SKU {clashes[0]} is already in use)")
                continue
            product = _add_product(spec, categories[spec.category], now)
            report.products += 1
            report.variants += len(product.variants)


def load_staff(report: LoadReport) -> None:
    existing = set(db.session.scalars(sa.select(User.email).where(User.email.in_([e for e, _, _ in STAFF]))))
    for email, role, password in STAFF:
        if email not in existing:
            create_user(email, password, role)  # commits, with its audit entry
            report.users.append(email)


def load_demo(now: dt.datetime | None = None) -> str:
    """Load the demo catalog and staff accounts where missing; return what to tell the operator."""
    report = LoadReport()
    now = now or utcnow()
    load_catalog(report, now)
    report.offers = load_offers(now)
    load_legal_pages(current_app.config["LANGUAGES"], now)
    load_staff(report)
    # Orders are placed through the checkout, which asks the request for the shopper's language.
    with current_app.test_request_context():
        loaded = load_reviews(now)
    report.reviews, report.questions = loaded.reviews, loaded.questions
    report.orders = load_sales(now)
    return describe(report)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def describe(report: LoadReport) -> str:
    total = db.session.scalar(sa.select(sa.func.count(Product.id)).where(Product.slug.in_(
        [spec.slug for spec in PRODUCTS]))) or 0
    lines = []
    if report.changed:
        lines.append(f"Demo data loaded: {_count(report.products, 'product')} "
                     f"({_count(report.variants, 'variant')}), {report.categories} categories, "
                     f"{_count(report.images_drawn, 'picture')} drawn, "
                     f"{_count(report.offers, 'offer')}, {_count(len(report.users), 'staff account')}, "
                     f"{_count(report.reviews, 'review')}, {_count(report.questions, 'question')}, "
                     f"{_count(report.orders, 'order')} of the last {DAYS} days.")
    else:
        lines.append(f"Demo data is already there ({total} demo products); nothing changed.")
    lines += [f"Skipped: {item}" for item in report.skipped]
    lines.append(f"Demo staff sign-in at {LOGIN_PATH} (demo passwords: change them before going live):")
    width = max(len(email) for email, _, _ in STAFF)
    for email, role, password in STAFF:
        lines.append(f"  {email.ljust(width)}  {password.ljust(20)} {role}")
    return "\n".join(lines)
