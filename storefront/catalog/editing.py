"""Editing the catalog: the rules staff follow when they change products, variants, stock and
categories.

Each use case takes plain values (ids, and the text staff typed for prices and stock) and runs
in one `write_transaction`: it reads what it checks inside that transaction (on SQLite under the
write lock), writes an audit entry and commits, so the change and its audit row land together.
Bad input raises a `ShopError` subclass naming the field to blame; nothing is written then. A
unique value (slug, SKU) taken by another writer between the check and the insert — possible on
PostgreSQL, whose writers run side by side — becomes the same 409 as the check's, never a 500.
Images live in `catalog.images`; CSV import and export in `catalog.csv_io`.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..audit.service import record
from ..database import write_transaction
from ..errors import ConflictError, NotFoundError, ShopError
from ..extensions import db
from ..money import MAX_PAYMENT, format_money, parse_major, typed_amount
from ..spreadsheets import starts_like_formula
from ..text_input import TextRefused, clean_text
from .models import Category, Product, Variant
from .service import refresh_price_min
from .translations import other_languages

MAX_OPTIONS = 3
MAX_STOCK = 1_000_000
MAX_STOCK_DIGITS = 9
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class InvalidCatalogInput(ShopError):
    code = "invalid_catalog_input"
    default_message = _l("Please check this value.")


class InvalidPrice(InvalidCatalogInput):
    code = "invalid_price"
    default_message = _l("Enter a price such as 12.50 (zero or more, at most two decimals).")


class InvalidStock(InvalidCatalogInput):
    code = "invalid_stock"
    default_message = _l("Enter the stock as a whole number, zero or more.")


class DuplicateSku(ConflictError):
    code = "duplicate_sku"
    default_message = _l("Another variant already has this SKU.")


class DuplicateSlug(ConflictError):
    code = "duplicate_slug"
    default_message = _l("This address (slug) is already used.")


class CategoryCycle(InvalidCatalogInput):
    code = "category_cycle"
    default_message = _l("A category cannot sit inside itself or one of its own subcategories.")


class CategoryInUse(ConflictError):
    code = "category_in_use"
    default_message = _l("This category still has products or subcategories; move them first.")


class CatalogItemNotFound(NotFoundError):
    code = "catalog_item_not_found"


class StockChanged(ConflictError):
    code = "stock_changed"


@contextmanager
def catalog_write(conflict: type[ConflictError] = ConflictError, **details) -> Iterator[None]:
    """A `write_transaction` in which a unique constraint's refusal becomes `conflict(**details)`.

    The use cases check a slug or SKU before writing it; on PostgreSQL another writer may still
    take the value between that check and the commit, and the constraint behind the check says so.
    """
    try:
        with write_transaction():
            yield
    except IntegrityError as error:
        if "unique" not in str(error.orig).lower():
            raise
        raise conflict(**details) from None


# --- parsing what staff typed ------------------------------------------------------------------

def slugify(text: str, max_length: int = 80) -> str:
    """A lowercase ASCII address part from any text ("Wool Hat – Navy" → "wool-hat-navy")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-")


def parse_price(text: str | None, *, field: str = "price", required: bool = True) -> int | None:
    """Minor units from a price typed in major units ("12.50", "12,50", "12").

    Blank is None when not required.
    :raise InvalidPrice: for words, negative amounts, too many decimals or absurd sizes.
    """
    text = (text or "").strip()
    if not text:
        if required:
            raise InvalidPrice(_l("Enter a price."), field=field)
        return None
    try:
        minor = parse_major(text[:32], current_app.config["SHOP_CURRENCY"])
    except ValueError:
        raise InvalidPrice(field=field) from None
    if minor > MAX_PAYMENT:
        raise InvalidPrice(_l("A price can be at most %(amount)s, the most one payment can take.",
                              amount=format_money(MAX_PAYMENT)), field=field)
    return minor


def parse_stock(text: str | int | None, *, field: str = "stock") -> int:
    """A stock level: a whole number from 0 up. :raise InvalidStock:"""
    if isinstance(text, bool):
        raise InvalidStock(field=field)
    if isinstance(text, int):
        value = text
    else:
        cleaned = (text or "").strip()
        if not re.fullmatch(r"[+-]?\d{1,%d}" % MAX_STOCK_DIGITS, cleaned):
            raise InvalidStock(field=field)
        value = int(cleaned)
    if value < 0:
        raise InvalidStock(_l("Stock cannot be negative."), field=field)
    if value > MAX_STOCK:
        raise InvalidStock(_l("Stock is limited to %(max)d per variant.", max=MAX_STOCK), field=field)
    return value


