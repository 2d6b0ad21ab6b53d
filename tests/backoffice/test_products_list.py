"""The staff product list: filters kept with the page number, refusals for filters and pages it
does not know, and bulk actions (show, hide, move to a category) confirmed once, all or nothing."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from storefront.audit.models import AuditEntry
from storefront.catalog.models import Product
from storefront.extensions import db
from tests.catalog.helpers import bulk_products
from tests.factories import make_category, make_product

from .conftest import audit_actions


def titles(page_html: str) -> list[str]:
    return re.findall(r"<strong>([^<]*)</strong></a>", page_html)


def product_states() -> list[tuple[int, bool, int]]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(Product.id, Product.active, Product.category_id).order_by(Product.id)))


@pytest.fixture
def shelf():
    """Hats (one in stock, one low, one sold out, one hidden) and one scarf."""
    hats, scarves = make_category("Hats", slug="hats"), make_category("Scarves", slug="scarves")
    return {
        "hats": hats, "scarves": scarves,
        "plenty": make_product("Plenty hat", category=hats, variants=[{"sku": "HAT-PLENTY", "stock": 9}]),
        "low": make_product("Low hat", category=hats, variants=[{"sku": "HAT-LOW", "stock": 2}]),
        "gone": make_product("Gone hat", category=hats, variants=[{"sku": "HAT-GONE", "stock": 0}]),
        "hidden": make_product("Hidden hat", category=hats, active=False, variants=[{"sku": "HAT_X%", "stock": 9}]),
        "scarf": make_product("Red scarf", category=scarves, variants=[{"sku": "SCARF-RED", "stock": 9}]),
    }


@pytest.mark.parametrize(("query", "expected"), [
    ("stock=in_stock", {"Plenty hat", "Hidden hat", "Red scarf"}),
    ("stock=low", {"Low hat"}),
    ("stock=sold_out", {"Gone hat"}),
    ("active=inactive", {"Hidden hat"}),
    ("active=active&stock=in_stock", {"Plenty hat", "Red scarf"}),
    ("category={scarves}", {"Red scarf"}),
    ("category={hats}&q=hat-", {"Plenty hat", "Low hat", "Gone hat"}),
    # Plain text, not a pattern: "%" and "_" match only themselves.
    ("q=%25", {"Hidden hat"}),
    ("q=_x", {"Hidden hat"}),
])
def test_the_list_filters_by_category_stock_visibility_and_text(client, admin, shelf, query, expected):
    response = client.get("/admin/products?" + query.format(hats=shelf["hats"].id, scarves=shelf["scarves"].id))
    assert response.status_code == 200
    assert set(titles(response.get_data(as_text=True))) == expected


@pytest.mark.parametrize("query", ["category=999999", "category=hats", "stock=plenty", "active=maybe",
                                   "q=" + "x" * 101])
def test_an_unknown_filter_is_refused_with_a_message(client, admin, shelf, query):
    response = client.get("/admin/products?" + query)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Unknown choice: pick one from the list." in page or "at most 100 characters" in page
    assert titles(page) == []


def test_pages_keep_the_filters_and_a_page_past_the_end_is_a_404(client, admin):
    category = make_category("Hats", slug="hats")
    make_category("Other", slug="other")
    bulk_products(category, 30)
    first = client.get(f"/admin/products?category={category.id}&stock=in_stock").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert f'href="/admin/products?category={category.id}&amp;stock=in_stock&amp;page=2"' in first
    response = client.get(f"/admin/products?category={category.id}&page=3")
    assert response.status_code == 404
    assert "There is no such page: the list ends at page 2." in response.get_data(as_text=True)


def test_each_checkbox_names_its_product_and_one_selects_the_whole_page(client, admin, shelf):
    page = client.get("/admin/products").get_data(as_text=True)
    scarf = shelf["scarf"]
    assert (f'<input type="checkbox" id="select-{scarf.id}" name="product_id" value="{scarf.id}" form="bulk-form">'
            in page)
    assert f'<label for="select-{scarf.id}" class="visually-hidden">Select Red scarf</label>' in page
    assert '<label for="select-all" class="visually-hidden">Select all products on this page</label>' in page


def test_a_bulk_action_asks_once_naming_how_many_change_then_changes_all(client, admin, shelf):
    ids = [shelf[name].id for name in ("plenty", "low", "hidden")]
    before = product_states()
    preview = client.post("/admin/products/bulk?stock=in_stock&page=1",
                          data={"action": "deactivate", "product_id": [str(i) for i in ids]})
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "Hide 2 products from the shop?" in text
    assert "1 of the selected products is already so" in text
    assert product_states() == before and audit_actions() == []

    done = client.post("/admin/products/bulk?stock=in_stock&page=1",
                       data={"action": "deactivate", "product_id": [str(i) for i in ids], "confirmed": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/products?stock=in_stock&page=1")
    db.session.expire_all()
    assert [db.session.get(Product, i).active for i in ids] == [False, False, False]
    entries = list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))
    assert [(e.action, e.target_id, e.details["changed"]) for e in entries] == [
        ("product.update", str(shelf["plenty"].id), {"active": [True, False]}),
        ("product.update", str(shelf["low"].id), {"active": [True, False]})]


def test_after_hiding_a_filtered_page_the_list_starts_again_at_its_first_page(client, admin, shelf):
    response = client.post("/admin/products/bulk?active=active&page=2", data={
        "action": "deactivate", "product_id": [str(shelf["low"].id)], "confirmed": "yes"})
    assert response.headers["Location"].endswith("/admin/products?active=active")


def test_select_all_on_the_page_moves_every_product_shown_to_a_category(client, admin, shelf):
    scarves = shelf["scarves"]
    ids = [shelf[name].id for name in ("plenty", "low")]
    response = client.post("/admin/products/bulk", data={
        "action": "set_category", "category_id": str(scarves.id), "all_on_page": "yes",
        "page_product_id": [str(i) for i in ids], "confirmed": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [db.session.get(Product, i).category_id for i in ids] == [scarves.id, scarves.id]
    assert audit_actions() == ["product.update", "product.update"]


def test_the_confirmation_for_a_category_names_it(client, admin, shelf):
    response = client.post("/admin/products/bulk", data={
        "action": "set_category", "category_id": str(shelf["scarves"].id), "product_id": [str(shelf["low"].id)]})
    assert "Move 1 product to Scarves?" in response.get_data(as_text=True)


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"action": "activate"}, 400, "Select at least one product."),
    ({"action": "activate", "product_id": ["abc"]}, 400, "Select at least one product."),
    ({"action": "set_category", "category_id": "999999", "product_id": ["{low}"]}, 400, "Choose a category."),
    ({"action": "set_category", "category_id": "0", "product_id": ["{low}"]}, 400, "Choose a category."),
    ({"action": "explode", "product_id": ["{low}"]}, 400, "Choose what to do with the selected products."),
    ({"action": "deactivate", "product_id": ["{low}", "999999"]}, 409, "no longer exist"),
])
@pytest.mark.parametrize("confirmed", ["", "yes"])
def test_bad_bulk_input_changes_nothing(client, admin, shelf, data, status, message, confirmed):
    data = {key: [v.format(low=shelf["low"].id) for v in value] if isinstance(value, list) else value
            for key, value in data.items()} | {"confirmed": confirmed}
    before = product_states()
    response = client.post("/admin/products/bulk", data=data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert product_states() == before and audit_actions() == []


def test_bulk_actions_need_the_catalog_permission(client, staff, shelf):
    staff("support")
    before = product_states()
    response = client.post("/admin/products/bulk", data={
        "action": "deactivate", "product_id": [str(shelf["low"].id)], "confirmed": "yes"})
    assert response.status_code == 403
    assert product_states() == before and audit_actions() == []


def test_the_list_runs_as_many_queries_with_1000_products_as_with_10(client, admin, count_queries):
    category = make_category("Hats", slug="hats")
    bulk_products(category, 10)
    urls = ["/admin/products", f"/admin/products?category={category.id}&stock=in_stock&active=active&q=wool&page=1"]

    def statements(url):
        client.get(url)
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    small = [statements(url) for url in urls]
    bulk_products(category, 990, prefix="more")
    assert [statements(url) for url in urls] == small
