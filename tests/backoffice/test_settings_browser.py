"""The settings page in Chromium: axe-clean and no wider than the screen at 400 and 1280 px in
English, Spanish and Latvian; an admin changes the standard delivery rate there and a shopper's
cart shows it at once; an admin adds a parcel locker and a shopper can choose it (screenshots)."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from storefront.extensions import db
from tests.browser.test_reviews_accessibility import WIDTHS, check
from tests.conftest import sign_in_on_page
from tests.factories import make_product, make_user

from .test_settings import environment_settings  # noqa: F401  (the environment's settings before and after)

# Chromium on pages whose server side the HTTP tests cover on both databases: the SQLite pass.
pytestmark = pytest.mark.browser_ui

PASSWORD = "correct horse battery"


def signed_in_admin(context, live_server):
    """A page of `context` where admin@example.com has signed in."""
    page = context.new_page()
    sign_in_on_page(page, live_server.url, "admin@example.com", PASSWORD)
    return page


def test_an_admin_changes_the_delivery_rate_and_the_cart_shows_it(browser, live_server, csrf_enabled, screenshot,
                                                                  subtests):
    product = make_product(title="Jūras cardigan", variants=[{"price": 2500, "stock": 5}])
    make_user("admin@example.com", "admin", PASSWORD)
    db.session.commit()
    axe = Axe()
    context = browser.new_context(locale="en-GB")
    page = signed_in_admin(context, live_server)
    for language in ("en", "es", "lv"):
        response = page.goto(f"{live_server.url}/admin/settings?lang={language}")
        assert response is not None and response.status == 200
        expect(page.locator("html")).to_have_attribute("lang", language)
        for width in WIDTHS:
            with subtests.test(language=language, width=width):
                check(page, axe, width)
                screenshot(page, f"settings-{language}-{width}")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/settings?lang=en")
    page.get_by_label("Standard delivery rate").fill("6.40")
    page.get_by_role("button", name="Save settings").first.click()
    expect(page.locator(".flash-success")).to_contain_text("Settings saved")
    expect(page.locator("#setting-SHIPPING_FLAT_RATE")).to_contain_text("Changed by admin@example.com")
    screenshot(page, "settings-saved-1280")

    shopper = browser.new_context(locale="en-GB", viewport={"width": 400, "height": 900}).new_page()
    shopper.goto(f"{live_server.url}/p/{product.slug}?lang=en")
    with shopper.expect_navigation():
        shopper.get_by_role("button", name="Add to cart").click()
    shopper.goto(f"{live_server.url}/cart/?lang=en")
    expect(shopper.locator("main")).to_contain_text("€6.40")
    expect(shopper.locator("main")).to_contain_text("€31.40")
    screenshot(shopper, "settings-cart-new-rate-400")
    context.close()


def test_an_admin_adds_a_parcel_locker_and_a_latvian_shopper_can_choose_it(browser, live_server, csrf_enabled,
                                                                           screenshot, subtests):
    product = make_product(title="Jūras cardigan", variants=[{"price": 2500, "stock": 5}])
    make_user("admin@example.com", "admin", PASSWORD)
    db.session.commit()
    axe = Axe()
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = signed_in_admin(context, live_server)
    page.goto(f"{live_server.url}/admin/settings?lang=en")
    new_method = page.get_by_role("group", name="Add a delivery method")
    new_method.get_by_label("Name (English)").fill("Omniva parcel locker")
    new_method.get_by_label("Name (Español)").fill("Taquilla de paquetes Omniva")
    new_method.get_by_label("Name (Latviešu)").fill("Omniva pakomāts")
    new_method.get_by_label("Rate").fill("2.99")
    new_method.get_by_label("Free from (items total)").fill("40")
    page.get_by_role("button", name="Save settings").first.click()
    expect(page.locator(".flash-success")).to_contain_text("Settings saved")
    expect(page.get_by_label("Omniva parcel locker: €2.99, free from €40.00")).to_be_checked()
    expect(page.get_by_role("group", name="Omniva parcel locker")).to_be_visible()
    for language in ("en", "es", "lv"):
        page.goto(f"{live_server.url}/admin/settings?lang={language}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        for width in WIDTHS:
            with subtests.test(language=language, width=width):
                page.locator("#setting-DELIVERY_CUSTOM_METHODS").scroll_into_view_if_needed()
                check(page, axe, width)
                screenshot(page, f"settings-added-method-{language}-{width}")

    shopper = browser.new_context(locale="lv-LV", viewport={"width": 400, "height": 900}).new_page()
    shopper.goto(f"{live_server.url}/p/{product.slug}?lang=lv")
    with shopper.expect_navigation():
        shopper.get_by_role("button", name="Pievienot grozam").click()
    shopper.goto(f"{live_server.url}/checkout?lang=lv")
    locker = shopper.get_by_role("radio", name="Omniva pakomāts")
    locker.check()
    expect(locker).to_be_checked()
    expect(shopper.locator("main")).to_contain_text("2,99 €")
    expect(shopper.locator("main")).to_contain_text("27,99 €")
    screenshot(shopper, "checkout-parcel-locker-lv-400")
    context.close()