def parse_option_names(raw: str | Iterable[str]) -> list[str]:
    """Option names in order ("Size, Colour"), without blanks or repeats. :raise InvalidCatalogInput:"""
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    names: list[str] = []
    for part in parts:
        name = str(part).strip()
        if not name:
            continue
        if len(name) > 40:
            raise InvalidCatalogInput(_l("Option names have at most 40 characters."), field="option_names")
        if name.lower() in (n.lower() for n in names):
            raise InvalidCatalogInput(_l("Option “%(name)s” is listed twice.", name=name), field="option_names")
        names.append(name)
    if len(names) > MAX_OPTIONS:
        raise InvalidCatalogInput(_l("A product has at most %(n)d options.", n=MAX_OPTIONS), field="option_names")
    return names


def _clean_text(value: str | None, *, field: str, max_length: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidCatalogInput(_l("This field is required."), field=field)
    if len(text) > max_length:
        raise InvalidCatalogInput(_l("At most %(n)d characters.", n=max_length), field=field)
    return text


def _clean_slug(slug: str | None, fallback: str, *, max_length: int) -> str:
    slug = (slug or "").strip().lower()
    if not slug:
        slug = slugify(fallback, max_length)
        if not slug:
            raise InvalidCatalogInput(_l("Enter an address (slug) of letters and digits."), field="slug")
    if len(slug) > max_length or not SLUG_PATTERN.match(slug):
        raise InvalidCatalogInput(
            _l("Use lowercase letters, digits and single hyphens only (e.g. wool-hat)."), field="slug")
    return slug


# A SKU is the product id in the social catalog feed, and Meta's checkout link sends it back as
# `products=SKU:QTY,SKU:QTY`: a colon or comma in a SKU could never come back. It is also the
# feed's first column, read by spreadsheets: one starting like a formula (=, +, -, @) is refused
# rather than written guarded, so the id Meta sends back is the SKU itself.
SKU_FORBIDDEN = set(":,")


def clean_sku(sku: str | None, *, field: str = "sku") -> str:
    """:raise InvalidCatalogInput: for a blank, too long or spaced SKU, one with : or , or a
    control character, or one that starts like a spreadsheet formula."""
    try:
        sku = clean_text(sku)
    except TextRefused as refused:
        raise InvalidCatalogInput(refused.message, field=field) from None
    if not sku:
        raise InvalidCatalogInput(_l("Enter a SKU."), field=field)
    if len(sku) > 64 or any(ch.isspace() for ch in sku):
        raise InvalidCatalogInput(_l("A SKU has at most 64 characters and no spaces."), field=field)
    if SKU_FORBIDDEN & set(sku):
        raise InvalidCatalogInput(_l("A SKU cannot contain a colon or a comma."), field=field)
    if starts_like_formula(sku):
        raise InvalidCatalogInput(_l("A SKU cannot start with =, +, - or @ (spreadsheets would run it as a "
                                     "formula)."), field=field)
    return sku


def _clean_options(option_names: list[str], values: Mapping[str, str]) -> dict[str, str]:
    options = {}
    for index, name in enumerate(option_names):
        value = str(values.get(name) or "").strip()
        if not value:
            raise InvalidCatalogInput(_l("Enter a value for %(name)s.", name=name), field=f"option_{index}")
        if len(value) > 60:
            raise InvalidCatalogInput(_l("At most %(n)d characters.", n=60), field=f"option_{index}")
        options[name] = value
    return options


# --- translations --------------------------------------------------------------------------------

# The longest text of each translated field, as its default-language column allows.
PRODUCT_LIMITS = {"title": 200, "description": 20_000}
CATEGORY_LIMITS = {"name": 120, "description": 5_000}


def merged_translations(current: Mapping | None, changes: Mapping | None, limits: Mapping[str, int]) -> dict:
    """`current` translations with `changes` ({language: {field: text}}, as staff or a file sent
    them) applied: a text replaces its field, a blank removes it (the default language shows), a
    field not sent stays. Product option words come as {"options": {name: word}, "values":
    {name: {value: word}}}. A new dict, so the ORM sees the change.
    :raise InvalidCatalogInput: for an unknown language or a text too long (field `<field>_<lang>`)."""
    result = {language: dict(entry) for language, entry in (current or {}).items()}
    for language, texts in (changes or {}).items():
        if language not in other_languages():
            raise InvalidCatalogInput(_l("The shop has no language “%(language)s”.", language=language),
                                      field="translations")
        entry = result.get(language, {})
        for field, text in texts.items():
            if field in ("options", "values"):
                _put(entry, field, _clean_option_words(field, text, language))
            elif field in limits:
                _put(entry, field, _clean_text(text, field=f"{field}_{language}", max_length=limits[field]))
            else:
                raise InvalidCatalogInput(_l("Please check this value."), field=f"{field}_{language}")
        if entry:
            result[language] = entry
        else:
            result.pop(language, None)
    return result


def _put(entry: dict, field: str, value) -> None:
    if value:
        entry[field] = value
    else:
        entry.pop(field, None)


def changed_languages(before: Mapping | None, after: Mapping | None) -> list[str]:
    """The languages whose translations differ (for the audit log, which need not hold the texts)."""
    before, after = before or {}, after or {}
    return sorted(language for language in set(before) | set(after) if before.get(language) != after.get(language))


def _clean_option_words(kind: str, words: Mapping, language: str) -> dict:
    """An option's translated names ({name: word}) or values ({name: {value: word}}), blanks dropped."""
    if kind == "options":
        cleaned = {name: _clean_text(word, field=f"options_{language}", max_length=40)
                   for name, word in (words or {}).items()}
        return {name: word for name, word in cleaned.items() if word}
    result = {}
    for name, values in (words or {}).items():
        cleaned = {value: _clean_text(word, field=f"values_{language}", max_length=60)
                   for value, word in (values or {}).items()}
        cleaned = {value: word for value, word in cleaned.items() if word}
        if cleaned:
            result[name] = cleaned
    return result


def _renamed_option_words(translations: Mapping, renames: Mapping[str, str]) -> dict:
    """Translations whose option words follow renamed options (old name → new name)."""
    result = {}
    for language, entry in translations.items():
        entry = dict(entry)
        for kind in ("options", "values"):
            if kind in entry:
                entry[kind] = {renames.get(name, name): words for name, words in entry[kind].items()}
        result[language] = entry
    return result


# --- lookups -----------------------------------------------------------------------------------

def get_product_for_edit(product_id: int) -> Product:
    """Any product, active or not. :raise CatalogItemNotFound:"""
    product = db.session.get(Product, product_id)
    if product is None:
        raise CatalogItemNotFound(_l("We could not find that product."))
    return product


def get_variant_for_edit(variant_id: int) -> Variant:
    """:raise CatalogItemNotFound:"""
    variant = db.session.get(Variant, variant_id)
    if variant is None:
        raise CatalogItemNotFound(_l("We could not find that variant."))
    return variant


def get_category_for_edit(category_id: int) -> Category:
    """:raise CatalogItemNotFound:"""
    category = db.session.get(Category, category_id)
    if category is None:
        raise CatalogItemNotFound(_l("We could not find that category."))
    return category


def _require_category(category_id: int | None) -> Category:
    category = db.session.get(Category, category_id) if category_id else None
    if category is None:
        raise InvalidCatalogInput(_l("Choose a category."), field="category_id")
    return category


def _check_product_slug_free(slug: str, product_id: int | None) -> None:
    taken = db.session.scalar(sa.select(Product.id).where(Product.slug == slug))
    if taken is not None and taken != product_id:
        raise DuplicateSlug(field="slug")


def _check_sku_free(sku: str, variant_id: int | None) -> None:
    taken = db.session.scalar(sa.select(Variant.id).where(Variant.sku == sku))
    if taken is not None and taken != variant_id:
        raise DuplicateSku(field="sku")


# --- products ----------------------------------------------------------------------------------

def _apply_product_fields(product: Product, *, title, slug, description, brand, category_id,
                          active, option_names) -> None:
    title = _clean_text(title, field="title", max_length=200, required=True)
    slug = _clean_slug(slug, title, max_length=120)
    _check_product_slug_free(slug, product.id)
    names = parse_option_names(option_names)
    category = _require_category(category_id)
    if product.variants and names != list(product.option_names or []):
        # Existing variants are keyed by the old names; renaming keeps values by position, and a
        # product whose variants would lose a value must have them edited first.
        old = list(product.option_names or [])
        if len(names) != len(old):
            raise InvalidCatalogInput(
                _l("This product has variants: you can rename its options but not add or remove them."),
                field="option_names")
        for variant in product.variants:
            variant.options = {new: variant.options.get(previous, "") for previous, new in zip(old, names)}
        product.translations = _renamed_option_words(product.translations or {}, dict(zip(old, names)))
    product.title = title
    product.slug = slug
    product.description = _clean_text(description, field="description", max_length=20_000)
    product.brand = _clean_text(brand, field="brand", max_length=120)
    product.category = category
    product.active = bool(active)
    product.option_names = names


def create_product(actor, *, title: str, slug: str | None, description: str = "", brand: str = "",
                   category_id: int | None, active: bool = True,
                   option_names: str | Iterable[str] = (), translations: Mapping | None = None) -> Product:
    """Create a product (without variants yet; it is hidden until it has one it can sell), with
    its words in the shop's other languages (`merged_translations`).

    :raise InvalidCatalogInput: for a missing title, bad slug, unknown category or bad options.
    :raise DuplicateSlug: if another product uses the slug.
    """
    with catalog_write(DuplicateSlug, field="slug"):
        product = Product(title="", slug="", option_names=[], translations={})
        _apply_product_fields(product, title=title, slug=slug, description=description, brand=brand,
                              category_id=category_id, active=active, option_names=option_names)
        product.translations = merged_translations(product.translations, translations, PRODUCT_LIMITS)
        db.session.add(product)
        db.session.flush()
        record(actor, "product.create", "product", product.id, slug=product.slug, title=product.title)
    return product


def update_product(actor, product_id: int, *, title: str, slug: str | None, description: str = "",
                   brand: str = "", category_id: int | None, active: bool = True,
                   option_names: str | Iterable[str] = (), translations: Mapping | None = None) -> Product:
    """Change a product's fields; `translations` changes only the languages and fields it names.
    Raises as `create_product`, and :raise CatalogItemNotFound:."""
    with catalog_write(DuplicateSlug, field="slug"):
        product = get_product_for_edit(product_id)
        before = {"title": product.title, "slug": product.slug, "active": product.active,
                  "category_id": product.category_id, "translations": product.translations}
        _apply_product_fields(product, title=title, slug=slug, description=description, brand=brand,
                              category_id=category_id, active=active, option_names=option_names)
        product.translations = merged_translations(product.translations, translations, PRODUCT_LIMITS)
        after = {"title": product.title, "slug": product.slug, "active": product.active,
                 "category_id": product.category_id}
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        translated = changed_languages(before["translations"], product.translations)
        if changed or translated or db.session.is_modified(product):  # the description, the options…
            record(actor, "product.update", "product", product.id, changed=changed, translated=translated)
    return product


# --- variants ----------------------------------------------------------------------------------

def _apply_variant_fields(variant: Variant, product: Product, *, sku, options, price,
                          compare_at_price) -> None:
    # Every value is checked before any is assigned: the SKU lookup would otherwise autoflush a
    # half-edited variant (and a duplicate SKU would surface as an IntegrityError, not a message).
    sku = clean_sku(sku)
    _check_sku_free(sku, variant.id)
    cleaned_options = _clean_options(list(product.option_names or []), options)
    price_minor = parse_price(price, field="price")
    compare_at_minor = parse_price(compare_at_price, field="compare_at_price", required=False)
    if compare_at_minor is not None and compare_at_minor <= price_minor:
        # The shop shows a "was" price only above the price: one at or below it would be kept and
        # never shown, and staff would believe the item is on sale.
        raise InvalidPrice(_l("The compare-at price must be higher than the price. Leave it empty when the "
                              "item is not on sale."), field="compare_at_price")
    variant.sku, variant.options = sku, cleaned_options
    variant.price, variant.compare_at_price = price_minor, compare_at_minor


def _parse_seen(seen: str | int | None) -> int | None:
    if seen is None or (isinstance(seen, str) and not seen.strip()):
        return None
    return parse_stock(seen)


def _write_stock(variant_id: int, new_stock: int, seen: int | None) -> tuple[int, int]:
    """Set a variant's stock in the caller's write transaction; return (before, after).

    With `seen`, the change staff made (`new_stock - seen`) is added to the stock as it is now, in
    one conditional UPDATE that refuses to go below 0 (the CHECK constraint stands behind it), so
    sales committed meanwhile are kept. Without it, `new_stock` replaces the stock, read and
    written under the row's lock (FOR UPDATE on PostgreSQL, the write lock on SQLite).
    :raise StockChanged: when the sales made since `seen` leave too few units for the reduction.
    :raise InvalidStock: when the result would pass MAX_STOCK. :raise CatalogItemNotFound:
    """
    if seen is None:
        before = db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id).with_for_update())
        if before is None:
            raise CatalogItemNotFound(_l("We could not find that variant."))
        db.session.execute(sa.update(Variant).where(Variant.id == variant_id).values(stock=new_stock)
                           .execution_options(synchronize_session=False))
        return before, new_stock
    change = new_stock - seen
    after = db.session.execute(
        sa.update(Variant)
        .where(Variant.id == variant_id, Variant.stock + change >= 0, Variant.stock + change <= MAX_STOCK)
        .values(stock=Variant.stock + change)
        .returning(Variant.stock)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if after is not None:
        return after - change, after
    current = db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id))
    if current is None:
        raise CatalogItemNotFound(_l("We could not find that variant."))
    if current + change > MAX_STOCK:
        raise InvalidStock(_l("Stock is limited to %(max)d per variant.", max=MAX_STOCK), field="stock")
    raise StockChanged(
        _l("The stock changed while you were editing it: it is now %(stock)d, not %(seen)d, so it cannot "
           "go down by %(change)d. Reload the page and check it again.", stock=current, seen=seen,
           change=-change),
        field="stock", stock=current)


