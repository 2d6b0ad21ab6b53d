"""The demo shop at the narrowest widths it serves, in Chromium: a 320 px phone (the width WCAG
1.4.10, Reflow, asks for) and the demo social page's tab in a 400 px window (a 334 px frame) and
in a 320 px window (a 254 px frame: the phone's 320 px less the social page's margins).

In the 254 px tab, in English, Spanish and Latvian, the home, category, product, cart and
checkout pages do not scroll sideways and break no word that a wrap between words would have
kept whole ("Starpsumm-a"); the cart shows a line's sale as the product page did.

In Latvian and Spanish, whose words are the longest ("Ekspresspiegāde", "Ordenar por"), the cart
and the checkout do not scroll sideways and show every control whole, in the window and in the
tab; the shop's name keeps clear of the language links; the sort menu fits. A category reached by
keyboard in the header's sideways-scrolling bar is shown whole, going forwards and back. On the
tracking page of an order awaiting a transfer, the IBAN wraps between its groups of four and stays
inside its panel, in the tab and in a window just too wide for the phone layout.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Frame, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from storefront.extensions import db
from storefront.orders.models import Order, OrderStatus
from tests.browser.test_every_page_overflow_and_axe import assert_fits
from tests.browser.test_offers import embedded_shop  # noqa: F401  (a fixture: the shop framable, its cookie allowed)
from tests.demo_shop import load_demo_shop

# Chromium on pages whose server side the HTTP tests cover on both databases: the SQLite pass.
pytestmark = pytest.mark.browser_ui

LANGUAGES = {"es": "es-ES", "lv": "lv-LV"}
LOCALES = {**LANGUAGES, "en": "en-GB"}
SHOPPERS = {"es": "lucia", "lv": "liga", "en": "emma"}  # the demo social page's shoppers who speak them
PRODUCT = "gauja-cable-knit-pullover"
ON_SALE = "vidzeme-check-throw"  # €129.00, was €159.00
PHONE = {"width": 320, "height": 800}
WINDOW_WITH_TAB = {"width": 400, "height": 900}
PHONE_WITH_TAB = {"width": 320, "height": 900}  # the tab's frame: 254 px
FRAME_NAME = "shop-tab"  # as the demo page names its frame


@pytest.fixture
def demo_shop(app):
    """The demo shop: its translated catalog, delivery methods and the tab's offers."""
    with app.test_request_context():
        load_demo_shop()


@pytest.fixture
def open_page(browser):
    """Browser pages at a given size and language; their contexts closed after."""
    contexts = []

    def opened(viewport: dict, language: str) -> Page:
        context = browser.new_context(viewport=viewport, locale=LOCALES[language])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield opened
    for context in contexts:
        context.close()


def shown_whole(where: Page | Frame, locator: Locator, what: str) -> None:
    """Each element `locator` finds lies inside the screen's width: a button or field cut off at
    the right edge (or the left) cannot be read or reached with a pointer."""
    width = where.evaluate("document.documentElement.clientWidth")
    expect(locator.first).to_be_visible()
    for box in locator.evaluate_all("elements => elements.map(e => e.getBoundingClientRect().toJSON())"):
        assert box["left"] >= 0 and box["right"] <= width + 0.5, (
            f"{what} reaches {box['left']:.0f}..{box['right']:.0f} px of {width} px")


# Words of the page broken across lines though its column could hold them whole: a break inside a
# word where a wrap between words would have done ("Starpsumm-a", "Piegāde (aptuven-i)"). A word
# ends where a line may end anyway (a space, hyphen, dash or slash); hidden text, and a word wider
# than the column (an e-mail address, say), are left out.
WORDS_BROKEN = """() => {
    const main = document.querySelector("main"), style = getComputedStyle(main);
    const column = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const broken = [], walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (parent.closest(".visually-hidden, [hidden], option, textarea") || !parent.getClientRects().length) continue;
        for (const word of node.data.matchAll(/[^\\s\\-\\u2010-\\u2015\\/]{2,}/g)) {
            const range = document.createRange();
            range.setStart(node, word.index);
            range.setEnd(node, word.index + word[0].length);
            const boxes = [...range.getClientRects()].filter(box => box.width > 0);
            const width = boxes.reduce((sum, box) => sum + box.width, 0);
            if (new Set(boxes.map(box => Math.round(box.top))).size > 1 && width <= column) {
                broken.push(`${word[0]} (in ${parent.tagName.toLowerCase()}.${[...parent.classList].join(".")})`);
            }
        }
    }
    return broken;
}"""


def words_whole(where: Page | Frame, what: str) -> None:
    broken = where.evaluate(WORDS_BROKEN)
    assert not broken, f"{what}: words broken inside though the column holds them: {', '.join(broken)}"


