"""The shop inside a social page's frame, in Chromium, across sites: the parent page is served
from http://127.0.0.1:<another port>, the shop from http://localhost:<live server port>, so the
shop is a real cross-site (third-party) frame with Chromium's own cookie rules.

- A listed parent frames the shop; its partitioned session cookie survives, so a shopper adds to
  the cart and completes a bank-transfer checkout without leaving the frame.
- A parent that is not listed gets Chromium's blocked-frame page, never the shop.
- With every cookie refused to the shop inside the frame (a site setting, as a privacy-minded
  shopper has), the first form post explains plainly how to continue (once, with status 400), and
  the "Open the shop in a new tab" button leads to a top-level shop where buying works.
"""
from __future__ import annotations

import json
import os
import re
import threading
from html import escape

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from storefront.extensions import db
from storefront.orders.models import Order, OrderStatus
from storefront.social import embedding
from tests.browser.tab_steps import add_two_grey_hats
from tests.conftest import CHROMIUM_ARGS, CHROMIUM_PATHS

FRAME_NAME = "shop-tab"  # as the demo page names its frame
FRAME = f"iframe[name={FRAME_NAME}]"


class ParentPage:
    """A minimal social page on its own origin, showing `shop_url` in a 520 px tab."""

    def __init__(self, title: str):
        self.title = title
        self.shop_url = "about:blank"
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.origin = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def wsgi(self, environ, start_response):
        body = (
            "<!doctype html><meta charset=utf-8><title>{title}</title>"
            "<style>body{{font:16px sans-serif;margin:0;background:#e9ebee}}header{{background:#1d2b3a;color:#fff;"
            "padding:14px 20px}}iframe{{display:block;margin:16px auto;border:1px solid #ccd;background:#fff}}</style>"
            "<header><strong>{title}</strong> · Shop</header>"
            '<iframe name="shop-tab" src="{src}" width="520" height="1100"></iframe>'
        ).format(title=escape(self.title), src=escape(self.shop_url))
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]

    def frames(self, url: str) -> str:
        self.shop_url = url
        return self.origin + "/"

    def stop(self):
        self._server.shutdown()


@pytest.fixture
def brand_page():
    page = ParentPage("Ziemeļu Vilna on Social")
    yield page
    page.stop()


@pytest.fixture
def stranger_page():
    page = ParentPage("Someone else's page")
    yield page
    page.stop()


@pytest.fixture
def embedded_shop(app, live_server, brand_page, csrf_enabled):
    """The live shop in embedded mode, framable by the brand page only; settings restored after.
    The shop is addressed as localhost, the parent as 127.0.0.1: two sites."""
    keys = ("FRAME_ANCESTORS", "EMBEDDED_COOKIES", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_SECURE",
            "SESSION_COOKIE_PARTITIONED", "REMEMBER_COOKIE_SECURE")
    saved = {key: app.config.get(key) for key in keys}
    # The demo page is served by the shop's server at 127.0.0.1 and frames it as localhost.
    app.config.update(FRAME_ANCESTORS=[brand_page.origin, live_server.url], EMBEDDED_COOKIES=True)
    embedding.apply_cookie_settings(app.config)
    yield f"http://localhost:{live_server.port}"
    app.config.update(saved)


def the_orders() -> list[Order]:
    db.session.commit()  # end this test's snapshot: the live server wrote the order
    return list(db.session.scalars(sa.select(Order)))


def at_top(page: Page, name: str, screenshot) -> None:
    """A screenshot of the brand page with the shop's frame scrolled back to its top."""
    page.frame(name=FRAME_NAME).evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)


@pytest.mark.parametrize("platform", ["meta", "telegram", "vk"])
def test_a_shopper_launched_from_the_demo_page_buys_without_leaving_the_frame(
        page: Page, live_server, embedded_shop, knitwear_shop, screenshot, platform):
    page.set_viewport_size({"width": 1280, "height": 1400})  # the whole tab fits: no resizing to shoot
    page.goto(f"{live_server.url}/demo/?platform={platform}&shopper=emma&app_data=p:bobble-hat")
    shop = page.frame_locator(FRAME)
    # The signed launch opened the deep-linked product in the tab, on the other site.
    expect(shop.locator("h1")).to_have_text("Bobble Hat")
    frame = page.frame(name=FRAME_NAME)
    assert frame.url == embedded_shop + "/p/bobble-hat"

    add_two_grey_hats(shop)
    # The cart page knows the hats: the session cookie came back on the next request.
    expect(shop.locator('[data-cart-line="BH-GREY"] [data-line-total]')).to_have_text("€58.00")
    expect(shop.locator("[data-cart-count]")).to_have_text("2")
    assert frame.url == embedded_shop + "/cart/"
    at_top(page, f"social-tab-{platform}-cart", screenshot)
    cookie = next(c for c in page.context.cookies() if c["name"] == "shop_session")
    assert cookie["domain"] == "localhost" and cookie["sameSite"] == "None" and cookie["secure"]
    assert cookie.get("partitionKey") == "http://127.0.0.1"  # kept for this parent site only

    shop.get_by_role("link", name="Go to checkout").click()
    expect(shop.locator("h1")).to_have_text("Your details")
    shop.get_by_label("E-mail").fill("emma@example.com")
    shop.get_by_label("Full name").fill("Emma Ozola")
    shop.get_by_label("Street and house number").fill("Brīvības iela 1")
    shop.get_by_label("Postal code").fill("LV-1010")
    shop.get_by_label("City").fill("Rīga")
    shop.get_by_label("Bank transfer", exact=True).check()
    at_top(page, f"social-tab-{platform}-details", screenshot)
    shop.get_by_role("button", name="Continue to review").click()

    expect(shop.locator("h1")).to_have_text("Review your order")
    expect(shop.locator(".summary-lines")).to_contain_text("2 × Bobble Hat (Grey)")
    expect(shop.locator("[data-breakdown] [data-total]")).to_have_text("€62.95")
    shop.get_by_role("button", name="Place order — €62.95").click()

    expect(shop.locator("[data-order-status]")).to_have_text("Awaiting payment")
    [order] = the_orders()
    expect(shop.locator("h1")).to_have_text(f"Order {order.number}")
    expect(shop.locator(".instructions")).to_contain_text(f"Please transfer €62.95 with the reference {order.number}.")
    assert re.fullmatch(rf"{re.escape(embedded_shop)}/orders/{order.tracking_token}\?placed=1", frame.url)
    assert page.url.startswith(live_server.url + "/demo/")  # the social page never went away
    at_top(page, f"social-tab-{platform}-tracking", screenshot)
    assert (order.total, order.status, order.email) == (6295, OrderStatus.PENDING_PAYMENT, "emma@example.com")
    assert [(line.sku, line.quantity) for line in order.lines] == [("BH-GREY", 2)]
    assert order.channel == platform  # the launch's session reached the order