def add_variant(actor, product_id: int, *, sku: str, options: Mapping[str, str], price: str,
                compare_at_price: str | None = None, stock: str | int = 0) -> Variant:
    """Add a variant; prices are typed in major units, stock is a whole number ≥ 0.

    :raise InvalidCatalogInput: (or its `InvalidPrice`/`InvalidStock`) naming the field.
    :raise DuplicateSku: if another variant has the SKU.
    :raise CatalogItemNotFound: for an unknown product.
    """
    stock_level = parse_stock(stock)
    with catalog_write(DuplicateSku, field="sku"):
        product = get_product_for_edit(product_id)
        variant = Variant(position=len(product.variants), stock=stock_level)
        _apply_variant_fields(variant, product, sku=sku, options=options, price=price,
                              compare_at_price=compare_at_price)
        product.variants.append(variant)
        refresh_price_min(product)
        db.session.flush()
        record(actor, "variant.create", "variant", variant.id, product_id=product.id, sku=variant.sku,
               price=variant.price, stock=variant.stock)
    return variant


def update_variant(actor, variant_id: int, *, sku: str, options: Mapping[str, str], price: str,
                   compare_at_price: str | None = None, stock: str | int = 0,
                   stock_seen: str | int | None = None) -> Variant:
    """Change a variant. `stock_seen` is the stock the form showed, as for `set_stock` (whose
    rules apply to the stock); without it the typed stock replaces the stock.

    Raises as `add_variant`, and :raise StockChanged: as `set_stock`.
    """
    stock_level, seen = parse_stock(stock), _parse_seen(stock_seen)
    with catalog_write(DuplicateSku, field="sku"):
        variant = get_variant_for_edit(variant_id)
        before = {"sku": variant.sku, "price": variant.price, "compare_at_price": variant.compare_at_price,
                  "options": dict(variant.options)}
        _apply_variant_fields(variant, variant.product, sku=sku, options=options, price=price,
                              compare_at_price=compare_at_price)
        refresh_price_min(variant.product)
        db.session.flush()
        before["stock"], stock_after = _write_stock(variant.id, stock_level, seen)
        after = {"sku": variant.sku, "price": variant.price, "compare_at_price": variant.compare_at_price,
                 "options": dict(variant.options), "stock": stock_after}
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if changed:  # a form saved as it was changes nothing: the audit log has nothing to say
            record(actor, "variant.update", "variant", variant.id, product_id=variant.product_id, changed=changed)
    return variant


