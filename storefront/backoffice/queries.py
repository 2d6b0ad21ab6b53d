"""What the back office lists: dashboard counts, the staff product list, the order list with its
stock-hold filter, categories, the audit log.

Read-only queries for staff pages (the storefront's own listings live in catalog.browse and show
active products only; staff see everything). Each listing is a fixed number of queries.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..audit.models import AuditEntry
from ..catalog.browse import Page
from ..catalog.models import Category, Product, Variant
from ..catalog.translations import other_languages
from ..database import casefold
from ..extensions import db

LOW_STOCK = 3
PRODUCTS_PER_PAGE = 25
AUDIT_PER_PAGE = 50
MAX_SEARCH_LENGTH = 100
# An unpaid order whose stock hold ends within this long is shown as about to expire (the
# dashboard's "to do now" and the order list's filter, which it links to).
HOLD_EXPIRING = dt.timedelta(hours=24)


def dashboard_counts() -> dict[str, int]:
    """Products, variants running low (1 to LOW_STOCK left) and sold-out variants."""
    row = db.session.execute(sa.select(
        sa.select(sa.func.count(Product.id)).scalar_subquery(),
        sa.select(sa.func.count(Variant.id)).where(Variant.stock.between(1, LOW_STOCK)).scalar_subquery(),
        sa.select(sa.func.count(Variant.id)).where(Variant.stock == 0).scalar_subquery(),
    )).one()
    return {"products": row[0], "low_stock": row[1], "sold_out": row[2]}


STOCK_ALERTS_SHOWN = 12


def stock_alerts(limit: int = STOCK_ALERTS_SHOWN) -> list[Variant]:
    """The `limit` emptiest variants at or below LOW_STOCK, with their products: those that
    `dashboard_counts` counts as sold out or low. A shop with hundreds of them gets the first
    few, and the dashboard says how many it shows of how many (its figures open the whole list)."""
    return list(db.session.scalars(
        sa.select(Variant).where(Variant.stock <= LOW_STOCK).order_by(Variant.stock, Variant.sku)
        .limit(limit).options(so.joinedload(Variant.product))))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


STOCK_STATES = ("in_stock", "low", "sold_out")


def product_page(search: str | None = None, page: int = 1, stock: str | None = None,
                 per_page: int = PRODUCTS_PER_PAGE, *, category_id: int | None = None,
                 active: bool | None = None) -> Page[Product]:
    """Every product (active or not), newest first, matching title, slug or a variant's SKU (as
    plain text: `%` and `_` match themselves).

    `stock` = "in_stock" keeps products with a variant of more than LOW_STOCK, "low" those with a
    variant of 1 to LOW_STOCK, "sold_out" those with a variant at 0. `category_id` keeps that
    category's products (not its subcategories'); `active` True or False keeps shown or hidden ones.
    """
    page = max(1, page)
    conditions = []
    if search and search.strip():
        # In any script and in every language the title is written in: staff type "ķemeri" for
        # "Ķemeri", or a name as the list shows it in their language.
        pattern = f"%{_escape_like(search.strip()[:MAX_SEARCH_LENGTH].lower())}%"
        sku_match = sa.select(Variant.product_id).where(casefold(Variant.sku).like(pattern, escape="\\"))
        translated = [casefold(Product.translations[language]["title"].as_string()).like(pattern, escape="\\")
                      for language in other_languages()]
        conditions.append(sa.or_(casefold(Product.title).like(pattern, escape="\\"),
                                 casefold(Product.slug).like(pattern, escape="\\"),
                                 *translated, Product.id.in_(sku_match)))
    stock_rules = {"in_stock": Variant.stock > LOW_STOCK, "low": Variant.stock.between(1, LOW_STOCK),
                   "sold_out": Variant.stock == 0}
    if stock in stock_rules:
        conditions.append(Product.id.in_(sa.select(Variant.product_id).where(stock_rules[stock])))
    if category_id is not None:
        conditions.append(Product.category_id == category_id)
    if active is not None:
        conditions.append(Product.active == active)
    total = db.session.scalar(sa.select(sa.func.count(Product.id)).where(*conditions)) or 0
    items = list(db.session.scalars(
        sa.select(Product).where(*conditions).order_by(Product.created_at.desc(), Product.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
        .options(so.selectinload(Product.variants), so.selectinload(Product.images),
                 so.joinedload(Product.category))))
    return Page(items, total, page, per_page)


def category_tree() -> list[tuple[Category, int, int]]:
    """Every category as (category, depth, number of products), parents before their children."""
    categories = list(db.session.scalars(sa.select(Category).order_by(Category.position, Category.name)))
    counts = dict(db.session.execute(
        sa.select(Product.category_id, sa.func.count(Product.id)).group_by(Product.category_id)).all())
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    ordered: list[tuple[Category, int, int]] = []
    seen: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for category in children.get(parent_id, []):
            if category.id not in seen:
                seen.add(category.id)
                ordered.append((category, depth, counts.get(category.id, 0)))
                walk(category.id, depth + 1)

    walk(None, 0)
    return ordered


def category_choices(blank_label: str | None = None) -> list[tuple[int, str]]:
    """(id, indented name) pairs for select boxes, in tree order."""
    choices = [(0, blank_label)] if blank_label is not None else []
    choices += [(category.id, "\u2014 " * depth + category.name) for category, depth, _ in category_tree()]
    return choices


def audit_page(page: int = 1, per_page: int = AUDIT_PER_PAGE, *, actor_email: str | None = None,
               action_prefixes: tuple[str, ...] = ()) -> Page[AuditEntry]:
    """Audit entries, newest first; only `actor_email`'s, and only actions starting with one of
    `action_prefixes` ("order."), when given."""
    page = max(1, page)
    where = []
    if actor_email:
        where.append(AuditEntry.actor_email == actor_email)
    if action_prefixes:
        where.append(sa.or_(*(AuditEntry.action.startswith(prefix, autoescape=True) for prefix in action_prefixes)))
    total = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(*where)) or 0
    items = list(db.session.scalars(
        sa.select(AuditEntry).where(*where).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total, page, per_page)


def audit_actors() -> list[str]:
    """Everyone the audit log names as having acted, by e-mail ("system" for the shop itself)."""
    return list(db.session.scalars(sa.select(AuditEntry.actor_email).distinct().order_by(AuditEntry.actor_email)))