def test_a_page_on_an_unlisted_origin_cannot_frame_the_shop(
        page: Page, live_server, brand_page, stranger_page, embedded_shop, knitwear_shop, screenshot):
    with page.expect_console_message(lambda message: "frame-ancestors" in message.text) as refusal:
        page.goto(stranger_page.frames(embedded_shop + "/p/bobble-hat"))
    # Chromium names the rule that blocked it: the shop's own policy, listing the listed pages only.
    assert f"\"frame-ancestors 'self' {brand_page.origin} {live_server.url}\"" in refusal.value.text
    assert stranger_page.origin not in refusal.value.text
    assert "has been blocked" in refusal.value.text
    frame = page.locator(FRAME).element_handle().content_frame()
    expect(page.locator("header")).to_contain_text("Someone else's page")
    assert frame.url.startswith("chrome-error://")  # Chromium's blocked-frame page, not the shop
    text = frame.evaluate("document.documentElement.innerText")
    assert "Bobble Hat" not in text and "Ziemeļu Vilna" not in text
    assert frame.locator("[data-add-to-cart]").count() == 0
    screenshot(page, "social-tab-unlisted-parent")


@pytest.fixture
def cookie_blocking_context(tmp_path, browser):
    """Chromium with a profile that blocks third-party cookies and refuses every cookie to
    localhost while it is embedded in a 127.0.0.1 page: partitioned cookies included, as a
    shopper's privacy setting does. At top level localhost keeps its cookies."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(json.dumps({"profile": {
        "cookie_controls_mode": 1, "block_third_party_cookies": True,
        "content_settings": {"exceptions": {"cookies": {"localhost,127.0.0.1": {"setting": 2}}}}}}))
    executable = next(path for path in CHROMIUM_PATHS if os.path.exists(path))
    # A browser of its own (the shared one has no profile), from the same Playwright driver.
    context = browser.browser_type.launch_persistent_context(
        str(profile), executable_path=executable, args=CHROMIUM_ARGS, headless=True,
        viewport={"width": 1280, "height": 1200}, locale="en-GB")
    yield context
    context.close()


def test_with_cookies_blocked_in_the_frame_the_shopper_is_told_to_continue_in_a_new_tab_and_can(
        cookie_blocking_context, live_server, embedded_shop, knitwear_shop, screenshot):
    page = cookie_blocking_context.new_page()
    adds = []
    page.on("response", lambda response: adds.append(response.status) if response.url.endswith("/cart/add") else None)
    page.goto(f"{live_server.url}/demo/?platform=meta&shopper=emma&app_data=p:bobble-hat")
    shop = page.frame_locator(FRAME)
    expect(shop.locator("h1")).to_have_text("Bobble Hat")
    add_two_grey_hats(shop)

    explanation = shop.locator("[data-cookies-blocked]")
    expect(explanation.locator("h1")).to_have_text("Continue in a new tab")
    expect(explanation).to_contain_text("Your browser blocks cookies inside this page")
    button = explanation.get_by_role("link", name="Open the shop in a new tab")
    expect(button).to_have_attribute("target", "_blank")
    page.wait_for_timeout(1000)
    assert adds == [400]  # answered once; nothing re-sends the form or reloads the frame
    assert not [c for c in cookie_blocking_context.cookies() if c["name"] == "shop_session"]
    screenshot(page, "social-tab-cookies-blocked")

    with cookie_blocking_context.expect_page() as opened:
        button.click()
    tab = opened.value
    expect(tab.locator("h1")).to_have_text("Bobble Hat")
    assert tab.url == embedded_shop + "/p/bobble-hat?lang=en"
    add_two_grey_hats(tab)
    expect(tab.locator('[data-cart-line="BH-GREY"] [data-line-total]')).to_have_text("€58.00")
    tab.get_by_role("link", name="Go to checkout").click()
    expect(tab.locator("h1")).to_have_text("Your details")
    screenshot(tab, "social-tab-cookies-blocked-new-tab")
