"""A category's "N products" comes from counts the database keeps (`active_product_count`, by
triggers on `products`), and its pages merge the subcategories' listings: no statement counts or
sorts every product of a big category, and the shopper sees the same count, pages and order."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import g
from sqlalchemy.orm.attributes import set_committed_value

from storefront.catalog import browse
from storefront.catalog.models import Category, Product, Variant
from storefront.database import utcnow
from storefront.extensions import db
from tests.catalog.helpers import bulk_products, card_titles
from tests.factories import make_category, make_product


def stored_counts() -> dict[str, int]:
    db.session.expire_all()
    return dict(db.session.execute(sa.select(Category.slug, Category.active_product_count)).all())


def counted() -> dict[str, int]:
    """What the counts must be: active products per category, counted."""
    rows = db.session.execute(
        sa.select(Category.slug, sa.func.count(Product.id))
        .select_from(Category).outerjoin(Product, sa.and_(Product.category_id == Category.id, Product.active))
        .group_by(Category.slug)).all()
    return dict(rows)


def test_counts_follow_every_kind_of_write():
    knitwear = make_category("Knitwear", slug="knitwear")
    hats = make_category("Hats", slug="hats")
    sweater = make_product("Sweater", category=knitwear)
    make_product("Cap", category=hats)
    make_product("Beret", category=hats, active=False)
    assert stored_counts() == {"knitwear": 1, "hats": 1} == counted()

    bulk_products(knitwear, 30)  # Core bulk insert, as imports and benches write
    assert stored_counts() == {"knitwear": 31, "hats": 1} == counted()

    sweater.active = False  # hidden
    db.session.commit()
    assert stored_counts()["knitwear"] == 30

    sweater.category_id = hats.id  # moved while hidden: no count moves
    db.session.commit()
    assert stored_counts() == {"knitwear": 30, "hats": 1} == counted()

    sweater.active = True  # shown again, in its new category
    db.session.commit()
    assert stored_counts() == {"knitwear": 30, "hats": 2} == counted()

    sweater.category_id = knitwear.id  # moved while shown
    db.session.commit()
    assert stored_counts() == {"knitwear": 31, "hats": 1} == counted()

    # One statement changing many rows at once, some of them to what they already were.
    db.session.execute(sa.update(Product).where(Product.slug.like("bulk-%"), Product.price_min > 1010)
                       .values(active=False))
    db.session.execute(sa.update(Product).values(price_min=Product.price_min + 1))
    db.session.commit()
    assert stored_counts() == counted() == {"knitwear": 12, "hats": 1}

    db.session.execute(sa.update(Product).where(Product.category_id == knitwear.id)
                       .values(category_id=hats.id, active=True))
    db.session.commit()
    assert stored_counts() == counted() == {"knitwear": 0, "hats": 32}

    db.session.delete(db.session.get(Product, sweater.id))
    db.session.execute(sa.delete(Variant).where(Variant.product_id.in_(
        sa.select(Product.id).where(Product.slug.like("bulk-1%")))))
    db.session.execute(sa.delete(Product).where(Product.slug.like("bulk-1%")))
    db.session.commit()
    assert stored_counts() == counted() == {"knitwear": 0, "hats": 20}


def test_a_rolled_back_write_leaves_the_counts_as_they_were():
    knitwear = make_category("Knitwear", slug="knitwear")
    make_product("Sweater", category=knitwear)
    db.session.add(Product(title="Never", slug="never", category_id=knitwear.id, active=True))
    db.session.flush()
    db.session.rollback()
    assert stored_counts() == {"knitwear": 1}


def test_a_category_page_says_how_many_products_it_holds_below_it(client, count_queries):
    top = make_category("Knitwear", slug="knitwear")
    child = make_category("Sweaters", slug="sweaters", parent=top)
    grandchild = make_category("Cardigans", slug="cardigans", parent=child)
    other = make_category("Hats", slug="hats")
    bulk_products(top, 3, prefix="top")
    bulk_products(child, 5, prefix="child")
    bulk_products(grandchild, 7, prefix="grand")
    bulk_products(other, 11, prefix="other")
    make_product("Hidden", category=grandchild, active=False)

    for slug, expected in (("knitwear", 15), ("sweaters", 12), ("cardigans", 7), ("hats", 11)):
        with count_queries() as counter:
            page = client.get(f"/c/{slug}").get_data(as_text=True)
        assert f"{expected} products" in page, slug
        assert not [s for s in counter.statements if re.search(r"count\(", s, re.I)], slug

    # The API's listing reads the same counts (and counts only what a search matches).
    def api_total(query: str) -> int:
        return client.get(f"/api/v1/products?{query}").get_json()["pagination"]["total"]

    assert api_total("category=knitwear") == 15
    assert api_total("") == 26
    assert api_total("category=knitwear&q=grand") == 7


def expected_order(sort: str) -> list[str]:
    """Every active product's title in the order the sort means, computed here from the rows."""
    products = db.session.scalars(sa.select(Product).where(Product.active)).all()
    keys = {
        "newest": lambda p: (-p.created_at.timestamp(), -p.id),
        "price_asc": lambda p: (p.price_min, p.id),
        "price_desc": lambda p: (-p.price_min, -p.id),
        "name": lambda p: (p.title, p.id),
    }
    return [p.title for p in sorted(products, key=keys[sort])]


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc", "name"])
def test_pages_of_a_category_with_subcategories_are_the_sorted_whole_cut_in_pages(app, client, sort, monkeypatch):
    top = make_category("Knitwear", slug="knitwear")
    children = [make_category(f"Sub {n}", slug=f"sub-{n}", parent=top) for n in range(3)]
    now = utcnow()
    rows = []
    for n in range(40):
        # Ties on every sort key across categories: the id must decide, as in one sorted list.
        rows.append({"slug": f"p-{n}", "title": f"Wool {n % 7}", "description": "", "brand": "",
                     "category_id": (top, *children)[n % 4].id, "option_names": [], "active": n % 9 != 4,
                     "price_min": 1000 + (n % 5) * 100, "created_at": now - dt.timedelta(minutes=n % 6),
                     "updated_at": now})
    db.session.execute(sa.insert(Product), rows)
    db.session.commit()
    expected = expected_order(sort)
    monkeypatch.setitem(app.config, "CATALOG_PAGE_SIZE", 6)
    shown = []
    for page in range(1, 8):
        shown += card_titles(client.get(f"/c/knitwear?sort={sort}&page={page}").get_data(as_text=True))
    assert shown == expected
    assert f"{len(expected)} products" in client.get(f"/c/knitwear?sort={sort}").get_data(as_text=True)
    assert "Page 6 of 6" in client.get(f"/c/knitwear?sort={sort}&page=6").get_data(as_text=True)