def set_stock(actor, variant_id: int, stock: str | int, *, seen: str | int | None = None) -> Variant:
    """Staff's quick stock edit, which never loses a sale made while they were typing.

    `seen` is the stock the page showed when staff typed `stock` (the form sends it back). The
    edit is applied as the change staff made, `stock = stock + (typed - seen)`, in one conditional
    UPDATE, so checkouts that took units meanwhile keep them: 10 shown, 15 typed (5 delivered),
    2 sold meanwhile → 13. When the sales in between leave too few units for a reduction (3 shown,
    0 typed, 2 sold meanwhile: 1 - 3 < 0), nothing is written and `StockChanged` (409) tells staff
    the stock as it is now. A shop's own sales are changes to the stock as much as staff's are;
    applying both, as Shopify's inventory adjustments do, is the only answer that loses neither,
    and it spares staff a retyped form at every sale during a rush.

    Without `seen` (a caller that knows no earlier value: a script, an old form), the typed value
    replaces the stock as it is at that moment, sales made before it included.

    :raise InvalidStock: for a value that is not a whole number from 0 to MAX_STOCK, or a result
        above MAX_STOCK. :raise StockChanged: :raise CatalogItemNotFound:
    """
    new_stock, seen_stock = parse_stock(stock), _parse_seen(seen)
    with write_transaction():
        variant = get_variant_for_edit(variant_id)
        before, after = _write_stock(variant.id, new_stock, seen_stock)
        details = {"seen": seen_stock, "typed": new_stock} if seen_stock is not None else {}
        record(actor, "variant.stock", "variant", variant.id, sku=variant.sku,
               changed={"stock": [before, after]}, **details)
    return variant


