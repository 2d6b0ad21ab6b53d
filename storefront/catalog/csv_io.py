"""Catalog CSV export and import: one row per variant, prices in major units.

The format (UTF-8, comma- or semicolon-separated, a header row naming the columns):

    sku, title, price, stock, category            required in the header; sku, title, price,
                                                  stock and category required in every row
    product_slug                                  groups rows into one product (blank: made from
                                                  the title, so rows with one title are one product)
    description, brand                            product text (the group's first row wins)
    compare_at_price                              the "was" price, blank for none
    option1_name, option1_value … option3_*       e.g. Size / M, Colour / Navy
    active                                        yes/no (blank: yes)
    title_es, description_es,                     the product's words in each of the shop's other
    option1_name_es, option1_value_es … (and      languages (here es); blank: that language shows
    the same for lv)                              the default language's. A file without these
                                                  columns leaves the translations as they are.

`category` names a category by slug or by name; a missing one is created at the top level.
Import is an upsert by SKU: a known SKU is updated (and moved to the product its row names), an
unknown one is added. Validation finds every bad row before anything is written; `apply_rows`
then writes all rows in the caller's write transaction, so an import lands whole or not at all.
Only what differs from the catalog is written: a file exported and imported again unedited writes
no row (and so empties no cached page); its rows count as unchanged.

`stock` is what the shop has to sell once the file is imported, like a stocktake. An export also
writes `stock_exported`, the stock as it was then, so that an old export imported again cannot
undo the sales made since (the units would be sold twice):
- `stock` the same as `stock_exported` (the stock was not edited): the stock stays as it is now;
- `stock` edited, and the stock still as it was exported: the file's count replaces it;
- `stock` edited, but the stock has changed since the export (a sale, another edit): the import
  is refused, naming each such row with both counts: export again, or set the count in the back
  office's stock edit, which applies changes and keeps sales.
A file without `stock_exported` (made by hand or by another system) sets the stock it names.
Under concurrency it is still exact: the variants a file names are locked before they are read,
so a checkout in flight either commits first (and is seen, as a change since the export) or waits
and takes its units from the file's count; stock never goes below 0 and never ends at a value
neither of them wrote.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext as _

from ..errors import ShopError
from ..extensions import db
from ..money import format_major
from ..spreadsheets import dict_writer, unguard_cell
from ..text_input import TextRefused, clean_text
from .editing import (MAX_OPTIONS, SLUG_PATTERN, InvalidCatalogInput, clean_sku, parse_price,
                      parse_stock, slugify)
from .editing import PRODUCT_LIMITS, merged_translations
from .models import Category, Product, Variant
from .service import refresh_price_min
from .translations import other_languages

REQUIRED_COLUMNS = ("sku", "title", "price", "stock", "category")
OPTION_COLUMNS = tuple(f"option{i}_{part}" for i in range(1, MAX_OPTIONS + 1) for part in ("name", "value"))
COLUMNS = (*REQUIRED_COLUMNS, "product_slug", "description", "brand", "compare_at_price",
           *OPTION_COLUMNS, "active")
PROGRESS_EVERY = 100
TRUE_WORDS = {"", "yes", "y", "true", "1", "on", "si", "sí", "jā", "ja"}
FALSE_WORDS = {"no", "n", "false", "0", "off", "nē", "ne"}
# The one column whose text may run over several lines; every other cell is one line.
MULTILINE_COLUMNS = {"description"}

Progress = Callable[[int], None]


@dataclass(frozen=True)
class RowError:
    line: int
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}


def language_columns() -> tuple[str, ...]:
    """The columns of the product's words in the shop's other languages (`title_es`, …)."""
    return tuple(column for language in other_languages() for column in (
        f"title_{language}", f"description_{language}",
        *(f"option{i}_{part}_{language}" for i in range(1, MAX_OPTIONS + 1) for part in ("name", "value"))))


# Written by the export, read by the import: the stock when the file was exported (see above).
STOCK_EXPORTED = "stock_exported"


def all_columns() -> tuple[str, ...]:
    return (*COLUMNS, *language_columns(), STOCK_EXPORTED)


@dataclass
class CatalogRow:
    line: int
    sku: str
    title: str
    product_slug: str
    description: str
    brand: str
    category: str
    price: int
    compare_at_price: int | None
    stock: int
    options: dict[str, str]
    active: bool
    # {language: {"title", "description", "options": {name: word}, "values": {name: {value: word}}}},
    # with only what the file has columns for.
    translations: dict = field(default_factory=dict)
    stock_exported: int | None = None  # blank or no column: `stock` is set as it is


@dataclass
class ParsedCatalog:
    rows: list[CatalogRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _max_bytes() -> int:
    return int(current_app.config["IMPORT_MAX_BYTES"])


def _max_rows() -> int:
    return int(current_app.config["IMPORT_MAX_ROWS"])


# --- export ------------------------------------------------------------------------------------

def export_lines() -> Iterator[str]:
    """The whole catalog as CSV text, one line at a time (for a streamed download). Every cell
    is guarded against spreadsheet formulas (`storefront.spreadsheets`); import removes the guard,
    so a round trip keeps the text as it was."""
    currency = current_app.config["SHOP_CURRENCY"]
    languages = other_languages()
    buffer = io.StringIO()
    writer = dict_writer(buffer, all_columns())

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writeheader()
    yield flush()
    query = (sa.select(Variant, Product, Category)
             .join(Product, Variant.product_id == Product.id)
             .join(Category, Product.category_id == Category.id)
             .order_by(Product.id, Variant.position, Variant.id)
             .execution_options(yield_per=500))
    for variant, product, category in db.session.execute(query):
        row = {
            "sku": variant.sku, "title": product.title, "price": format_major(variant.price, currency),
            "stock": variant.stock, "category": category.slug, "product_slug": product.slug,
            "description": product.description, "brand": product.brand,
            "compare_at_price": "" if variant.compare_at_price is None
            else format_major(variant.compare_at_price, currency),
            "active": "yes" if product.active else "no", STOCK_EXPORTED: variant.stock,
        }
        for index, name in enumerate(list(product.option_names or [])[:MAX_OPTIONS], start=1):
            row[f"option{index}_name"] = name
            row[f"option{index}_value"] = variant.options.get(name, "")
        row.update(_translated_cells(product, variant, languages))
        writer.writerow(row)
        yield flush()


def _translated_cells(product: Product, variant: Variant, languages: list[str]) -> dict[str, str]:
    """The row's cells in the other languages: blank where a text has no translation."""
    cells = {}
    for language in languages:
        entry = (product.translations or {}).get(language) or {}
        cells[f"title_{language}"] = entry.get("title", "")
        cells[f"description_{language}"] = entry.get("description", "")
        for index, name in enumerate(list(product.option_names or [])[:MAX_OPTIONS], start=1):
            value = str(variant.options.get(name, ""))
            cells[f"option{index}_name_{language}"] = (entry.get("options") or {}).get(name, "")
            cells[f"option{index}_value_{language}"] = ((entry.get("values") or {}).get(name) or {}).get(value, "")
    return cells


