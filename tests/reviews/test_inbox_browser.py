"""Support works the inbox in Chromium, at a phone's width and at a desk's: signs in, sees the
queue with its badges, opens a 1★ review, starts from a canned reply, edits it and publishes it,
and reads the weekly figures with their chart — under the strict CSP, with no console errors and
nothing wider than the screen."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from reviews import replies
from reviews.models import InboxItem, Reply
from storefront.database import utcnow
from storefront.extensions import db
from tests.factories import make_user
from tests.reviews.inbox_support import item_of, review_at, sweater

# Chromium on pages whose server side the HTTP tests cover on both databases: the SQLite pass.
pytestmark = pytest.mark.browser_ui

SUPPORT = ("sofia@example.com", "correct horse battery")


@pytest.mark.parametrize("width", [400, 1280])
def test_support_answers_a_negative_review_from_the_inbox(app, live_server, browser, screenshot, csrf_enabled, width):
    make_user(SUPPORT[0], role="support", password=SUPPORT[1])
    with app.test_request_context():
        review = review_at(sweater(), 1, utcnow() - dt.timedelta(minutes=20), title="Pilled at once",
                           body="It pilled after one wear.\nNot worth the price.")
    replies.save_canned_reply("sorry-quality", "en", "Sorry about the quality",
                              "We are sorry it pilled. We will send you a new one.", actor=None,
                              languages=["en", "es", "lv"])
    # A calendar deadline 10 minutes away, so the badge does not depend on today's opening hours.
    db.session.execute(sa.update(InboxItem).values(clock="calendar", due_at=utcnow() + dt.timedelta(minutes=10)))
    db.session.commit()

    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    problems = []
    # (The browser's own favicon request is not the page's: the shop has none.)
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "favicon" not in str(message.location) else None)
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and "favicon" not in response.url else None)
    try:
        page.goto(f"{live_server.url}/account/login?next=/admin/inbox/")
        page.get_by_label("E-mail").fill(SUPPORT[0])
        page.get_by_label("Password").fill(SUPPORT[1])
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
        expect(page.locator(".deadline-amber")).to_contain_text("Due soon")
        expect(page.get_by_text("Rated 1 out of 5")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"inbox-queue-{width}")

        page.get_by_role("link", name="Negative review").click()
        expect(page.get_by_role("heading", name="Review by Anna K.")).to_be_visible()
        # "Use" puts the canned text after the typed one only once admin.js (deferred) has run:
        # before that it is the no-script form, which reloads the page. A click returns as the
        # page begins to load, not once its scripts have run.
        page.wait_for_load_state()
        reply_box = page.get_by_role("textbox", name="Official reply")
        reply_box.fill("Dear Anna,")  # typed first: the canned text goes after it, nothing is lost
        page.get_by_label("Canned reply").select_option(label="Sorry about the quality (English)")
        page.get_by_role("button", name="Use").click()
        expect(reply_box).to_have_value("Dear Anna,\n\nWe are sorry it pilled. We will send you a new one.")
        expect(reply_box).to_be_focused()
        reply_box.fill("We are sorry it pilled, Anna. A new one is on its way today.")
        page.get_by_role("button", name="Publish the reply").click()
        expect(page.get_by_text("Reply published under the review")).to_be_visible()
        expect(page.locator(".brand-reply")).to_contain_text("A new one is on its way today.")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"inbox-item-{width}")

        page.goto(f"{live_server.url}/admin/inbox/figures")
        expect(page.locator("img.chart")).to_be_visible()
        assert page.evaluate("document.querySelector('img.chart').naturalWidth") > 0
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"inbox-figures-{width}")
    finally:
        context.close()

    assert problems == []
    db.session.expire_all()
    assert db.session.scalar(sa.select(Reply.body)) == "We are sorry it pilled, Anna. A new one is on its way today."
    assert item_of(review=review).response_kind == "public_reply"
