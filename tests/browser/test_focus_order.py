"""The storefront header in Chromium, tabbed through as a keyboard user does: in a 1280 px window,
a 400 px and a 320 px phone, and in the demo social page's tab of a 400 px and a 320 px window
(334 and 254 px frames), in English, Spanish and Latvian. Tab meets the header's links and fields
in the order they are seen, left to right along a row and then down to the next (WCAG 2.4.3 Focus
Order, 1.3.2 Meaningful Sequence): a layout that moves the search field under the languages and
the cart while the markup keeps it between them sends focus down and back up again.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.browser.test_narrow_screens import LOCALES, SHOPPERS, demo_shop, open_page  # noqa: F401  (fixtures)
from tests.browser.test_offers import embedded_shop  # noqa: F401  (a fixture: the shop framable, its cookie allowed)

pytestmark = pytest.mark.browser_ui

WINDOWS = {"1280 px window": 1280, "400 px phone": 400, "320 px phone": 320}
TABS = {"tab of a 400 px window": (400, 334), "tab of a 320 px window": (320, 254)}
FRAME_NAME = "shop-tab"

# The element with the focus, where it is drawn and whether it is inside the header's bar.
FOCUSED = """() => {
    const element = document.activeElement, box = element.getBoundingClientRect();
    const name = (element.getAttribute("aria-label") || element.textContent || element.placeholder || "")
        .replace(/\\s+/g, " ").trim();
    return {name: `${element.tagName.toLowerCase()} "${name}"`, inBar: !!element.closest(".header-bar"),
            inCategories: !!element.closest(".category-nav"),
            left: box.left, right: box.right, top: box.top + scrollY, bottom: box.bottom + scrollY};
}"""
REACHABLE_IN_BAR = """() => [...document.querySelectorAll(
    ".header-bar a[href], .header-bar input, .header-bar button, .header-bar select")]
    .filter(element => element.getClientRects().length && !element.disabled).length"""


def header_stops(where: Page | Frame, keyboard) -> tuple[list[dict], dict]:
    """Each place Tab stops in the header's bar, from the skip link on, and the first stop after it."""
    where.locator(".skip-link").focus()
    stops = []
    for _ in range(20):
        keyboard.press("Tab")
        stop = where.evaluate(FOCUSED)
        if not stop["inBar"]:
            return stops, stop
        stops.append(stop)
    raise AssertionError(f"Tab stayed in the header's bar for {len(stops)} stops")


def seen_after(earlier: dict, later: dict) -> bool:
    """`later` is read after `earlier`: to its right on the same row (their boxes share height), or
    on a row below. A field's button drawn inside the field counts as to its right."""
    same_row = later["top"] < earlier["bottom"] and earlier["top"] < later["bottom"]
    if same_row:
        return later["left"] > earlier["left"]
    return later["top"] >= earlier["bottom"] - 0.5


def assert_focus_follows_the_eye(where: Page | Frame, keyboard, what: str) -> None:
    stops, after = header_stops(where, keyboard)
    assert len(stops) == where.evaluate(REACHABLE_IN_BAR), f"{what}: Tab skipped a link or field of the header"
    for earlier, later in zip(stops, stops[1:]):
        assert seen_after(earlier, later), (
            f"{what}: Tab goes from {earlier['name']} (at {earlier['left']:.0f}, {earlier['top']:.0f} px) "
            f"to {later['name']} (at {later['left']:.0f}, {later['top']:.0f} px), which is seen before it")
    # Past the bar, the categories: on the row below all of it.
    assert after["inCategories"], f"{what}: after the header's bar Tab goes to {after['name']}, not the categories"
    assert after["top"] >= max(stop["bottom"] for stop in stops) - 0.5, (
        f"{what}: the first category ({after['name']}) is reached after, but drawn beside, the header's bar")


# The languages in one test, not one test each: the demo shop is loaded once per width.
@pytest.mark.parametrize("window", WINDOWS)
def test_tab_moves_through_the_header_in_the_order_it_is_seen(open_page, live_server, demo_shop, window):
    for language in LOCALES:
        page = open_page({"width": WINDOWS[window], "height": 800}, language)
        page.goto(live_server.url + "/")
        assert_focus_follows_the_eye(page, page.keyboard, f"the header in a {window} in {language}")


@pytest.mark.parametrize("tab", TABS)
def test_tab_moves_through_the_header_in_the_social_tab_in_the_order_it_is_seen(
        open_page, live_server, demo_shop, embedded_shop, tab):
    window, frame_width = TABS[tab]
    for language in LOCALES:
        page = open_page({"width": window, "height": 900}, language)
        page.goto(f"{live_server.url}/demo/?platform=telegram&shopper={SHOPPERS[language]}&tab=shop")
        expect(page.frame_locator(f"iframe[name={FRAME_NAME}]").locator(".header-bar")).to_be_visible()
        frame = page.frame(name=FRAME_NAME)
        assert frame.evaluate("document.documentElement.clientWidth") == frame_width, f"not the {tab} this test is about"
        assert_focus_follows_the_eye(frame, page.keyboard, f"the header in the {tab} in {language}")