def test_a_category_page_runs_as_many_statements_with_six_subcategories_as_with_one(client, count_queries):
    top = make_category("Knitwear", slug="knitwear")
    make_category("Only", slug="only", parent=top)
    bulk_products(top, 5, prefix="top")

    def statements() -> int:
        client.get("/c/knitwear")
        with count_queries() as counter:
            assert client.get("/c/knitwear").status_code == 200
        return counter.count

    one = statements()
    for n in range(5):
        bulk_products(make_category(f"Sub {n}", slug=f"sub-{n}", parent=top), 20, prefix=f"sub{n}")
    assert statements() == one


def test_the_category_tree_reads_the_stored_count_not_the_sessions_stale_one():
    knitwear = make_category("Knitwear", slug="knitwear")
    bulk_products(knitwear, 4)
    # The session holds a figure the database no longer has (as after a write of another session).
    set_committed_value(knitwear, "active_product_count", 99)
    g.pop("all_categories", None)
    assert browse.active_product_total(knitwear) == 4
    assert browse.active_product_total() == 4
    assert knitwear.active_product_count == 99  # read beside it, not into it


def test_many_small_writes_in_one_transaction_add_up():
    """An import's row-by-row updates: every statement's change counts, once, at commit."""
    knitwear, hats = make_category("Knitwear", slug="knitwear"), make_category("Hats", slug="hats")
    bulk_products(knitwear, 40)
    ids = db.session.scalars(sa.select(Product.id).order_by(Product.id)).all()
    for n, product_id in enumerate(ids):
        if n % 2:
            db.session.execute(sa.update(Product).where(Product.id == product_id).values(active=False))
        if n % 3 == 0:
            db.session.execute(sa.update(Product).where(Product.id == product_id).values(category_id=hats.id))
    db.session.execute(sa.update(Product).where(Product.id == ids[1]).values(active=True))
    db.session.commit()
    assert stored_counts() == counted() == {"knitwear": 14, "hats": 7}


def test_counts_stay_right_when_writers_overlap(app):
    """Writers at once, each touching both categories in one statement (inserts, moves the other
    way): the counts' row locks serialise them, in id order, so none is lost and none deadlocks."""
    from storefront.database import write_transaction
    from tests.concurrency import at_once, in_own_context

    a, b = make_category("A", slug="a"), make_category("B", slug="b")
    bulk_products(a, 6, prefix="mine-a")
    bulk_products(b, 6, prefix="mine-b")
    a_id, b_id = a.id, b.id  # the threads must not touch this session's objects
    now = utcnow()

    def insert(n: int):
        def work():
            with write_transaction():
                db.session.execute(sa.insert(Product), [
                    {"slug": f"new-{n}-{i}", "title": f"New {n} {i}", "category_id": (a_id, b_id)[i % 2],
                     "active": True, "created_at": now, "updated_at": now} for i in range(6)])
        return in_own_context(app, work)

    def move(prefix: str, to: int):
        def work():
            with write_transaction():
                db.session.execute(sa.update(Product).where(Product.slug.like(f"{prefix}-%"))
                                   .values(category_id=to))
        return in_own_context(app, work)

    results = at_once([insert(n) for n in range(4)] + [move("mine-a", b_id), move("mine-b", a_id)])
    assert [r for r in results if isinstance(r, Exception)] == []
    assert stored_counts() == counted() == {"a": 18, "b": 18}
