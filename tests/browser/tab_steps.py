"""Steps a shopper takes in the shop's tab, shared by the browser tests that take them."""
from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import FrameLocator, Page, expect


def add_two_grey_hats(shop: FrameLocator | Page) -> None:
    check_in_a_resized_frame(shop.locator('input[data-option-name="Colour"][value="Grey"]'))
    shop.locator('.buy-form input[name="quantity"]').fill("2")
    shop.locator("[data-add-to-cart]").click()


def check_in_a_resized_frame(radio) -> None:
    """`radio.check()`, clicked again if the click missed. After the window was resized, Chromium
    may still place a cross-site frame where it was a moment before (`test_offers.resize_the_tab` waits for
    the frame's width, not for its place on the page): the click then lands beside the radio, and
    Playwright says "Clicking the checkbox did not change its state" (seen once in a fresh-clone
    run on a loaded machine). A click that hits checks it; a shopper's click is not in question."""
    for attempt in range(3):
        try:
            radio.check()
            break
        except PlaywrightError as error:
            if "did not change its state" not in error.message or attempt == 2:
                raise
    expect(radio).to_be_checked()
