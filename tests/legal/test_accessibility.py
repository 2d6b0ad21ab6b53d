"""The legal pages and their editor pass axe-core (WCAG 2.0/2.1 A and AA, and 2.5.3) in Chromium at
400 and 1280 px, in English, Spanish and Latvian, and nothing on them is wider than the screen."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from storefront.demo.legal import load_legal_pages
from storefront.legal.service import PAGES
from tests.factories import make_user

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
OPTIONS = {"runOnly": {"type": "tag", "values": TAGS}, "rules": {"label-content-name-mismatch": {"enabled": True}}}


# axe and the layout only: the SQLite pass (tests/legal/test_pages.py and test_admin.py serve the
# same pages on both databases).
@pytest.mark.database_independent
@pytest.mark.parametrize("width", [400, 1280])
def test_the_legal_pages_and_their_editor_have_no_axe_violation(app, browser, live_server, width):
    load_legal_pages(app.config["LANGUAGES"], dt.datetime.now(dt.timezone.utc))
    make_user("legal-editor@example.com", "admin", password="correct horse battery staple")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page, axe, problems = context.new_page(), Axe(), []

    def check(path: str) -> None:
        page.goto(live_server.url + path)
        violations = axe.run(page, options=OPTIONS).response["violations"]
        problems.extend((path, v["id"], [n["target"] for n in v["nodes"]]) for v in violations)
        if page.evaluate("document.documentElement.scrollWidth") > width:
            problems.append((path, "wider than the screen", width))

    for lang in ("en", "es", "lv"):
        for slug in PAGES:
            check(f"/legal/{slug}?lang={lang}")
    page.goto(live_server.url + "/account/login")
    page.fill('input[name="email"]', "legal-editor@example.com")
    page.fill('input[name="password"]', "correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/"))
    for lang in ("en", "es", "lv"):
        check(f"/admin/legal?lang={lang}")
        check(f"/admin/legal/returns?lang={lang}")
    context.close()
    assert problems == []
