"""Browsing the catalog: category tree, product listings, search and product lookup.

Every listing runs a fixed number of queries whatever the page size or catalog size. The pages'
listings are product cards (`ProductCard`): what a card shows of a product, its variants and its
first picture, read for the whole list in one statement. The API's listing (`list_products`)
reads whole products: one page of them, then variants and images in one query each.

A category's total is the sum of its categories' `active_product_count`, which the database keeps
(read with the category tree, so it costs no statement); only a search counts its matches. A
category page's ids are chosen in each of its categories from the (category, active, sort key)
index and merged, so page 1 of a category of 100,000 products reads one page of index entries
per subcategory instead of sorting all 100,000.

Statements are built once per shape and run with parameters (see `_ids_statement`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from math import ceil
from typing import Generic, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm.attributes import set_committed_value
from flask import g
from flask_babel import lazy_gettext as _l

from ..errors import NotFoundError
from ..extensions import db
from ..page_cache import remembered
from . import search_index
from .models import Category, Product, ProductImage, Variant
from .translations import CATEGORY_FIELDS, TranslatedText, content_language, localized

T = TypeVar("T")

# Each sort's key and direction; the id breaks ties in the same direction.
_SORT_KEYS = {
    "newest": (Product.created_at, True),
    "price_asc": (Product.price_min, False),
    "price_desc": (Product.price_min, True),
    "name": (Product.title, False),
}
SORTS = {name: (key.desc(), Product.id.desc()) if descending else (key.asc(), Product.id.asc())
         for name, (key, descending) in _SORT_KEYS.items()}
DEFAULT_SORT = "newest"
MAX_PER_PAGE = 100
MAX_SEARCH_LENGTH = 100


class ProductNotFound(NotFoundError):
    code = "product_not_found"
    default_message = _l("We could not find that product. It may have been removed.")


class CategoryNotFound(NotFoundError):
    code = "category_not_found"
    default_message = _l("We could not find that category.")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass(frozen=True, slots=True)
class ProductCard:
    """What a product card shows: a product, its variants summed and its first picture."""

    id: int
    slug: str
    title: str
    price_min: int
    price_max: int | None      # None: the product has no variants, and the card shows no price
    total_stock: int
    on_sale: bool              # some variant sells below its compare-at price
    cheapest_was: int | None   # the compare-at price of the cheapest variant, when it is on sale
    image_filename: str | None
    image_alt: str | None

    @property
    def sold_out(self) -> bool:
        return self.total_stock <= 0


@dataclass(frozen=True, slots=True, eq=False)
class CategoryView(TranslatedText):
    """A category as the storefront shows it: plain values, no session behind them, so that each
    process can keep the tree between requests (`all_categories`)."""

    id: int
    parent_id: int | None
    slug: str
    name: str
    description: str
    position: int
    translations: dict
    # Active products filed directly under it (`Category.active_product_count`).
    active_product_count: int

    translated_fields = CATEGORY_FIELDS


@cache
def _categories_statement():
    # Columns, not entities: the database's values even when the session already holds a
    # category (an entity's attributes would not be refreshed), and no identity map to fill.
    return sa.select(Category.id, Category.parent_id, Category.slug, Category.name, Category.description,
                     Category.position, Category.translations, Category.active_product_count,
                     ).order_by(Category.position, Category.name)


def _read_categories() -> tuple[CategoryView, ...]:
    return tuple(CategoryView(row.id, row.parent_id, row.slug, row.name, row.description or "", row.position,
                              row.translations or {}, row.active_product_count)
                 for row in db.session.execute(_categories_statement()))


def all_categories() -> list[CategoryView]:
    """Every category, ordered for display; read once per request (navigation uses it too), and
    kept by each process while no category or product is written on any node (a page that a
    sale made stale is rendered again without reading the tree: `page_cache.remembered`)."""
    if "all_categories" not in g:
        g.all_categories = list(remembered("categories", "tree", _read_categories))
        g.category_counts = {category.id: category.active_product_count for category in g.all_categories}
    return g.all_categories


def category_by_id(category_id: int | None) -> CategoryView | None:
    return next((c for c in all_categories() if c.id == category_id), None)


def active_product_total(category: Category | None = None) -> int:
    """Active products in the category and below it (every active product without one), from
    the counts the database keeps (no statement beyond the category tree)."""
    all_categories()
    counts = g.category_counts
    return sum(counts.get(i, 0) for i in (descendant_ids(category) if category is not None else counts))


def top_categories() -> list[CategoryView]:
    return [c for c in all_categories() if c.parent_id is None]


def subcategories(category: CategoryView) -> list[CategoryView]:
    return [c for c in all_categories() if c.parent_id == category.id]


def get_category(slug: str) -> CategoryView:
    """:raise CategoryNotFound:"""
    category = next((c for c in all_categories() if c.slug == slug), None)
    if category is None:
        raise CategoryNotFound()
    return category


def category_path(category_id: int | None) -> list[CategoryView]:
    """The category's ancestors, root first, ending with the category itself (for breadcrumbs);
    none for an unknown id."""
    by_id = {c.id: c for c in all_categories()}
    path, current = [], by_id.get(category_id)
    while current is not None and current not in path:
        path.append(current)
        current = by_id.get(current.parent_id) if current.parent_id else None
    return list(reversed(path))


def ancestor_ids(category_id: int | None) -> frozenset[int]:
    """The category and every category above it (none for an unknown id), from the tree
    `all_categories` read for the request."""
    by_id = {c.id: c for c in all_categories()}
    found, current = set(), by_id.get(category_id)
    while current is not None and current.id not in found:
        found.add(current.id)
        current = by_id.get(current.parent_id)
    return frozenset(found)


def descendant_ids(category: CategoryView) -> list[int]:
    """The category and every category below it."""
    children: dict[int | None, list[int]] = {}
    for c in all_categories():
        children.setdefault(c.parent_id, []).append(c.id)
    found, stack = [], [category.id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.append(current)
            stack.extend(children.get(current, []))
    return found


def normalise_sort(sort: str | None) -> str:
    return sort if sort in SORTS else DEFAULT_SORT


# Statements are built once per shape and run with parameters: building one from expressions
# costs more CPU than running it (a listing's ~1 ms against ~0.3 ms), and the statements of
# these pages are few. The shapes: the sort, how many categories are merged, whether a category
# or a search filters.

def _limit(name: str = "limit"):
    return sa.bindparam(name, type_=sa.Integer)


@cache
def _ids_statement(sort: str, *, merged: int = 0, in_categories: bool = False, search: str = ""):
    """The ids of one page of a listing, in order, from the covering (category, active, sort key)
    indexes: sorting whole rows read 100,000 products for 12 (250 ms → 1 ms). Parameters: limit,
    offset, and `categories` (a list), `category_0`… (`merged` of them) or the search's terms."""
    if merged:
        # A category with subcategories: the first offset + limit of each category, merged. One
        # `category_id IN (…)` cannot walk the index in order, so it read and sorted every product.
        key, descending = _SORT_KEYS[sort]
        branches = [sa.select(Product.id.label("id"), key.label("sort_key"))
                    .where(Product.category_id == sa.bindparam(f"category_{n}", type_=sa.Integer),
                           Product.active.is_(True))
                    .order_by(*SORTS[sort]).limit(_limit("window")).subquery()
                    for n in range(merged)]
        union = sa.union_all(*(sa.select(branch) for branch in branches)).subquery("merged")
        direction = sa.desc if descending else sa.asc
        return (sa.select(union.c.id).order_by(direction(union.c.sort_key), direction(union.c.id))
                .limit(_limit()).offset(_limit("offset")))
    return (sa.select(Product.id).where(*_conditions(in_categories, search)).order_by(*SORTS[sort])
            .limit(_limit()).offset(_limit("offset")))