# --- validation --------------------------------------------------------------------------------

def _decode(data: bytes) -> tuple[str | None, RowError | None]:
    if b"\x00" in data[:65536]:
        return None, RowError(0, None, _("This is not a CSV file (it contains binary data)."))
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return None, RowError(line, None, _("Line %(line)d is not UTF-8 text. Save the file as “CSV UTF-8” "
                                            "and try again.", line=line))


def _dialect_for(header_line: str) -> str:
    # Spreadsheets in comma-decimal locales (Latvian, Spanish) save with semicolons.
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _key_for(slug: str, title: str) -> str:
    return slug or slugify(title, 120)


def _cells(line: int, raw: dict[str, str], errors: list[RowError]) -> dict[str, str]:
    """The row's cells under the shop's input rule (`text_input.clean_text`: control characters
    refused, whitespace only is empty), with the export's formula guard removed."""
    cells = {}
    for column, value in raw.items():
        try:
            multiline = column.partition("_")[0] in MULTILINE_COLUMNS
            cells[column] = unguard_cell(clean_text(value, multiline=multiline))
        except TextRefused as refused:
            errors.append(RowError(line, column, f"{column}: {refused.message}"))
            cells[column] = ""
    return cells


def _parse_row(line: int, raw: dict[str, str], errors: list[RowError]) -> CatalogRow | None:
    before = len(errors)
    cells = _cells(line, raw, errors)

    def text(column: str) -> str:
        return cells.get(column, "")

    def attempt(column: str, parse):
        try:
            return parse()
        except InvalidCatalogInput as exc:
            errors.append(RowError(line, column, f"{column}: {exc.message}"))
            return None

    sku = attempt("sku", lambda: clean_sku(text("sku")))
    title = text("title")
    if not title:
        errors.append(RowError(line, "title", _("title: enter the product's title.")))
    elif len(title) > 200:
        errors.append(RowError(line, "title", _("title: at most %(n)d characters.", n=200)))
    price = attempt("price", lambda: parse_price(text("price"), field="price"))
    compare_at = attempt("compare_at_price",
                         lambda: parse_price(text("compare_at_price"), field="compare_at_price", required=False))
    stock = attempt("stock", lambda: parse_stock(text("stock")))
    stock_exported = None
    if text(STOCK_EXPORTED):
        stock_exported = attempt(STOCK_EXPORTED, lambda: parse_stock(text(STOCK_EXPORTED)))
    category = text("category")
    if not category:
        errors.append(RowError(line, "category", _("category: enter a category name or slug.")))
    elif len(category) > 120:
        errors.append(RowError(line, "category", _("category: at most %(n)d characters.", n=120)))
    slug = text("product_slug").lower()
    if slug and (len(slug) > 120 or not SLUG_PATTERN.match(slug)):
        errors.append(RowError(line, "product_slug",
                               _("product_slug: use lowercase letters, digits and single hyphens only.")))
    if not slug and title and not slugify(title, 120):
        errors.append(RowError(line, "product_slug",
                               _("product_slug: the title has no letters or digits; give a product_slug.")))
    options: dict[str, str] = {}
    for index in range(1, MAX_OPTIONS + 1):
        name, value = text(f"option{index}_name"), text(f"option{index}_value")
        if not name and not value:
            continue
        if not name or not value:
            errors.append(RowError(line, f"option{index}_name",
                                   _("option%(i)d: give both the option's name and its value.", i=index)))
        elif name in options:
            errors.append(RowError(line, f"option{index}_name",
                                   _("option%(i)d: the option “%(name)s” appears twice.", i=index, name=name)))
        elif len(name) > 40 or len(value) > 60:
            errors.append(RowError(line, f"option{index}_name",
                                   _("option%(i)d: names have at most 40 characters, values 60.", i=index)))
        else:
            options[name] = value
    active_text = text("active").lower()
    if active_text not in TRUE_WORDS | FALSE_WORDS:
        errors.append(RowError(line, "active", _("active: write yes or no.")))
    if len(text("description")) > 20_000 or len(text("brand")) > 120:
        errors.append(RowError(line, "description", _("description or brand: too long.")))
    translations = _row_translations(line, cells, options, errors)
    if len(errors) > before:
        # One message per cell: a refused cell is read as empty, which must not add "enter a title".
        seen: set[str | None] = set()
        errors[before:] = [e for e in errors[before:] if not (e.column in seen or seen.add(e.column))]
        return None
    return CatalogRow(line=line, sku=sku, title=title, product_slug=slug, description=text("description"),
                      brand=text("brand"), category=category, price=price, compare_at_price=compare_at,
                      stock=stock, options=options, active=active_text not in FALSE_WORDS,
                      translations=translations, stock_exported=stock_exported)


