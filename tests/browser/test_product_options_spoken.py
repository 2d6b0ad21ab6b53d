"""What a screen reader is told on the demo shop's product page, in Chromium: the main picture's
text alternative is the one of the picture on show (a thumbnail clicked or a colour chosen), a
sold-out option says "sold out" in its name (not only by its strikethrough), and the availability
shown after a choice is in a polite live region, so "Sold out" (and the Add button turned off) is
heard when it appears. axe finds nothing wrong with the page in that state.
"""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.test_reviews_accessibility import check
from tests.demo_shop import load_demo_shop

# Chromium on pages whose server side the HTTP tests cover on both databases: the SQLite pass.
pytestmark = pytest.mark.browser_ui

LANGUAGES = {"es": "es-ES", "lv": "lv-LV"}
# The demo's Daugava Merino Crew is sold out in Cranberry, size XS (storefront/demo/content.py).
CRANBERRY = {"es": "Arándano", "lv": "Dzērveņu sarkans"}
SOLD_OUT = {"es": "Agotado", "lv": "Izpārdots"}  # the catalogs' "Sold out"


@pytest.fixture
def demo_shop(app):
    """The demo shop: its pictures have alt texts, its colours names in every language."""
    with app.test_request_context():
        load_demo_shop()


@pytest.fixture
def shopper(browser, request):
    """A page in a social tab's width, in the language `request.param` names."""
    context = browser.new_context(viewport={"width": 400, "height": 900}, locale=LANGUAGES[request.param])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.language = request.param
    yield page
    context.close()


def pick(page: Page, option: str, value: str) -> None:
    page.locator(f'input[data-option-name="{option}"][value="{value}"]').check()


@pytest.mark.parametrize("shopper", ["lv"], indirect=True)
def test_the_main_pictures_alt_text_is_the_picture_on_show(shopper: Page, live_server, demo_shop):
    page = shopper
    page.goto(live_server.url + "/p/gauja-cable-knit-pullover")
    main = page.locator("[data-main-image]")
    thumbs = page.locator(".gallery-thumbs [data-thumb]")
    alts = thumbs.locator("img").evaluate_all("images => images.map(image => image.alt)")
    assert len(set(alts)) == len(alts) > 1, f"each picture has its own alt text: {alts}"

    for at in (*range(1, len(alts)), 0):
        thumbs.nth(at).click()
        expect(main).to_have_attribute("src", thumbs.nth(at).get_attribute("data-full"))
        expect(main).to_have_attribute("alt", alts[at])

    # A colour chosen shows its picture, named by that colour ("Gaujas bižu džemperis – Meža zaļš").
    for colour in ("Forest", "Charcoal", "Oat"):
        pick(page, "Colour", colour)
        label = page.locator(f'input[data-option-name="Colour"][value="{colour}"]').get_attribute("data-option-label")
        expect(main).to_have_attribute("alt", re.compile(rf" – {re.escape(label)}$"))
        expect(main).to_have_attribute("alt", alts[thumb_sources(thumbs).index(main.get_attribute("src"))])


def thumb_sources(thumbs) -> list[str]:
    return thumbs.evaluate_all("links => links.map(link => link.getAttribute('data-full'))")


@pytest.mark.parametrize("shopper", list(LANGUAGES), indirect=True)
def test_a_sold_out_option_says_so_in_its_name_and_its_choice_is_announced(shopper: Page, live_server, demo_shop):
    page, language = shopper, shopper.language
    sold_out, cranberry = SOLD_OUT[language], CRANBERRY[language]
    page.goto(live_server.url + "/p/daugava-merino-crew")
    pick(page, "Size", "XS")
    expect(page.get_by_role("radio", name=f"{cranberry} ({sold_out})", exact=True)).to_have_count(1)
    # The other colours come in XS: their names are just the colour.
    expect(page.locator(".option-pickers").get_by_role("radio", name=f"({sold_out})")).to_have_count(1)
    # Said, not shown: the strikethrough is what the eye gets.
    said = page.locator("[data-pill-sold-out]:not([hidden])").first.bounding_box()
    assert said["width"] <= 1 and said["height"] <= 1, f"the words show on the page: {said}"

    # The availability line is in a polite live region: what it says next is heard as it appears.
    expect(page.locator('[aria-live="polite"] [data-stock-state]')).to_have_count(1)
    availability = page.locator("[data-stock-state]")
    expect(availability).not_to_have_text(sold_out)
    pick(page, "Colour", "Cranberry")
    expect(availability).to_have_text(sold_out)
    expect(page.locator("[data-add-to-cart]")).to_be_disabled()
    # With Cranberry chosen, XS is the size that says so; in S, Cranberry is for sale.
    expect(page.get_by_role("radio", name=f"XS ({sold_out})", exact=True)).to_have_count(1)
    expect(page.get_by_role("radio", name=f"{cranberry} ({sold_out})", exact=True)).to_have_count(1)
    check(page, Axe(), 400)

    pick(page, "Size", "S")
    expect(availability).not_to_have_text(sold_out)
    expect(page.locator("[data-add-to-cart]")).to_be_enabled()
    expect(page.get_by_role("radio", name=cranberry, exact=True)).to_have_count(1)
    expect(page.get_by_role("radio", name=f"XS ({sold_out})", exact=True)).to_have_count(1)