def _conditions(in_categories: bool, search: str) -> list:
    """`search`: the database dialect whose full-text index finds the matches (`catalog.search_index`,
    the same words in every language as the search page), or "" for no search."""
    conditions = [Product.active.is_(True)]
    if in_categories:
        conditions.append(Product.category_id.in_(sa.bindparam("categories", expanding=True)))
    if search:
        conditions.append(Product.id.in_(search_index.matching_ids(search)))
    return conditions


@cache
def _count_statement(in_categories: bool, search: str):
    return sa.select(sa.func.count(Product.id)).where(*_conditions(in_categories, search))


@cache
def _products_statement(*ids_shape, **ids_options):
    """Whole products (the API's listing) of a page of ids, with variants and images."""
    ids = _ids_statement(*ids_shape, **ids_options)
    return (sa.select(Product).where(Product.id.in_(ids)).order_by(*SORTS[ids_shape[0]])
            .options(so.selectinload(Product.variants), so.selectinload(Product.images)))


@cache
def _cards_statement(*ids_shape, **ids_options):
    return cards_of(_ids_statement(*ids_shape, **ids_options), SORTS[ids_shape[0]])


def cards_of(ids, order):
    """The cards of the products `ids` selects, in `order`, in one statement: what each card needs
    of the variants and pictures comes from correlated subqueries on their product_id indexes,
    for these few products only."""
    variants = sa.select(Variant.id).where(Variant.product_id == Product.id)
    cheapest = (variants.with_only_columns(
        sa.case((Variant.compare_at_price > Variant.price, Variant.compare_at_price)))
        .order_by(Variant.price, Variant.position, Variant.id).limit(1))
    first_image = (sa.select(ProductImage.id).where(ProductImage.product_id == Product.id)
                   .order_by(ProductImage.position, ProductImage.id).limit(1))
    return sa.select(
        Product.id, Product.slug, Product.title, Product.price_min,
        variants.with_only_columns(sa.func.max(Variant.price)).scalar_subquery(),
        variants.with_only_columns(sa.func.coalesce(sa.func.sum(Variant.stock), 0)).scalar_subquery(),
        variants.where(Variant.compare_at_price > Variant.price).exists(),
        cheapest.scalar_subquery(),
        first_image.with_only_columns(ProductImage.filename).scalar_subquery(),
        first_image.with_only_columns(ProductImage.alt).scalar_subquery(),
        Product.translations,
    ).where(Product.id.in_(ids)).order_by(*order)


