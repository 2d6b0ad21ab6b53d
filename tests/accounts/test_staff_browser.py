"""In Chromium: the staff pages are accessible (axe-core, WCAG 2.1 AA) at 400 and 1280 px in every
language, and the revocation walk-through: a browser's kept cookies open nothing once an admin has
disabled the account, even after enabling it again."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.mail.service import render
from tests.factories import make_user

# Chromium on pages whose server side the HTTP tests cover on both databases: the SQLite pass.
pytestmark = pytest.mark.browser_ui

PASSWORD = "correct horse battery"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def sign_in(page, base: str, email: str, remember: bool = False) -> None:
    page.goto(f"{base}/account/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    if remember:
        page.check("input[name=remember]")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/$"))


def no_violations(page, axe: Axe) -> None:
    for width in (400, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        violations = axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS},
                                            "resultTypes": ["violations"]}).response["violations"]
        assert not violations, f"{page.url} at {width} px: {[v['id'] for v in violations]}"
        if width == 400:
            wide, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert wide <= screen, f"{page.url} at 400 px is {wide} px wide"


# axe and the layout only: the SQLite pass (tests/accounts/test_staff_admin.py serves the same pages
# on both databases).
@pytest.mark.database_independent
@pytest.mark.parametrize("lang", ["en", "es", "lv"])
def test_the_staff_pages_are_accessible_in_every_language(browser, live_server, screenshot, lang):
    make_user("admin@example.com", "admin", PASSWORD)
    member = make_user("mara@example.com", "support", PASSWORD)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    axe = Axe()
    base = live_server.url
    sign_in(page, base, "admin@example.com")
    page.goto(f"{base}/admin/staff?lang={lang}")
    page.fill("input[name=email]", "new.person@example.com")
    page.click("form:has(input[name=email]) button[type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    for path in ("/admin/staff", f"/admin/staff/{member.id}", "/admin/account"):
        page.goto(f"{base}{path}?lang={lang}")
        no_violations(page, axe)
        for width in (400, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            screenshot(page, f"staff-{path.strip('/').replace('/', '-')}-{lang}-{width}")
    db.session.expire_all()
    mail = db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.kind == "staff_invitation")).first()
    link = re.search(r"http://shop\.test(/account/link/\S+)", render(mail).get_body(("plain",)).get_content()).group(1)
    page.goto(f"{base}{link.split('?')[0]}?lang={lang}")
    no_violations(page, axe)
    for width in (400, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"staff-choose-password-{lang}-{width}")
    context.close()


def test_walk_through_a_disabled_members_kept_cookies_open_nothing_even_after_enabling(browser, live_server,
                                                                                        screenshot):
    make_user("admin@example.com", "admin", PASSWORD)
    member = make_user("mara@example.com", "support", PASSWORD)
    base = live_server.url
    admin_context, member_context = browser.new_context(), browser.new_context()
    admin, mara = admin_context.new_page(), member_context.new_page()
    admin.on("dialog", lambda dialog: dialog.accept())
    sign_in(admin, base, "admin@example.com")
    sign_in(mara, base, "mara@example.com", remember=True)
    kept = member_context.cookies()
    assert {c["name"] for c in kept} >= {"shop_session", "remember_token"}

    admin.goto(f"{base}/admin/staff/{member.id}")
    expect(admin.get_by_text("kept signed in")).to_be_visible()
    admin.get_by_role("button", name="Disable account").click()
    expect(admin.get_by_text("Account disabled; all its sessions have ended.")).to_be_visible()
    mara.goto(f"{base}/admin/")
    expect(mara).to_have_url(re.compile(r"/account/login"))
    admin.get_by_role("button", name="Enable account").click()
    expect(admin.get_by_text("Its old sessions stay ended")).to_be_visible()
    screenshot(admin, "staff-walkthrough-admin-enabled")

    # The cookies Mara's browser had before she was disabled, in a fresh browser: still nothing.
    replay_context = browser.new_context()
    replay_context.add_cookies(kept)
    replay = replay_context.new_page()
    replay.goto(f"{base}/admin/")
    expect(replay).to_have_url(re.compile(r"/account/login"))
    screenshot(replay, "staff-walkthrough-kept-cookies-refused")
    # Signing in afresh works, and her own "sign out everywhere" ends it for good.
    sign_in(replay, base, "mara@example.com")
    replay.goto(f"{base}/admin/account")
    fresh = replay_context.cookies()
    replay.get_by_role("button", name="Sign out everywhere").click()
    expect(replay).to_have_url(re.compile(r"/account/login"))
    again = browser.new_context()
    again.add_cookies(fresh)
    page = again.new_page()
    page.goto(f"{base}/admin/")
    expect(page).to_have_url(re.compile(r"/account/login"))
    for context in (admin_context, member_context, replay_context, again):
        context.close()
