"""The search page in Chromium, in English, Spanish and Latvian: a shopper types words of their
language (Latvian without its accents) into the page's search box and presses Enter; the results
are in their language, axe-core (WCAG 2.x A and AA) finds nothing at 400 and 1280 px, and nothing
is wider than a phone's screen."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import make_category, make_product

# Chromium on pages whose server side the HTTP tests cover on both databases: the SQLite pass.
pytestmark = pytest.mark.browser_ui

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# WCAG 2.5.3 (a control's name contains its visible text): axe runs it only when asked.
RULES = {"label-content-name-mismatch": {"enabled": True}}

LOCALES = {"en": "en-GB", "es": "es-ES", "lv": "lv-LV"}
# What a shopper types in each language, and the titles it must find.
SEARCHES = {"en": ("sweater", ["Gauja Cable-Knit Sweater", "Striped Sweater"]),
            "es": ("jersey", ["Jersey de ochos Gauja", "Jersey a rayas"]),
            "lv": ("dzemperis", ["Gaujas pīts džemperis", "Svītrains džemperis"])}


def describe(violations: list[dict]) -> str:
    return "\n".join(f"- {v['id']}: {v['help']}: " + "; ".join(node["html"][:160] for node in v["nodes"])
                     for v in violations)


def seed() -> None:
    sweaters = make_category("Sweaters", translations={"es": {"name": "Jerséis"}, "lv": {"name": "Džemperi"}})
    hats = make_category("Hats", translations={"es": {"name": "Gorros"}, "lv": {"name": "Cepures"}})
    make_product("Striped Sweater", category=sweaters, description="Navy and oat stripes in merino.",
                 variants=[{"price": 8900}], translations={
                     "es": {"title": "Jersey a rayas", "description": "Rayas azul marino y avena, en merino."},
                     "lv": {"title": "Svītrains džemperis", "description": "Tumši zilas un auzu svītras, merino."}})
    make_product("Gauja Cable-Knit Sweater", category=sweaters, variants=[{"price": 11900}],
                 description="Cable-knit sweater in Latvian wool, named after the river Gauja.", translations={
                     "es": {"title": "Jersey de ochos Gauja",
                            "description": "Jersey de ochos de lana letona, con el nombre del río Gauja."},
                     "lv": {"title": "Gaujas pīts džemperis",
                            "description": "Pīts džemperis no Latvijas vilnas, nosaukts Gaujas vārdā."}})
    make_product("Bobble Hat", category=hats, variants=[{"price": 3900}], translations={
        "es": {"title": "Gorro con pompón"}, "lv": {"title": "Cepure ar bumbuli"}})


def test_a_shopper_searches_in_their_language_with_the_keyboard(browser, live_server, screenshot):
    seed()
    axe = Axe()
    for language, locale in LOCALES.items():
        words, titles = SEARCHES[language]
        context = browser.new_context(viewport={"width": 400, "height": 900}, locale=locale)
        page = context.new_page()
        try:
            page.goto(f"{live_server.url}/search")
            box = page.locator("#search-page-q")
            box.focus()
            page.keyboard.type(words)
            page.keyboard.press("Enter")
            expect(page.locator(".result-count")).to_be_visible()
            # The results page whole, with its stylesheet, before its cards are counted and axe
            # and the width look at it: a key that sends a form returns before the next page loads.
            page.wait_for_load_state()
            assert sorted(page.locator(".card-title").all_inner_texts()) == sorted(titles), language
            expect(page.locator("html")).to_have_attribute("lang", language)
            assert context.cookies() == [], "a search sets no cookie"
            for width in (400, 1280):
                page.set_viewport_size({"width": width, "height": 900})
                violations = axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS}, "rules": RULES,
                                                    "resultTypes": ["violations"]}).response["violations"]
                assert not violations, f"{language} at {width} px:\n{describe(violations)}"
                if width == 400:
                    wide, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                    assert wide <= screen, f"{language}: {wide} px wide at 400 px"
                screenshot(page, f"search-{language}-{width}")
        finally:
            context.close()