def read_columns(statement, parameters: dict):
    """The rows of a statement that selects columns, not objects, run on the session's connection
    (its transaction) after the autoflush the session would have done: the ORM's result machinery
    has no object to build for them and costs ~0.1 ms a statement, a tenth of a product page's."""
    session = db.session()
    if session.autoflush:
        session.flush()  # nothing to do (and nearly free) unless the session holds changes
    return session.connection().execute(statement, parameters)


def run_cards(statement, parameters: dict, *, kept: bool = True) -> list[ProductCard]:
    """The cards a statement of `cards_of` selects, titled in the request's language; kept by each
    process while no product, variant or picture is written and no variant runs out or comes
    back, on any node (the "cards" section: a card shows stock only as "sold out"). Statements
    are built once per shape (`functools.cache`), so each is its own key. `kept=False` for
    parameters a visitor makes up (a search's words), which would crowd out the rest."""
    language = content_language()
    if not kept:
        return list(_read_cards(statement, parameters, language))
    key = (statement, language, *((name, tuple(value) if isinstance(value, list) else value)
                                  for name, value in sorted(parameters.items())))
    return list(remembered("cards", key, lambda: _read_cards(statement, parameters, language)))


def _read_cards(statement, parameters: dict, language: str | None) -> tuple[ProductCard, ...]:
    cards = []
    for row in read_columns(statement, parameters):
        title = localized(row[10], "title", row[2], language)
        # A picture's own text is in the default language: a translated card is described by its title.
        alt = row[9] if title == row[2] else None
        cards.append(ProductCard(row[0], row[1], title, row[3], row[4], row[5], bool(row[6]), row[7], row[8], alt))
    return tuple(cards)


def _listing(category: Category | None, search: str | None, sort: str | None, page: int, per_page: int):
    """The shape of a listing's statements, their parameters, and the page's total and numbers."""
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    page = max(1, int(page))
    sort = normalise_sort(sort)
    search = search.strip()[:MAX_SEARCH_LENGTH] if search else ""
    categories = descendant_ids(category) if category is not None else []
    parameters = {"limit": per_page, "offset": (page - 1) * per_page}
    options: dict = {}
    if search:
        dialect = db.session.get_bind().dialect.name
        options = {"in_categories": bool(categories), "search": dialect}
        if categories:
            parameters["categories"] = categories
        terms = search_index.query_terms(dialect, search)
        parameters.update(terms or {})
        # A query of no word at all (only punctuation) finds nothing, without asking.
        total = read_columns(_count_statement(**options), parameters).scalar() or 0 if terms else 0
    elif len(categories) > 1:
        options = {"merged": len(categories)}
        parameters.update({f"category_{n}": category_id for n, category_id in enumerate(categories)},
                          window=parameters["offset"] + per_page)
        total = active_product_total(category)
    else:
        options = {"in_categories": bool(categories)}
        if categories:
            parameters["categories"] = categories
        total = active_product_total(category)
    return (sort,), options, parameters, total, page, per_page