def delete_variant(actor, variant_id: int) -> Product:
    """Remove a variant (carts holding it lose that line). :raise CatalogItemNotFound:"""
    with write_transaction():
        variant = get_variant_for_edit(variant_id)
        product = variant.product
        record(actor, "variant.delete", "variant", variant.id, product_id=product.id, sku=variant.sku)
        product.variants.remove(variant)
        refresh_price_min(product)
    return product


# --- categories --------------------------------------------------------------------------------

def _check_no_cycle(category: Category, parent: Category | None) -> None:
    seen = set()
    current = parent
    while current is not None:
        if current.id is not None and current.id == category.id:
            raise CategoryCycle(field="parent_id")
        if current.id in seen:  # a cycle already in the data: refuse rather than loop
            raise CategoryCycle(field="parent_id")
        seen.add(current.id)
        current = current.parent


def _apply_category_fields(category: Category, *, name, slug, parent_id, description) -> None:
    name = _clean_text(name, field="name", max_length=120, required=True)
    slug = _clean_slug(slug, name, max_length=80)
    taken = db.session.scalar(sa.select(Category.id).where(Category.slug == slug))
    if taken is not None and taken != category.id:
        raise DuplicateSlug(field="slug")
    parent = None
    if parent_id:
        parent = db.session.get(Category, parent_id)
        if parent is None:
            raise InvalidCatalogInput(_l("Choose a parent category from the list."), field="parent_id")
        _check_no_cycle(category, parent)
    category.name = name
    category.slug = slug
    category.parent = parent
    category.description = _clean_text(description, field="description", max_length=5_000)