def _row_translations(line: int, cells: dict[str, str], options: dict[str, str], errors: list[RowError]) -> dict:
    """The row's words in the other languages, for the columns the file has."""
    result = {}
    for language in other_languages():
        entry: dict = {}
        for column, limit in PRODUCT_LIMITS.items():
            name = f"{column}_{language}"
            if name in cells:
                if len(cells[name]) > limit:
                    errors.append(RowError(line, name, _("%(column)s: at most %(n)d characters.", column=name, n=limit)))
                entry[column] = cells[name]
        for index, option in enumerate(options, start=1):
            name_column, value_column = f"option{index}_name_{language}", f"option{index}_value_{language}"
            if name_column in cells:
                entry.setdefault("options", {})[option] = cells[name_column]
            if value_column in cells:
                entry.setdefault("values", {})[option] = {options[option]: cells[value_column]}
            if len(cells.get(name_column, "")) > 40 or len(cells.get(value_column, "")) > 60:
                errors.append(RowError(line, name_column, _("option%(i)d: names have at most 40 characters, "
                                                             "values 60.", i=index)))
        if entry:
            result[language] = entry
    return result


def _check_duplicate_skus(sku_lines: list[tuple[int, str]], errors: list[RowError]) -> None:
    # Checked over every row, bad ones included, so a fix to one row does not reveal a new error.
    first_line_of_sku: dict[str, int] = {}
    for line, sku in sku_lines:
        if sku in first_line_of_sku:
            errors.append(RowError(line, "sku", _("sku: %(sku)s is already on line %(other)d of this file.",
                                                  sku=sku, other=first_line_of_sku[sku])))
        else:
            first_line_of_sku[sku] = line


