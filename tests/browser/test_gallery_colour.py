"""The product gallery in Chromium: the highlighted thumbnail is the picture on show, whether the
shopper clicked a thumbnail or chose a colour (which shows that colour's picture)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

# Chromium on pages whose server side the HTTP tests cover on both databases: the SQLite pass.
pytestmark = pytest.mark.browser_ui


def highlighted(page: Page):
    return page.locator(".gallery-thumbs [data-thumb][aria-current=true]")


def shows(page: Page, picture: str) -> None:
    """The main picture is `picture`, its thumbnail alone is highlighted, and the highlight is seen."""
    expect(page.locator("[data-main-image]")).to_have_attribute("src", re.compile(rf"/{picture}\.svg$"))
    expect(highlighted(page)).to_have_count(1)
    expect(highlighted(page)).to_have_attribute("data-full", re.compile(rf"/{picture}\.svg$"))
    border = highlighted(page).evaluate("thumb => getComputedStyle(thumb).borderTopColor")
    assert border not in ("rgba(0, 0, 0, 0)", "transparent"), f"the highlight is not drawn: {border}"


def colour(page: Page, name: str) -> None:
    page.locator(f'input[data-option-name="Colour"][value="{name}"]').check()


def test_the_thumbnail_highlight_follows_the_chosen_colour(page: Page, live_server, knitwear_shop):
    page.goto(live_server.url + "/p/harbour-sweater")
    expect(page.locator(".gallery-thumbs [data-thumb]")).to_have_count(2)
    first = page.locator('input[data-option-name="Colour"]:checked').get_attribute("value")
    other = next(name for name in ("Navy", "Oat") if name != first)
    shows(page, f"harbour-{first.lower()}")

    colour(page, other)
    shows(page, f"harbour-{other.lower()}")
    colour(page, first)
    shows(page, f"harbour-{first.lower()}")

    # A thumbnail's click still shows its picture, and the colour chosen next moves both again.
    page.locator(f'.gallery-thumbs [data-thumb][data-full$="harbour-{other.lower()}.svg"]').click()
    shows(page, f"harbour-{other.lower()}")
    colour(page, other)
    shows(page, f"harbour-{other.lower()}")
    colour(page, first)
    shows(page, f"harbour-{first.lower()}")
