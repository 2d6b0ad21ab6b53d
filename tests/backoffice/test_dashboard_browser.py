"""Each role's dashboard with the demo shop, in Chromium: axe-core (WCAG 2.0/2.1 A and AA) clean at
400 px and 1280 px in English, Spanish and Latvian, nothing wider than a phone's screen, its
charts drawn (an SVG image that loaded under the staff CSP), and a screenshot of each."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from storefront.demo.content import STAFF
from tests.conftest import sign_in_on_page
from tests.demo_shop import load_demo_shop
from tests.browser.test_reviews_accessibility import WIDTHS, check

LANGUAGES = ("en", "es", "lv")
CHARTS = {"admin": 3, "marketer": 2, "support": 1}


@pytest.fixture
def demo_shop(app):
    with app.app_context():
        load_demo_shop()


# The browser's part (the charts load under the CSP, axe, the layout) is the same on either
# database: the SQLite pass only. tests/backoffice/test_dashboard.py checks the figures and pages on both.
@pytest.mark.database_independent
@pytest.mark.parametrize("email, role, password", STAFF)
def test_each_roles_dashboard_passes_axe_and_draws_its_charts(browser, live_server, demo_shop, screenshot, subtests,
                                                             email, role, password):
    axe = Axe()
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    sign_in_on_page(page, live_server.url, email, password)
    for language in LANGUAGES:
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        response = page.goto(f"{live_server.url}/admin/?period=30d&lang={language}")
        assert response is not None and response.status == 200
        expect(page.locator("html")).to_have_attribute("lang", language)
        charts = page.locator("img.chart")
        expect(charts).to_have_count(CHARTS[role])
        for n in range(CHARTS[role]):
            # An image the CSP refused (or that failed) has no natural width.
            assert charts.nth(n).evaluate("img => img.complete && img.naturalWidth > 0"), f"chart {n} of {role}"
        for width in WIDTHS:
            with subtests.test(role=role, language=language, width=width):
                check(page, axe, width)
                screenshot(page, f"dashboard-{role}-{language}-{width}")
    context.close()
