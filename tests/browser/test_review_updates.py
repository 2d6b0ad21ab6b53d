"""A review its reviewer updated after our reply, in Chromium at 400 and 1280 px, in English, Spanish
and Latvian: its card leads with the rating of now and "Updated on …", the original review and our
reply below it; the page passes axe and fits the screen; the staff inbox shows the rating of now.
Screenshots land in tests/artifacts/review-updates/."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from reviews import replies, service
from storefront.database import utcnow
from tests.browser.test_reviews_accessibility import LANGUAGES, WIDTHS, check
from tests.conftest import sign_in_on_page
from tests.factories import make_product, make_user
from tests.reviews.factories import make_delivered_order, make_review

SUPPORT = ("sofia@example.com", "correct horse battery")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "review-updates"
UPDATED = {"en": "Updated on", "es": "Actualizada el", "lv": "Papildināta:"}
ORIGINAL = {"en": "Original review", "es": "Reseña original", "lv": "Sākotnējā atsauksme"}
RATED_4 = {"en": "Rated 4 out of 5", "es": "Valoración: 4 de 5", "lv": "Vērtējums: 4 no 5"}


def _ago(**delta) -> dt.datetime:
    return utcnow() - dt.timedelta(**delta)


@pytest.fixture
def shop(app):
    """A pullover whose 1★ review was raised to 4★ after our reply, beside a 2★ one, and a 5★ one
    lowered to 1★ after our reply, the reply then edited to answer it."""
    with app.test_request_context():
        support = make_user(SUPPORT[0], role="support", password=SUPPORT[1])
        product = make_product("Gauja pullover", slug="gauja", variants=[{"price": 8900, "stock": 50}])
        [variant] = product.variants

        def bought(email, days):
            return make_delivered_order(variant, now=_ago(days=days), email=email)

        raised = make_review(bought("mark@example.com", 30), 1, now=_ago(days=26), author_name="Mark D.",
                             title="Seam came apart after a week", body="The side seam opened.")
        replies.reply_to_review(raised.id, "We are sorry, Mark. A new pullover is on its way.", actor=support,
                                now=_ago(days=26) + dt.timedelta(hours=1, minutes=12))
        service.add_follow_up(raised.reviewer_token, "The replacement is perfect and the seams are solid.", 4,
                              _ago(days=20))
        make_review(bought("lucia@example.com", 12), 2, now=_ago(days=8), language="es", author_name="Lucía M.",
                    body="El diseño es precioso, pero la lana pica.")
        lowered = make_review(bought("tom@example.com", 20), 5, now=_ago(days=15), author_name="Tom H.",
                              body="Warm and soft.")
        reply = replies.reply_to_review(lowered.id, "Thank you, Tom!", actor=support, now=_ago(days=15, hours=-1))
        service.add_follow_up(lowered.reviewer_token, "It pilled after two weeks.", 1, _ago(hours=3))
        replies.edit_reply(reply.id, "Sorry, Tom: a comb is on its way.", actor=support, now=_ago(hours=2))
    return raised


# The pages' HTML and CSS in Chromium: the same on either database (tests/reviews serves them on both).
@pytest.mark.database_independent
def test_an_updated_review_leads_with_its_update_in_every_language_at_both_widths(browser, live_server, shop,
                                                                                 subtests):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    for language, locale in LANGUAGES.items():
        context = browser.new_context(locale=locale)
        page = context.new_page()
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        assert page.goto(f"{live_server.url}/p/gauja").status == 200
        pair_card = page.locator(f"#pair-review-{shop.id}")
        expect(pair_card.locator(".review-rating .visually-hidden").first).to_have_text(RATED_4[language])
        expect(pair_card.locator(".review-updated")).to_contain_text(UPDATED[language])
        expect(pair_card.locator(".review-original")).to_contain_text(ORIGINAL[language])
        for width in WIDTHS:
            with subtests.test(language=language, width=width):
                check(page, axe, width)
                page.locator(".review-pair").screenshot(path=str(ARTIFACTS / f"pair-{language}-{width}.png"))
                page.locator(f"#review-{shop.id}").screenshot(path=str(ARTIFACTS / f"card-{language}-{width}.png"))
        context.close()

    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    sign_in_on_page(page, live_server.url, SUPPORT[0], SUPPORT[1])
    for language in LANGUAGES:
        assert page.goto(f"{live_server.url}/admin/inbox/?lang={language}").status == 200
        # The lowered review waits for our answer no more (the edited reply answered it), and the
        # raised one is in the history as answered, beside the rating it has now.
        expect(page.locator("#open-heading")).to_be_visible()
        for width in WIDTHS:
            with subtests.test(page="inbox", language=language, width=width):
                check(page, axe, width)
                page.screenshot(path=str(ARTIFACTS / f"inbox-{language}-{width}.png"), full_page=True)
    context.close()
