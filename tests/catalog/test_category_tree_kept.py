"""Each process keeps the category tree (`catalog.browse.all_categories`: navigation, breadcrumbs,
the category pages' counts) while no category or product is written on any node: a page that a
sale made stale is rendered again without reading the tree, and a category renamed, or a product
added or taken off sale, is in the very next page."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from storefront import page_cache
from storefront.catalog import browse
from storefront.catalog.models import Category, Product
from storefront.extensions import db
from tests.factories import make_category, make_order, make_product
from tests.kept_support import another_process, statements_like


@pytest.fixture
def shelf():
    scarves = make_category("Scarves", slug="scarves")
    make_product(title="Sea scarf", slug="sea-scarf", category=scarves, variants=[{"price": 2500, "stock": 1}])
    make_product(title="Dune scarf", slug="dune-scarf", category=scarves, variants=[{"price": 2700, "stock": 5}])
    return scarves


@pytest.fixture
def tree_reads(app):
    """The statements that read the categories table, as they run."""
    with statements_like(r"\bFROM categories\b") as seen:
        yield seen


def render_again(app, client, path: str) -> str:
    """The page rendered anew, as after a sale bumped every page's version (the tree's stays)."""
    page_cache._bump_pages(app)
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers.get("X-Cache") != "HIT"
    return response.get_data(as_text=True)


def nav_names(page: str) -> list[str]:
    nav = re.search(r'<nav class="category-nav".*?</nav>', page, re.S).group(0)
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav)


def count_shown(page: str) -> int:
    return int(re.search(r"(\d+) products?\b", page).group(1))


def test_a_sale_renders_pages_again_without_reading_the_tree(app, client, shelf, tree_reads):
    assert "Sold out" not in client.get("/c/scarves").get_data(as_text=True)
    assert tree_reads, "the first page reads the tree"
    tree_reads.clear()

    sea_scarf = db.session.scalars(sa.select(Product).where(Product.slug == "sea-scarf")).one()
    with app.test_request_context("/"):
        make_order(sea_scarf.variants[0], 1)  # the last one: a stock state changes, every page is stale
    tree_reads.clear()  # (the checkout's own reads)
    page = client.get("/c/scarves")
    assert page.headers.get("X-Cache") != "HIT"
    assert "Sold out" in page.get_data(as_text=True)
    for path in ("/", "/c/scarves", "/p/sea-scarf", "/p/dune-scarf?lang=lv"):
        page = render_again(app, client, path)
        assert nav_names(page) == ["Scarves"]
    assert tree_reads == []


def test_a_category_renamed_or_a_product_taken_off_sale_is_in_the_next_page(app, client, shelf):
    assert count_shown(client.get("/c/scarves").get_data(as_text=True)) == 2
    hats = make_category("Hats", slug="hats", position=5)
    assert nav_names(render_again(app, client, "/c/scarves")) == ["Scarves", "Hats"]

    db.session.get(Category, hats.id).translations = {"lv": {"name": "Cepures"}}
    db.session.commit()
    assert nav_names(render_again(app, client, "/c/scarves?lang=lv")) == ["Scarves", "Cepures"]

    # The count is kept by the database's triggers on `products`: a product write bumps the tree.
    db.session.execute(sa.update(Product).where(Product.slug == "dune-scarf").values(active=False))
    db.session.commit()
    assert count_shown(render_again(app, client, "/c/scarves")) == 1


def test_plain_sql_is_read_after_a_bump(app, client, shelf):
    assert nav_names(client.get("/").get_data(as_text=True)) == ["Scarves"]
    with db.engine.begin() as connection:  # past the session's events: nothing is bumped
        connection.execute(sa.text("UPDATE categories SET name = 'Shawls'"))
    assert nav_names(render_again(app, client, "/")) == ["Scarves"]  # kept (plain SQL must bump)
    page_cache.bump(app)
    assert nav_names(client.get("/").get_data(as_text=True)) == ["Shawls"]


def test_a_category_written_by_another_process_is_in_this_one_s_next_page(app, client, shelf):
    assert nav_names(client.get("/c/scarves").get_data(as_text=True)) == ["Scarves"]
    with another_process(app):  # the other node's editor: its commit bumps the tree's version
        db.session.get(Category, shelf.id).name = "Shawls"
        db.session.commit()
    assert nav_names(render_again(app, client, "/c/scarves")) == ["Shawls"]


def test_outside_a_get_request_the_tree_is_read_from_the_rows(app, shelf, tree_reads):
    """A handler that writes reads its own writes: nothing kept is used outside GET requests."""
    for method, reads in (("GET", 1), ("GET", 1), ("POST", 2), ("POST", 3)):
        with app.app_context(), app.test_request_context("/cart/add", method=method):
            app.preprocess_request()
            assert [category.slug for category in browse.all_categories()] == ["scarves"]
        assert len(tree_reads) == reads
