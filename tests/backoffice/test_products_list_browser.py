"""The product list with the demo shop, in Chromium: axe-core clean and nothing wider than the
screen at 400 px and 1280 px in English and Latvian, the select-all box works by keyboard, and a
bulk action goes through its one confirmation page (screenshots of the list and the confirmation)."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.test_reviews_accessibility import WIDTHS, check
from tests.conftest import sign_in_on_page

from .test_dashboard_browser import demo_shop  # noqa: F401  (the demo shop, loaded once per test)

# Chromium on pages whose server side the HTTP tests cover on both databases: the SQLite pass.
pytestmark = pytest.mark.browser_ui

ADMIN = ("admin@example.com", "demo-admin-2024")


def test_the_product_list_and_a_bulk_confirmation_by_keyboard(browser, live_server, demo_shop,  # noqa: F811
                                                              screenshot, subtests):
    axe = Axe()
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    sign_in_on_page(page, live_server.url, ADMIN[0], ADMIN[1])
    for language in ("en", "lv"):
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        response = page.goto(f"{live_server.url}/admin/products?stock=in_stock&lang={language}")
        assert response is not None and response.status == 200
        expect(page.locator("html")).to_have_attribute("lang", language)
        boxes = page.locator("input[name=product_id]")
        assert boxes.count() > 1
        page.locator("#select-all").focus()
        page.keyboard.press("Space")
        for n in range(boxes.count()):
            expect(boxes.nth(n)).to_be_checked()
        page.locator("#action").focus()
        page.keyboard.press("ArrowDown")  # "Hide from the shop"
        for width in WIDTHS:
            with subtests.test(page="list", language=language, width=width):
                check(page, axe, width)
                screenshot(page, f"products-list-{language}-{width}")
        count = boxes.count()
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        page.locator("#bulk-form button[type=submit]").press("Enter")
        page.wait_for_url("**/admin/products/bulk**")
        # The demo's products in stock are all shown in the shop: every one ticked will change.
        expect(page.locator("main h2")).to_contain_text(f" {count} ")
        for width in WIDTHS:
            with subtests.test(page="confirmation", language=language, width=width):
                check(page, axe, width)
                screenshot(page, f"products-bulk-confirm-{language}-{width}")
    context.close()
