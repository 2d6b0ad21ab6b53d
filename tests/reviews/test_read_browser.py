"""The product page's reviews in a real browser: at a social tab's width and full width, a helpful
vote sent with the token fetched at submit time, and the same vote without any script."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from reviews import replies
from tests.factories import make_product
from tests.reviews.factories import staff_member
from tests.reviews.read_support import unverified_review

# Chromium on pages whose server side the HTTP tests cover on both databases: the SQLite pass.
pytestmark = pytest.mark.browser_ui

UTC = dt.timezone.utc


@pytest.fixture
def reviewed(app, csrf_enabled, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEWS_ALLOW_UNVERIFIED", True)
    monkeypatch.setitem(app.config, "INBOX_CLOCK", "calendar")
    product = make_product("Gauja pullover", slug="gauja", variants=[{"options": {"Size": size}} for size in "SML"])
    now = dt.datetime.now(UTC) - dt.timedelta(days=3)
    unverified_review(product, 5, now=now, title="Warmest thing I own", body="Soft, long sleeves.", fit="true",
                      name="Emma")
    critical = unverified_review(product, 2, now=now, title="Pilled", body="Pilled after one wash.\n\nShame.",
                                 fit="small", name="Jānis", language="lv")
    unverified_review(product, 4, now=now, fit="true", name="Lucía", language="es")
    replies.reply_to_review(critical.id, "We are sorry — a comb is on its way.",
                            actor=staff_member("support@example.com", role="support"),
                            now=now + dt.timedelta(hours=1, minutes=12))
    return product


@pytest.mark.parametrize("width", [400, 1280])
def test_the_reviews_fit_the_page_at_a_tabs_width_and_full_width(browser, live_server, reviewed, screenshot, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/p/gauja#reviews")
    expect(page.locator("#reviews-heading")).to_have_text("Reviews")
    expect(page.locator(".review-pair")).to_be_visible()
    expect(page.locator(".review-reply").first).to_contain_text("1 h 12 min after the review")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"reviews-product-page-{width}")
    context.close()


def test_a_helpful_vote_is_sent_with_a_token_fetched_when_it_is_sent(browser, live_server, reviewed):
    context = browser.new_context(viewport={"width": 520, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/p/gauja")
    assert not [c for c in context.cookies() if c["name"] == "shop_session"]  # the page set none
    card = page.locator(".review-list .review", has_text="Warmest thing I own")
    card.get_by_role("button", name="Helpful").click()
    page.wait_for_url("**/p/gauja#review-*")
    expect(page.locator(".review-list .review", has_text="Warmest thing I own")
           .locator(".review-helpful-count")).to_have_text("1 person found this helpful")
    context.close()


def test_without_script_a_vote_goes_through_a_confirmation(browser, live_server, reviewed):
    context = browser.new_context(viewport={"width": 520, "height": 900}, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/p/gauja/reviews")
    page.locator(".review", has_text="Warmest thing I own").get_by_role("button", name="Helpful").click()
    expect(page.locator("h1")).to_have_text("Please confirm")
    page.get_by_role("button", name="Yes, this review was helpful").click()
    page.wait_for_url("**/p/gauja/reviews#review-*")
    expect(page.locator(".review", has_text="Warmest thing I own").locator(".review-helpful-count")) \
        .to_have_text("1 person found this helpful")
    context.close()