def list_products(*, category: Category | None = None, search: str | None = None,
                  sort: str | None = None, page: int = 1, per_page: int = 12) -> Page[Product]:
    """A page of active products, with variants and images loaded; out-of-range pages are empty."""
    shape, options, parameters, total, page, per_page = _listing(category, search, sort, page, per_page)
    if options.get("search") and not total:
        return Page([], 0, page, per_page)
    items = list(db.session.scalars(_products_statement(*shape, **options), parameters))
    return Page(items, total, page, per_page)


def list_cards(*, category: Category | None = None, search: str | None = None,
               sort: str | None = None, page: int = 1, per_page: int = 12) -> Page[ProductCard]:
    """A page of active products as cards; out-of-range pages are empty. One statement, plus
    the count of a search's matches."""
    shape, options, parameters, total, page, per_page = _listing(category, search, sort, page, per_page)
    if options.get("search") and not total:
        return Page([], 0, page, per_page)
    return Page(run_cards(_cards_statement(*shape, **options), parameters), total, page, per_page)


def newest_cards(limit: int) -> list[ProductCard]:
    """The newest active products (the home page's shelf: no total, so nothing is counted)."""
    return run_cards(_cards_statement("newest"), {"limit": limit, "offset": 0})


@cache
def _product_statement(by_slug: bool):
    return sa.select(Product).where(
        Product.active.is_(True),
        Product.slug == sa.bindparam("slug", type_=sa.String) if by_slug else
        Product.id == sa.bindparam("product_id", type_=sa.Integer),
    ).options(
        # The pictures (a handful) joined into the product's row, the variants (up to dozens) in a
        # statement of their own: two statements, and no row repeated more than the pictures.
        so.joinedload(Product.images),
        so.selectinload(Product.variants),
    )


def _with_variant_images(product: Product | None) -> Product | None:
    """Each variant's product and picture set from what was loaded (a variant shows one of the
    product's pictures): joining the picture into the variants' rows built every picture twice,
    and a lazy load, even one the session answers, costs ~20 µs a variant each time the page or
    its JSON-LD asks. What is already loaded is kept; a picture of another product (never made
    by the shop) is left to load by itself."""
    if product is not None:
        images = {image.id: image for image in product.images}
        for variant in product.variants:
            if "product" not in variant.__dict__:
                set_committed_value(variant, "product", product)
            if "image" not in variant.__dict__ and (variant.image_id is None or variant.image_id in images):
                set_committed_value(variant, "image", images.get(variant.image_id))
    return product


def _one_product(statement, parameters: dict) -> Product | None:
    # Every row: the joined pictures come one a row, and `unique()` folds them into one product.
    found = db.session.scalars(statement, parameters).unique().all()
    return _with_variant_images(found[0] if found else None)


def get_product(slug: str) -> Product:
    """An active product by slug with its variants and images (its category is `category_by_id`'s).
    :raise ProductNotFound:"""
    product = _one_product(_product_statement(True), {"slug": slug})
    if product is None:
        raise ProductNotFound()
    return product


def is_on_sale(slug: str) -> bool:
    """Whether an active product has this slug: one small statement, where `get_product` would
    load its variants and pictures."""
    return db.session.scalar(sa.select(sa.literal(1)).where(Product.slug == slug, Product.active.is_(True))
                             .limit(1)) is not None


def active_product_slug(product_id: int) -> str:
    """:raise ProductNotFound: unless an active product has this id."""
    slug = db.session.scalar(sa.select(Product.slug).where(Product.id == product_id, Product.active.is_(True)))
    if slug is None:
        raise ProductNotFound()
    return slug


def get_product_by_id(product_id: int) -> Product:
    """:raise ProductNotFound:"""
    product = _one_product(_product_statement(False), {"product_id": product_id})
    if product is None:
        raise ProductNotFound()
    return product


@cache
def _related_statement():
    order = SORTS["newest"]
    return cards_of(sa.select(Product.id).where(
        Product.active.is_(True), Product.category_id == sa.bindparam("category_id", type_=sa.Integer),
        Product.id != sa.bindparam("product_id", type_=sa.Integer)).order_by(*order).limit(_limit()), order)


def related_products(product: Product, limit: int = 4) -> list[ProductCard]:
    """Other products of the same category, newest first, as cards (one statement)."""
    return run_cards(_related_statement(), {"category_id": product.category_id, "product_id": product.id,
                                            "limit": limit})
