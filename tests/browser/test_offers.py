"""An offer for the brand page's tab visitors, end to end in Chromium: a marketer creates it in the
back office's form and schedules it; a shopper launched from the demo social page (the shop in a
cross-site frame, as in test_social_tab) sees its banner counting down, and pays the discounted
total without leaving the frame; a shopper who opens the shop directly neither sees it nor gets it.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import FrameLocator, Page, expect

from promotions.engine import round_half_up
from promotions.models import Offer, OfferStatus, Redemption, RedemptionStatus
from storefront.database import utcnow
from storefront.extensions import db
from storefront.orders.models import Order, OrderStatus
from storefront.social import embedding
from tests.browser.tab_steps import add_two_grey_hats
from tests.factories import make_user

FRAME_NAME = "shop-tab"  # as the demo page names its frame
FRAME = f"iframe[name={FRAME_NAME}]"
RIGA = ZoneInfo("Europe/Riga")
OFFER_NAME = "Tab visitors' twenty"
MARKETER = ("marta@example.com", "correct horse battery")


@pytest.fixture
def embedded_shop(app, live_server, csrf_enabled):
    """The live shop in embedded mode, framable by the demo page (served at 127.0.0.1, framing the
    shop as localhost: two sites); settings restored after."""
    keys = ("FRAME_ANCESTORS", "EMBEDDED_COOKIES", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_SECURE",
            "SESSION_COOKIE_PARTITIONED", "REMEMBER_COOKIE_SECURE")
    saved = {key: app.config.get(key) for key in keys}
    app.config.update(FRAME_ANCESTORS=[live_server.url], EMBEDDED_COOKIES=True)
    embedding.apply_cookie_settings(app.config)
    yield f"http://localhost:{live_server.port}"
    app.config.update(saved)


@pytest.fixture
def marketer():
    return make_user(MARKETER[0], role="marketer", password=MARKETER[1])


@pytest.fixture
def new_context(browser):
    """Fresh browser contexts (a marketer, shoppers: nobody shares cookies), closed after."""
    contexts = []

    def open_page(width: int = 1280, height: int = 900) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def fresh(statement):
    db.session.commit()  # end this test's snapshot: the live server wrote the rows
    return db.session.scalars(statement)


def fits_sideways(page: Page) -> None:
    page.wait_for_load_state()  # measured with its stylesheet: a click returns as the page begins to load
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "something sticks out sideways"


def seconds_of(shown: str) -> int:
    """ "1 h 59 min" in seconds."""
    hours, minutes = re.fullmatch(r"(\d+) h (\d+) min", shown).groups()
    return int(hours) * 3600 + int(minutes) * 60


# --- the marketer ---------------------------------------------------------------------------

def a_marketer_creates_and_schedules_the_tab_offer(page: Page, base_url: str, screenshot) -> Offer:
    page.goto(base_url + "/account/login?next=/admin/offers/")
    page.get_by_label("E-mail").fill(MARKETER[0])
    page.get_by_label("Password").fill(MARKETER[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base_url + "/admin/offers/")

    page.get_by_role("link", name="New offer").click()
    expect(page.locator("h1")).to_have_text("New offer")
    page.get_by_label("Name", exact=True).fill(OFFER_NAME)
    page.get_by_label("Description", exact=True).fill("For everyone who shops from our Facebook page's tab.")
    page.get_by_label("Benefit", exact=True).select_option(label="Percentage off")
    page.get_by_label("Percent off").fill("20")
    expect(page.get_by_label("Amount off")).to_be_hidden()  # the form shows what the benefit needs
    page.get_by_label("Applies to").select_option(label="The whole order")
    page.get_by_label("Who it is for").select_option(label="Tab visitors (came from our page's shop tab)")
    # The pages the form offers are the ones the shop is connected to (the demo apps).
    expect(page.locator("#audience_pages label")).to_have_text(
        ["Facebook / Instagram (Meta) · 1001", "Telegram · ZiemeluVilnaBot", "VK · 51000001"])
    page.get_by_label("Facebook / Instagram (Meta) · 1001").check()
    # From now (to the second) until two hours from now, on Riga's clock (two real hours, also
    # across a clock change: added in UTC).
    now = dt.datetime.now(RIGA).replace(microsecond=0)
    ends = (now.astimezone(dt.timezone.utc) + dt.timedelta(hours=2)).astimezone(RIGA)
    page.get_by_label("Starts").fill(now.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_label("Ends").fill(ends.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_label("Ends").blur()
    page.get_by_label("Time zone of these times").select_option("Europe/Riga")
    fits_sideways(page)
    screenshot(page, "offers-marketer-form")
    page.get_by_role("button", name="Save draft").click()

    expect(page.locator(".flash-success")).to_have_text("Offer saved as a draft. Preview it, then schedule it.")
    expect(page.locator("h1")).to_contain_text(OFFER_NAME)
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator(".flash-success")).to_have_text("Offer scheduled.")
    facts = page.locator(".offer-facts")
    expect(facts).to_contain_text("20% off")
    expect(facts).to_contain_text("whole order")
    expect(facts).to_contain_text("(Europe/Riga)")
    expect(facts).to_contain_text(f"{now:%Y-%m-%d %H:%M} – {ends:%Y-%m-%d %H:%M}")
    expect(page.get_by_role("button", name="End early")).to_be_visible()  # live, so it can end early
    fits_sideways(page)
    screenshot(page, "offers-marketer-offer")

    [offer] = fresh(sa.select(Offer))
    assert offer.status_at(utcnow()) == OfferStatus.LIVE  # scheduled, and its window has begun
    assert (offer.audience, offer.audience_pages, offer.benefit, offer.percent, offer.target) == (
        "tab_visitors", ["meta:1001"], "percent", 20, "order")
    assert offer.ends_at - offer.starts_at == dt.timedelta(hours=2)
    assert offer.starts_at == now.astimezone(dt.timezone.utc)
    return offer


# --- the shoppers ---------------------------------------------------------------------------

def the_banner_counts_down_to_the_offers_end(shop: FrameLocator, offer: Offer) -> None:
    banner = shop.locator(f'[data-offer-banner="{offer.slug}"]')
    expect(banner).to_be_visible()
    expect(banner.locator(".offer-benefit")).to_have_text("20% off")
    expect(banner.locator(".offer-name")).to_have_text(OFFER_NAME)
    expect(banner.locator("[data-countdown-label]")).to_have_text("Ends in")
    clock = banner.locator("[data-countdown-clock]")
    # To the minute, written once when the page loads: nothing on the page updates itself while
    # the shopper reads it (WCAG 2.2.2), so the text stays as it is.
    expect(clock).to_have_text(re.compile(r"^1 h 5\d min$"))
    shown = clock.inner_text()
    left = (offer.ends_at - utcnow()).total_seconds()
    assert abs(seconds_of(shown) - left) <= 90, (shown, left)
    page_clock = clock.evaluate("element => element.textContent")
    clock.page.wait_for_timeout(1500)
    assert clock.evaluate("element => element.textContent") == page_clock  # it does not tick


def resize_the_tab(page: Page, width: int, height: int) -> None:
    """Resizes the window and waits until the shop's frame has taken its new width. Chromium sizes
    a cross-site frame in its own process a moment after the page: a click aimed in between lands
    where the element used to be (CI once saw "Clicking the checkbox did not change its state")."""
    page.set_viewport_size({"width": width, "height": height})
    frame_width = page.locator(FRAME).evaluate("frame => frame.clientWidth")
    # (Polled, not by animation frames: Chromium holds those back in a cross-site frame off screen.)
    page.frame(name=FRAME_NAME).wait_for_function(
        "width => window.innerWidth === width", arg=frame_width, polling=50)


def shoot_the_tab(page: Page, name: str, screenshot, showing=None) -> None:
    """A screenshot of the social page with the shop's frame scrolled to its top, or to `showing`
    (the 760 px tab shows a product page's banner only below the picture)."""
    if showing is None:
        page.frame(name=FRAME_NAME).evaluate("window.scrollTo(0, 0)")
    else:
        showing.evaluate("element => element.scrollIntoView({block: 'center'})")
    # Chromium paints a cross-site frame in its own process: a capture that resizes the page
    # (full page) or comes right after a scroll can catch it blank or half painted. So: a viewport
    # as tall as the page, and the frame captured until two captures agree.
    width, height = page.viewport_size["width"], page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": width, "height": height})
    frame, last = page.locator(FRAME), b""
    for _ in range(20):
        shot = frame.screenshot()
        if shot == last:
            break
        last = shot
        page.wait_for_timeout(100)
    screenshot(page, name)


def a_launched_shopper_pays_the_discounted_total(page: Page, base_url: str, embedded_shop: str,
                                                 offer: Offer, screenshot) -> None:
    page.goto(f"{base_url}/demo/?platform=meta&shopper=emma&app_data=p:bobble-hat")
    shop = page.frame_locator(FRAME)
    expect(shop.locator("h1")).to_have_text("Bobble Hat")
    assert page.frame(name=FRAME_NAME).url == embedded_shop + "/p/bobble-hat"
    the_banner_counts_down_to_the_offers_end(shop, offer)
    banner = shop.locator("[data-offer-banner]")
    shoot_the_tab(page, "offers-tab-banner-1280", screenshot, showing=banner)
    resize_the_tab(page, 520, 900)
    shoot_the_tab(page, "offers-tab-banner-520", screenshot, showing=banner)
    resize_the_tab(page, 1280, 900)

    add_two_grey_hats(shop)
    # 2 × €29.00 = €58.00; 20 % off the order: €11.60; shipping €4.95 (under the free threshold).
    line = shop.locator('[data-cart-line="BH-GREY"]')
    # The offer is said in words: struck through is only ever a compare-at price (none here).
    expect(line.locator("[data-line-total]")).to_have_text(re.compile(r"^\s*€46.40\s+You save €11.60\s*$"))
    expect(line.locator("s")).to_have_count(0)
    expect(shop.locator("[data-discount]")).to_have_text("−€11.60")
    expect(shop.locator("[data-total]")).to_have_text("€51.35")
    expect(shop.locator(f'[data-applied-offer="{offer.id}"]')).to_contain_text(OFFER_NAME)

    shop.get_by_role("link", name="Go to checkout").click()
    expect(shop.locator("h1")).to_have_text("Your details")
    shop.get_by_label("E-mail").fill("emma@example.com")
    shop.get_by_label("Full name").fill("Emma Ozola")
    shop.get_by_label("Street and house number").fill("Brīvības iela 1")
    shop.get_by_label("Postal code").fill("LV-1010")
    shop.get_by_label("City").fill("Rīga")
    shop.get_by_label("Bank transfer", exact=True).check()
    shop.get_by_role("button", name="Continue to review").click()

    expect(shop.locator("h1")).to_have_text("Review your order")
    breakdown = shop.locator("[data-breakdown]")
    expect(breakdown.locator("[data-items]")).to_have_text("€58.00")
    expect(breakdown.locator("[data-discount]")).to_have_text("−€11.60")
    expect(breakdown.locator("[data-shipping]")).to_have_text("€4.95")
    expect(breakdown.locator("[data-total]")).to_have_text("€51.35")
    expect(shop.locator(f'[data-applied-offer="{offer.id}"]')).to_contain_text("−€11.60")
    shoot_the_tab(page, "offers-tab-review-1280", screenshot, showing=breakdown)
    shop.get_by_role("button", name="Place order — €51.35").click()

    expect(shop.locator("[data-order-status]")).to_have_text("Awaiting payment")
    [order] = fresh(sa.select(Order))
    expect(shop.locator("h1")).to_have_text(f"Order {order.number}")
    expect(shop.locator(".order-lines [data-discount]")).to_have_text("−€11.60")
    expect(shop.locator(".order-lines [data-total]")).to_have_text("€51.35")
    expect(shop.locator(".instructions")).to_contain_text(f"Please transfer €51.35 with the reference {order.number}.")
    assert page.url.startswith(base_url + "/demo/")  # never left the social page
    shoot_the_tab(page, "offers-tab-tracking-1280", screenshot, showing=shop.locator(".order-lines"))

    assert order.items_subtotal == 5800
    assert order.discount == round_half_up(Decimal(order.items_subtotal) * 20 / 100) == 1160
    assert order.total == order.items_subtotal - order.discount + order.shipping == 5135
    assert (order.shipping, order.shipping_discount) == (495, 0)
    assert sum(line.discount for line in order.lines) == order.discount
    assert (order.status, order.channel) == (OrderStatus.PENDING_PAYMENT, "meta")
    [redemption] = fresh(sa.select(Redemption))
    assert (redemption.offer_id, redemption.order_id, redemption.status, redemption.discount) == (
        offer.id, order.id, RedemptionStatus.HELD, 1160)
    assert db.session.get(Offer, offer.id).redemptions_count == 1


def a_shopper_opening_the_shop_directly_pays_full_price(page: Page, shop_url: str, screenshot) -> None:
    page.goto(shop_url + "/")
    expect(page.locator("h1").first).to_be_visible()
    expect(page.locator("[data-offer-banner]")).to_have_count(0)
    page.goto(shop_url + "/p/bobble-hat")
    expect(page.locator("h1")).to_have_text("Bobble Hat")
    expect(page.locator("[data-offer-banner]")).to_have_count(0)
    expect(page.get_by_text(OFFER_NAME)).to_have_count(0)
    add_two_grey_hats(page)
    expect(page.locator('[data-cart-line="BH-GREY"] [data-line-total]')).to_have_text("€58.00")
    expect(page.locator("[data-total]")).to_have_text("€62.95")
    expect(page.locator("[data-discount]")).to_have_count(0)
    expect(page.locator("[data-applied-offer]")).to_have_count(0)
    expect(page.get_by_text(OFFER_NAME)).to_have_count(0)  # not even named to a shopper outside it
    screenshot(page, "offers-direct-cart-1280")


def test_a_tab_visitor_offer_is_paid_in_the_tab_and_not_offered_to_a_shopper_who_came_directly(
        live_server, embedded_shop, knitwear_shop, marketer, new_context, screenshot):
    offer = a_marketer_creates_and_schedules_the_tab_offer(
        new_context(1280, 900), live_server.url, screenshot)
    a_launched_shopper_pays_the_discounted_total(
        new_context(1280, 1400), live_server.url, embedded_shop, offer, screenshot)
    a_shopper_opening_the_shop_directly_pays_full_price(new_context(1280, 900), embedded_shop, screenshot)