def create_category(actor, *, name: str, slug: str | None = None, parent_id: int | None = None,
                    description: str = "", translations: Mapping | None = None) -> Category:
    """:raise InvalidCatalogInput: :raise DuplicateSlug:"""
    with catalog_write(DuplicateSlug, field="slug"):
        category = Category(name="", slug="", translations={})
        _apply_category_fields(category, name=name, slug=slug, parent_id=parent_id, description=description)
        category.translations = merged_translations({}, translations, CATEGORY_LIMITS)
        db.session.add(category)
        db.session.flush()
        record(actor, "category.create", "category", category.id, slug=category.slug, name=category.name)
    return category


def update_category(actor, category_id: int, *, name: str, slug: str | None = None,
                    parent_id: int | None = None, description: str = "",
                    translations: Mapping | None = None) -> Category:
    """:raise CategoryCycle: if the new parent is the category or below it.
    :raise InvalidCatalogInput: :raise DuplicateSlug: :raise CatalogItemNotFound:"""
    with catalog_write(DuplicateSlug, field="slug"):
        category = get_category_for_edit(category_id)
        before = {"name": category.name, "slug": category.slug, "parent_id": category.parent_id,
                  "translations": category.translations}
        _apply_category_fields(category, name=name, slug=slug, parent_id=parent_id, description=description)
        category.translations = merged_translations(category.translations, translations, CATEGORY_LIMITS)
        db.session.flush()
        after = {"name": category.name, "slug": category.slug, "parent_id": category.parent_id}
        record(actor, "category.update", "category", category.id,
               changed={k: [before[k], after[k]] for k in after if before[k] != after[k]},
               translated=changed_languages(before["translations"], category.translations))
    return category


