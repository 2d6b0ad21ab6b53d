"""The back office's tables with the demo shop, in Chromium, in Spanish and Latvian: on a phone
(400 px) every list reads as stacked rows, never as a box that scrolls sideways; each cell is
led by its column's name for the eye, while a screen reader still has a table, its column
headers and cells named by their content; and a table that scrolls at any width (the figures,
or a ten-column list beside the sidebar) is a named region reached by keyboard (screenshots)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from promotions.models import Offer
from storefront.accounts.models import User
from storefront.backoffice.imports import start_import
from storefront.extensions import db
from storefront.orders.models import Order
from tests.conftest import sign_in_on_page

from .test_dashboard_browser import demo_shop  # noqa: F401  (the demo shop, loaded once per test)

# Chromium on pages whose server side the HTTP tests cover on both databases: the SQLite pass.
pytestmark = pytest.mark.browser_ui

ADMIN = ("admin@example.com", "demo-admin-2024")
WIDTHS = (400, 600, 1000, 1280)
# The lists staff page through: stacked rows on a phone.
LISTS = {
    "orders": "/admin/orders", "products": "/admin/products", "customers": "/admin/customers",
    "categories": "/admin/categories", "offers": "/admin/offers/", "inbox and questions": "/admin/inbox/",
    "reviews": "/admin/inbox/reviews", "canned replies": "/admin/inbox/canned", "audit log": "/admin/audit",
    "imports": "/admin/catalog/import", "staff": "/admin/staff", "legal pages": "/admin/legal",
}

# Each table of the page: whether its scroll box (the nearest ancestor that clips sideways)
# scrolls now, and how that box presents itself.
TABLES = """() => [...document.querySelectorAll("main table")].map((table) => {
    let box = table.parentElement;
    while (box !== document.body && getComputedStyle(box).overflowX === "visible") box = box.parentElement;
    return {table: table.className, scrolls: box.scrollWidth > box.clientWidth, role: box.getAttribute("role"),
            tabindex: box.getAttribute("tabindex"),
            name: box.getAttribute("aria-label") || box.getAttribute("aria-labelledby")};
})"""


@pytest.fixture
def pages(app, demo_shop):  # noqa: F811
    """The lists, and the pages with figures and items: their addresses need the demo's ids."""
    with app.test_request_context():
        admin = db.session.scalar(sa.select(User).where(User.email == ADMIN[0]))
        start_import(admin, "catalog.csv", b"sku,title,price,stock,category\nT-1,Scarf,twelve,5,Scarves\n", "en",
                     run_in_background=False)
        db.session.commit()
        order_id = db.session.scalar(sa.select(sa.func.min(Order.id)))
        offer_id = db.session.scalar(sa.select(sa.func.min(Offer.id)))
    return LISTS | {"dashboard": "/admin/?period=30d", "order": f"/admin/orders/{order_id}",
                    "customer": f"/admin/customers/{order_id}", "offer": f"/admin/offers/{offer_id}",
                    "inbox figures": "/admin/inbox/figures"}


def test_lists_stack_on_a_phone_and_a_table_that_scrolls_is_a_named_focusable_region(
        browser, live_server, pages, screenshot, subtests):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    sign_in_on_page(page, live_server.url, ADMIN[0], ADMIN[1])
    for language in ("es", "lv"):
        for name, path in pages.items():
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            response = page.goto(f"{live_server.url}{path}{'&' if '?' in path else '?'}lang={language}")
            assert response is not None and response.status == 200, path
            assert page.locator("main table").count(), f"{name}: no table to look at"
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                tables = page.evaluate(TABLES)
                with subtests.test(page=name, language=language, width=width):
                    if width == WIDTHS[0] and name in LISTS:
                        assert [t["table"] for t in tables if t["scrolls"]] == [], f"{name} scrolls sideways"
                    for table in tables:
                        if table["scrolls"]:
                            assert (table["role"], table["tabindex"]) == ("region", "0") and table["name"], (
                                f"{name}: the scrolling box of table.{table['table']} is not a named region "
                                f"reached by keyboard: {table}")
            if language == "lv" and name in ("offers", "audit log", "products"):
                page.set_viewport_size({"width": WIDTHS[0], "height": 900})
                screenshot(page, f"stacked-{name.replace(' ', '-')}-{language}-400")
    context.close()


def test_a_stacked_list_is_still_a_table_to_a_screen_reader_and_names_each_cell_for_the_eye(
        browser, live_server, demo_shop):  # noqa: F811
    context = browser.new_context(locale="en-GB", viewport={"width": WIDTHS[0], "height": 900})
    page = context.new_page()
    sign_in_on_page(page, live_server.url, ADMIN[0], ADMIN[1])
    page.goto(f"{live_server.url}/admin/staff?lang=lv")

    table = page.get_by_role("table")
    expect(table.get_by_role("columnheader", name="Loma")).to_have_count(1)
    # The cell is named by its content: the column's name drawn before it is not read twice.
    role = table.get_by_role("cell", name="Administrators", exact=True)
    expect(role).to_be_visible()
    assert role.evaluate("cell => getComputedStyle(cell, '::before').content").startswith('"Loma: "')
    assert role.evaluate("cell => getComputedStyle(cell).display") == "block"  # a row of its own, in a card
    context.close()