def _check_across_rows(rows: list[CatalogRow], errors: list[RowError]) -> None:
    first_row_of_product: dict[str, CatalogRow] = {}
    seen_options: dict[tuple[str, tuple], int] = {}
    for row in rows:
        key = _key_for(row.product_slug, row.title)
        first = first_row_of_product.setdefault(key, row)
        if list(row.options) != list(first.options):
            errors.append(RowError(row.line, "option1_name",
                                   _("options: this product's options on line %(other)d are %(names)s; "
                                     "every row of one product needs the same option names.",
                                     other=first.line, names=", ".join(first.options) or "–")))
        signature = (key, tuple(row.options.items()))
        if row.options and signature in seen_options:
            errors.append(RowError(row.line, "option1_value",
                                   _("options: line %(other)d already has these option values for this product.",
                                     other=seen_options[signature])))
        else:
            seen_options.setdefault(signature, row.line)


def parse_catalog(data: bytes, progress: Progress | None = None) -> ParsedCatalog:
    """Read and check every row of an uploaded catalog CSV; nothing is written.

    Returns the good rows and one `RowError` per problem, each with its line number in the file
    (the header is line 1). Line 0 means the file as a whole (too large, binary, not UTF-8).
    """
    result = ParsedCatalog()
    if len(data) > _max_bytes():
        result.errors.append(RowError(0, None, _("The file is too large: at most %(mb)d MB.",
                                                 mb=_max_bytes() // (1024 * 1024))))
        return result
    text, error = _decode(data)
    if error:
        result.errors.append(error)
        return result
    if not text.strip():
        result.errors.append(RowError(0, None, _("The file is empty.")))
        return result
    header_line = text.splitlines()[0]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=_dialect_for(header_line), strict=True)
    try:
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error as exc:
        result.errors.append(RowError(1, None, _("This is not a readable CSV file (%(why)s).", why=str(exc))))
        return result
    reader.fieldnames = header
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    known = all_columns()
    unknown = [name for name in header if name not in known]
    if missing:
        result.errors.append(RowError(1, None, _("Missing columns: %(names)s. The header needs at least %(needed)s.",
                                                 names=", ".join(missing), needed=", ".join(REQUIRED_COLUMNS))))
    if unknown:
        result.errors.append(RowError(1, None, _("Unknown columns: %(names)s. Known columns: %(known)s.",
                                                 names=", ".join(n or "(blank)" for n in unknown),
                                                 known=", ".join(known))))
    if len(set(header)) != len(header):
        result.errors.append(RowError(1, None, _("A column name appears twice in the header.")))
    if result.errors:
        return result
    line = reader.line_num
    count = 0
    sku_lines: list[tuple[int, str]] = []
    try:
        for raw in reader:
            start, line = line + 1, reader.line_num
            if not any((value or "").strip() for key, value in raw.items() if key is not None):
                continue
            count += 1
            if count > _max_rows():
                result.errors.append(RowError(start, None, _("The file has too many rows: at most %(n)d.",
                                                             n=_max_rows())))
                break
            if None in raw:
                result.errors.append(RowError(start, None, _("This row has more fields than the header.")))
            elif any(value is None for value in raw.values()):
                result.errors.append(RowError(start, None, _("This row has fewer fields than the header.")))
            else:
                if (raw.get("sku") or "").strip():
                    sku_lines.append((start, raw["sku"].strip()))
                row = _parse_row(start, raw, result.errors)
                if row is not None:
                    result.rows.append(row)
            if progress and count % PROGRESS_EVERY == 0:
                progress(count)
    except csv.Error as exc:
        result.errors.append(RowError(line + 1, None, _("This is not a readable CSV row (%(why)s).", why=str(exc))))
    if count == 0 and not result.errors:
        result.errors.append(RowError(0, None, _("The file has a header but no rows.")))
    _check_duplicate_skus(sku_lines, result.errors)
    _check_across_rows(result.rows, result.errors)
    result.errors.sort(key=lambda e: e.line)
    if progress:
        progress(count)
    return result


def count_rows(data: bytes) -> int:
    """A quick estimate of the data rows (physical lines after the header) for progress bars."""
    return max(0, len(data.splitlines()) - 1)


# --- applying ----------------------------------------------------------------------------------

def _categories_by_reference() -> dict[str, Category]:
    index: dict[str, Category] = {}
    for category in db.session.scalars(sa.select(Category)):
        index.setdefault(category.slug.lower(), category)
        index.setdefault(category.name.strip().lower(), category)
    return index


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start:start + size]


class StockChangedSinceExport(ShopError):
    """Rows whose stock was edited in a file while the shop's changed since it was exported."""

    code = "stock_changed_since_export"
    status = 409

    def __init__(self, errors: list[RowError]):
        super().__init__(_("The stock of some rows changed since this file was exported; nothing was changed."))
        self.errors = errors


def apply_rows(rows: list[CatalogRow], progress: Progress | None = None) -> dict[str, int]:
    """Upsert validated rows in the caller's `write_transaction` (all rows, or none); stock as the
    module's docstring says, read under the variants' locks. Only values that differ from the
    stored ones are set, so an unchanged row writes nothing.

    Returns counts: products_created, products_updated, variants_created, variants_updated,
    categories_created, and rows_unchanged (rows whose variant and product were already as the row
    says). A product counts as updated when its own fields or words changed, a variant when its
    options, prices, stock or product did.
    :raise StockChangedSinceExport: naming every row whose edited stock meets a stock changed
        since the export; the caller's transaction then rolls back.
    """
    summary = dict.fromkeys(("products_created", "products_updated", "variants_created",
                             "variants_updated", "categories_created", "rows_unchanged"), 0)
    categories = _categories_by_reference()
    keys = sorted({_key_for(row.product_slug, row.title) for row in rows})
    products: dict[str, Product] = {}
    for chunk in _chunks(keys):
        for product in db.session.scalars(sa.select(Product).where(Product.slug.in_(chunk))
                                          .options(so.selectinload(Product.variants))):
            products[product.slug] = product
    _lock_variants(sorted({row.sku for row in rows}))
    variants: dict[str, Variant] = {}
    for chunk in _chunks(sorted({row.sku for row in rows})):
        # populate_existing: the products' variants were loaded above, before the lock; their stock
        # must be read again now, or a sale committed in between would be judged as not there.
        for variant in db.session.scalars(sa.select(Variant).where(Variant.sku.in_(chunk))
                                          .options(so.joinedload(Variant.product).selectinload(Product.variants))
                                          .execution_options(populate_existing=True)):
            variants[variant.sku] = variant

    changed_since = [
        RowError(row.line, "stock", _("stock: it was %(then)d when this file was exported and is %(now)d now "
                                      "(sold or edited since). Export the catalog again, or set the stock in "
                                      "the product's page.", then=row.stock_exported, now=variants[row.sku].stock))
        for row in rows if row.stock_exported is not None and row.stock != row.stock_exported
        and row.sku in variants and variants[row.sku].stock != row.stock_exported]
    if changed_since:
        raise StockChangedSinceExport(changed_since)
    touched: dict[int, Product] = {}  # products whose variants changed: their lowest price again
    configured: set[str] = set()
    changed_products: set[str] = set()  # created ones too: their rows are not unchanged
    unchanged_variants: list[tuple[str, str]] = []  # (product key, SKU) of existing variants as the row says
    words: dict[str, dict] = {}  # each product's translations, gathered over its rows
    for done, row in enumerate(rows, start=1):
        reference = row.category.lower()
        category = categories.get(reference) or categories.get(slugify(row.category))
        if category is None:
            category = Category(name=row.category, slug=_free_category_slug(row.category, categories))
            db.session.add(category)
            categories[reference] = categories[category.slug] = category
            summary["categories_created"] += 1
        key = _key_for(row.product_slug, row.title)
        product = products.get(key)
        if product is None:
            product = Product(slug=key, title=row.title, variants=[], images=[])
            db.session.add(product)
            products[key] = product
            summary["products_created"] += 1
            changed_products.add(key)
        if key not in configured:
            # The first row of a product sets its fields; later rows only add variants.
            if _set_changed(product, title=row.title, description=row.description, brand=row.brand,
                            active=row.active, option_names=list(row.options)):
                changed_products.add(key)
            if category.id is None or product.category_id != category.id:  # a new one has no id yet
                product.category = category
                changed_products.add(key)
            configured.add(key)
        variant = variants.get(row.sku)
        if variant is None:
            variant = Variant(sku=row.sku, position=len(product.variants))
            product.variants.append(variant)
            variants[row.sku] = variant
            variant.options, variant.price = dict(row.options), row.price
            variant.compare_at_price, variant.stock = row.compare_at_price, row.stock
            summary["variants_created"] += 1
            touched[id(product)] = product
        else:
            moved = variant.product is not product
            if moved:
                touched[id(variant.product)] = variant.product
                variant.product = product  # the backref moves it between the two collections
            edited = row.stock_exported is None or row.stock != row.stock_exported
            # Stock not edited in the file: what was sold since stays sold.
            if _set_changed(variant, options=dict(row.options), price=row.price,
                            compare_at_price=row.compare_at_price,
                            stock=row.stock if edited else variant.stock) or moved:
                summary["variants_updated"] += 1
                touched[id(product)] = product
            else:
                unchanged_variants.append((key, row.sku))
        _gather_translations(words.setdefault(key, {}), row)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done)
    for key, gathered in words.items():
        if gathered:
            product = products[key]
            merged = merged_translations(product.translations, gathered, PRODUCT_LIMITS)
            if merged != (product.translations or {}):
                product.translations = merged
                changed_products.add(key)
    summary["products_updated"] = len(changed_products) - summary["products_created"]
    summary["rows_unchanged"] = sum(1 for key, _sku in unchanged_variants if key not in changed_products)
    for product in touched.values():
        refresh_price_min(product)
    db.session.flush()
    if progress:
        progress(len(rows))
    return summary


