"""The customers list and a customer's page with the demo shop, in Chromium: axe-core clean and
nothing wider than the screen at 400 px and 1280 px, in English and Latvian (screenshots of both)."""
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


def test_the_customers_list_and_a_customers_page(browser, live_server, demo_shop,  # noqa: F811
                                                 screenshot, subtests):
    axe = Axe()
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    sign_in_on_page(page, live_server.url, ADMIN[0], ADMIN[1])
    for language in ("en", "lv"):
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        response = page.goto(f"{live_server.url}/admin/customers?sort=orders&lang={language}")
        assert response is not None and response.status == 200
        expect(page.locator("html")).to_have_attribute("lang", language)
        rows = page.locator("table.customers tbody tr")
        assert rows.count() > 5
        for width in WIDTHS:
            with subtests.test(page="list", language=language, width=width):
                check(page, axe, width)
                screenshot(page, f"customers-list-{language}-{width}")
        href = rows.first.locator("td.c-customer a").get_attribute("href")
        response = page.goto(f"{live_server.url}{href}{'&' if '?' in href else '?'}lang={language}")
        assert response is not None and response.status == 200
        expect(page.locator("table.customer-orders tbody tr").first).to_be_visible()
        for width in WIDTHS:
            with subtests.test(page="customer", language=language, width=width):
                check(page, axe, width)
                screenshot(page, f"customers-page-{language}-{width}")
    context.close()
