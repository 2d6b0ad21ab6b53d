"""In Chromium, the colour picker of a Latvian product page names the colours in Latvian, also
after the shopper picks another one, while the cart still gets the stored variant."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_product

# Chromium on pages whose server side the HTTP tests cover on both databases: the SQLite pass.
pytestmark = pytest.mark.browser_ui

WORDS = {"lv": {"title": "Gaujas bižu džemperis", "options": {"Colour": "Krāsa"},
                "values": {"Colour": {"Navy": "Tumši zils", "Oat": "Auzu bēšs"}}}}


def test_the_chosen_colour_is_named_in_the_pages_language(page: Page, live_server):
    product = make_product("Gauja Cable-Knit Pullover", slug="gauja", option_names=("Colour",), translations=WORDS,
                           variants=[{"sku": "G-NAVY", "options": {"Colour": "Navy"}},
                                     {"sku": "G-OAT", "options": {"Colour": "Oat"}}])
    oat = product.variants[1].id
    page.goto(live_server.url + "/p/gauja?lang=lv")
    current = page.locator("[data-option-current='Colour']")
    expect(current).to_have_text("Tumši zils")
    page.locator("input[data-option-name='Colour'][value='Oat']").check(force=True)
    expect(current).to_have_text("Auzu bēšs")
    expect(page.locator(f"input[name=variant_id][value='{oat}']")).to_be_checked()