def delete_category(actor, category_id: int) -> None:
    """:raise CategoryInUse: while products or subcategories are in it. :raise CatalogItemNotFound:"""
    with write_transaction():
        category = get_category_for_edit(category_id)
        has_products = db.session.scalar(
            sa.select(sa.func.count(Product.id)).where(Product.category_id == category.id))
        has_children = db.session.scalar(
            sa.select(sa.func.count(Category.id)).where(Category.parent_id == category.id))
        if has_products or has_children:
            raise CategoryInUse()
        record(actor, "category.delete", "category", category.id, slug=category.slug, name=category.name)
        db.session.delete(category)


def price_as_text(minor: int | None) -> str:
    """A stored price as staff type it ("12.50", "12,50" on a Latvian page), for filling forms."""
    return "" if minor is None else typed_amount(minor, current_app.config["SHOP_CURRENCY"])


# --- several products at once -------------------------------------------------------------------

MAX_BULK_PRODUCTS = 200


class NoProductsSelected(InvalidCatalogInput):
    code = "no_products_selected"
    default_message = _l("Select at least one product.")


class SelectedProductsGone(ConflictError):
    code = "selected_products_gone"
    default_message = _l("Some of the selected products no longer exist. Reload the list and select again.")


def _selected_products(product_ids: Iterable[int]) -> list[Product]:
    """The products staff ticked, in one query.

    :raise NoProductsSelected: for none (or more than MAX_BULK_PRODUCTS).
    :raise SelectedProductsGone: if one of them was deleted since the list was shown.
    """
    ids = sorted(set(product_ids))
    if not ids or len(ids) > MAX_BULK_PRODUCTS:
        raise NoProductsSelected(field="product_id")
    products = list(db.session.scalars(sa.select(Product).where(Product.id.in_(ids)).order_by(Product.id)))
    if len(products) != len(ids):
        raise SelectedProductsGone(field="product_id")
    return products


def _bulk_change(product: Product, active: bool | None, category: Category | None) -> dict:
    """What a bulk action changes on `product`, as the audit log's {field: [before, after]}."""
    changed = {}
    if active is not None and product.active != active:
        changed["active"] = [product.active, active]
    if category is not None and product.category_id != category.id:
        changed["category_id"] = [product.category_id, category.id]
    return changed


def _bulk_target(active: bool | None, category_id: int | None) -> Category | None:
    """Check that a bulk action says exactly one thing: shown or hidden, or a category to move to.
    :raise InvalidCatalogInput:"""
    if (active is None) == (category_id is None):
        raise InvalidCatalogInput(_l("Choose what to do with the selected products."), field="action")
    return _require_category(category_id) if category_id is not None else None


def preview_bulk_change(product_ids: Iterable[int], *, active: bool | None = None,
                        category_id: int | None = None) -> tuple[list[Product], list[Product]]:
    """The selected products and those of them the action would change, for the confirmation
    step (it reads the same rules `bulk_update_products` writes by). Raises as it does."""
    category = _bulk_target(active, category_id)
    products = _selected_products(product_ids)
    return products, [product for product in products if _bulk_change(product, active, category)]


def bulk_update_products(actor, product_ids: Iterable[int], *, active: bool | None = None,
                         category_id: int | None = None) -> list[Product]:
    """Show or hide the selected products, or move them to one category: all of them or none.
    Each product that changes gets its own "product.update" audit entry, as one edited alone does.
    Returns the changed products.

    :raise NoProductsSelected: :raise SelectedProductsGone: :raise InvalidCatalogInput: (no action,
        or an unknown category).
    """
    with write_transaction():
        category = _bulk_target(active, category_id)
        changed_products = []
        for product in _selected_products(product_ids):
            changed = _bulk_change(product, active, category)
            if not changed:
                continue
            if active is not None:
                product.active = active
            if category is not None:
                product.category = category
            record(actor, "product.update", "product", product.id, changed=changed, translated=[], bulk=True)
            changed_products.append(product)
    return changed_products