def _set_changed(row, **values) -> bool:
    """Set the attributes of `row` that differ from `values`; whether any did. An attribute set to
    the value it has still marks the row as changed for the session (and the page cache)."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _gather_translations(gathered: dict, row: CatalogRow) -> None:
    """Add a row's words to its product's: the first row's texts and option names, every row's
    option values."""
    for language, entry in row.translations.items():
        target = gathered.get(language)
        if target is None:
            target = gathered[language] = {k: v for k, v in entry.items() if k != "values"}
        for name, words in (entry.get("values") or {}).items():
            target.setdefault("values", {}).setdefault(name, {}).update(words)


def _lock_variants(skus: list[str]) -> None:
    """Lock the rows of the variants with these SKUs until the caller's transaction ends.

    In ascending id order, like every stock writer (`catalog.stock`), so an import and a checkout
    never wait for each other in a circle on PostgreSQL. (On SQLite the write transaction's
    BEGIN IMMEDIATE already keeps every other writer out and FOR UPDATE is not rendered.)
    """
    ids: list[int] = []
    for chunk in _chunks(skus):
        ids.extend(db.session.scalars(sa.select(Variant.id).where(Variant.sku.in_(chunk))))
    for chunk in _chunks(sorted(ids)):
        db.session.execute(sa.select(Variant.id).where(Variant.id.in_(chunk)).order_by(Variant.id)
                           .with_for_update())


def _free_category_slug(name: str, categories: dict[str, Category]) -> str:
    base = slugify(name) or "category"
    slug, n = base, 2
    while slug in categories:
        slug, n = f"{base}-{n}", n + 1
    return slug