def the_cart_fits(where: Page | Frame, what: str) -> None:
    assert_fits(where, what)
    words_whole(where, what)
    line = where.locator("[data-cart-line]").first
    shown_whole(where, line.locator(".cart-line-title"), "the line's title")
    shown_whole(where, line.locator("input[name=quantity]"), "the quantity")
    shown_whole(where, line.locator(".quantity-form button, .remove-form button"), "Update and Remove")
    shown_whole(where, line.locator("[data-line-total]"), "the line's total")
    shown_whole(where, where.locator(".code-row input, .code-row button"), "the code's field and button")
    shown_whole(where, where.locator("a[href$='/checkout']"), "Go to checkout")


def the_checkout_fits(where: Page | Frame, what: str) -> None:
    assert_fits(where, what)
    words_whole(where, what)
    shown_whole(where, where.locator(".field input, .field select"), "the address fields")
    shown_whole(where, where.locator("label.choice"), "the delivery and payment choices")
    shown_whole(where, where.locator("label.choice .choice-price"), "the delivery prices")
    shown_whole(where, where.locator("form.checkout button[type=submit]"), "Continue to review")


# Where an element's text ends (its box may be wider, or narrower with the text running out of it).
TEXT_RIGHT_EDGE = """element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    return range.getBoundingClientRect().right;
}"""


def the_header_fits(where: Page | Frame) -> None:
    """The shop's name and the language links share the header's first row without touching."""
    name_ends = where.locator(".brand-name").evaluate(TEXT_RIGHT_EDGE)
    languages_start = where.locator(".lang-switch a").first.evaluate("link => link.getBoundingClientRect().left")
    assert name_ends < languages_start, (
        f"the shop's name ends at {name_ends:.0f} px, under the language links (from {languages_start:.0f} px)")


def add_the_pullover(where: Page | Frame) -> None:
    where.locator("[data-add-to-cart]").click()
    expect(where.locator("[data-cart-line]")).to_have_count(1)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_cart_and_checkout_fit_a_320_px_phone(open_page, live_server, demo_shop, language):
    page = open_page(PHONE, language)
    page.goto(f"{live_server.url}/p/{PRODUCT}")
    add_the_pullover(page)
    the_cart_fits(page, f"the cart at 320 px in {language}")
    the_header_fits(page)

    page.locator("a[href$='/checkout']").click()
    expect(page).to_have_url(re.compile(r"/checkout$"))
    the_checkout_fits(page, f"the checkout at 320 px in {language}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sort_menu_fits_a_320_px_phone(open_page, live_server, demo_shop, language):
    page = open_page(PHONE, language)
    for path in ("/c/sweaters", "/search?q=wool"):
        page.goto(live_server.url + path)
        assert_fits(page, f"{path} at 320 px in {language}")
        shown_whole(page, page.locator(".sort-form select, .sort-form label"), f"the sort menu of {path}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_cart_and_checkout_fit_the_tab_of_a_400_px_window(open_page, live_server, demo_shop, embedded_shop,
                                                              language):
    page = open_page(WINDOW_WITH_TAB, language)
    page.goto(f"{live_server.url}/demo/?platform=telegram&shopper={SHOPPERS[language]}&app_data=p:{PRODUCT}")
    shop = page.frame_locator(f"iframe[name={FRAME_NAME}]")
    expect(shop.locator("[data-add-to-cart]")).to_be_visible()
    frame = page.frame(name=FRAME_NAME)
    width = frame.evaluate("document.documentElement.clientWidth")
    assert width < 360, f"the tab is {width} px wide: not the narrow tab this test is about"

    add_the_pullover(frame)
    the_cart_fits(frame, f"the cart in the tab in {language}")
    the_header_fits(frame)
    frame.locator("a[href$='/checkout']").click()
    expect(shop.locator("form.checkout")).to_be_visible()
    the_checkout_fits(frame, f"the checkout in the tab in {language}")
    assert page.url.startswith(live_server.url + "/demo/")  # all of it inside the tab


@pytest.mark.parametrize("language", LOCALES)
def test_the_shop_fits_the_tab_of_a_320_px_window(open_page, live_server, demo_shop, embedded_shop, language):
    page = open_page(PHONE_WITH_TAB, language)
    page.goto(f"{live_server.url}/demo/?platform=telegram&shopper={SHOPPERS[language]}&app_data=p:{ON_SALE}")
    shop = page.frame_locator(f"iframe[name={FRAME_NAME}]")
    expect(shop.locator("[data-add-to-cart]")).to_be_visible()
    frame = page.frame(name=FRAME_NAME)
    assert frame.evaluate("document.documentElement.clientWidth") == 254, "not the 254 px frame this test is about"

    assert_fits(frame, f"the product on sale in the 254 px tab in {language}")
    words_whole(frame, f"the product on sale in the 254 px tab in {language}")
    price, was = frame.locator("[data-price]").inner_text(), frame.locator("[data-compare-amount]").inner_text()
    frame.locator("[data-add-to-cart]").click()
    line = frame.locator("[data-cart-line]")
    expect(line).to_have_count(1)
    the_cart_fits(frame, f"the cart in the 254 px tab in {language}")
    the_header_fits(frame)
    # The sale as the product page showed it: the price, the compare-at price struck through, the badge.
    expect(line.locator("[data-line-unit] .price-now")).to_have_text(price)
    expect(line.locator("s[data-line-compare]")).to_contain_text(was)
    expect(line.locator("[data-line-unit] .badge-sale")).to_be_visible()
    assert line.locator("s").count() == 1

    for path, what in (("/", "the home page"), ("/c/sweaters", "a category"), (f"/p/{PRODUCT}", "a product")):
        frame.goto(embedded_shop + path)
        assert_fits(frame, f"{what} in the 254 px tab in {language}")
        words_whole(frame, f"{what} in the 254 px tab in {language}")
    frame.goto(embedded_shop + "/checkout")
    the_checkout_fits(frame, f"the checkout in the 254 px tab in {language}")
    assert page.url.startswith(live_server.url + "/demo/")  # all of it inside the tab


FOCUSED_LINK_SHOWN_WHOLE = """() => {
    const link = document.activeElement, bar = link.closest("ul").getBoundingClientRect();
    const box = link.getBoundingClientRect();
    return box.left >= bar.left && box.right <= bar.right;
}"""


def test_a_category_reached_by_keyboard_is_shown_whole_in_the_header_bar(open_page, live_server, demo_shop):
    page = open_page({"width": 400, "height": 800}, "es")
    page.goto(live_server.url + "/")
    links = page.locator(".category-nav a")
    count = links.count()
    assert page.locator(".category-nav ul").evaluate("bar => bar.scrollWidth > bar.clientWidth"), \
        "the categories fit the bar: nothing to scroll, so nothing to test"
    page.locator("[data-cart-link]").focus()  # the last stop before the bar
    steps = ["Tab"] * count + ["Shift+Tab"] * (count - 1)
    for at, key in zip([*range(count), *range(count - 2, -1, -1)], steps):
        page.keyboard.press(key)
        expect(links.nth(at)).to_be_focused()
        name = links.nth(at).inner_text()
        try:
            page.wait_for_function(FOCUSED_LINK_SHOWN_WHOLE, timeout=2000)
        except PlaywrightTimeoutError:
            raise AssertionError(f"{key} to {name!r}: the link is not wholly inside the category bar") from None


# The bank details of an order awaiting a transfer: in the tab at 400 and 320 px windows (334 and
# 254 px frames), the tab of a desktop window (a 518 px frame) and a 500 px window, the widths just
# past the phone layout where the IBAN's column is narrowest beside its label.
BANK_DETAILS_WIDTHS = {"tab of a 400 px window": ("tab", 400), "tab of a 320 px window": ("tab", 320),
                       "tab of a 960 px window": ("tab", 960), "500 px window": ("window", 500)}
# Each group of the IBAN as written: its text, on how many lines it lies, and its right edge.
IBAN_GROUPS = """iban => {
    const groups = [], walker = document.createTreeWalker(iban, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const match of node.textContent.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const lines = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
            groups.push({text: match[0], lines: lines.size, right: range.getBoundingClientRect().right});
        }
    }
    return groups;
}"""


@pytest.mark.parametrize("where", BANK_DETAILS_WIDTHS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_iban_wraps_between_its_groups_inside_the_bank_details(app, open_page, live_server, demo_shop,
                                                                  embedded_shop, language, where):
    with app.test_request_context():
        token = db.session.scalar(sa.select(Order.tracking_token).where(
            Order.status == OrderStatus.PENDING_PAYMENT, Order.payment_method == "bank_transfer").order_by(Order.id))
    how, window = BANK_DETAILS_WIDTHS[where]
    page = open_page({"width": window, "height": 900}, language)
    if how == "tab":
        page.goto(f"{live_server.url}/demo/?platform=telegram&shopper={SHOPPERS[language]}&tab=shop")
        expect(page.frame_locator(f"iframe[name={FRAME_NAME}]").locator("main")).to_be_visible()
        shop = page.frame(name=FRAME_NAME)
        shop.goto(f"{embedded_shop}/orders/{token}?lang={language}")
    else:
        shop = page
        shop.goto(f"{live_server.url}/orders/{token}?lang={language}")
    iban = shop.locator(".bank-details dt", has_text="IBAN").locator("xpath=following-sibling::dd[1]")
    expect(iban).to_be_visible()

    assert_fits(shop, f"the tracking page in the {where} in {language}")
    panel_right = shop.locator(".instructions").evaluate("panel => panel.getBoundingClientRect().right")
    groups = iban.evaluate(IBAN_GROUPS)
    assert " ".join(group["text"] for group in groups) == "LV80 BANK 0000 4351 9500 1"
    for group in groups:
        assert group["lines"] == 1, f"{group['text']} is broken across lines in the {where}"
        assert group["right"] <= panel_right, (
            f"{group['text']} ends at {group['right']:.0f} px, past the panel's edge ({panel_right:.0f} px), "
            f"in the {where} in {language}")
