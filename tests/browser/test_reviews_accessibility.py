"""axe-core (WCAG 2.0/2.1 A and AA) on every page the reviews area added, in Chromium, at a phone's
width (400 px) and a desk's (1280 px), in English, Spanish and Latvian: the product page with its
reviews and questions, the reviews list with a filter, the ledger, "How our reviews work", the
questions page, the review-link form, the tracking page's form, the reviewer's own page with the
follow-up form, the answer page and the unsubscribe page; and in the back office the inbox queue,
an item of each kind, the weekly figures, the moderation list and a review's page.

axe comes bundled with `axe-playwright-python` (no network). Every page must have no violation
and nothing wider than the screen at 400 px. The data is written once, through the services, and
every page × language × width is a subtest of one test, so a failure names its page.

Anonymous storefront pages set no cookie, so their language comes from a context per language
(the browser's Accept-Language); the staff's from `?lang=` (they have a session anyway).
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import expect

from reviews import moderation, questions, replies
from reviews.models import InboxItem, InboxKind, QuestionInvitation, ReviewRequest, WithholdReason
from reviews.requests import unsubscribe_token
from storefront.database import utcnow
from storefront.extensions import db
from tests.conftest import sign_in_on_page
from tests.factories import make_category, make_product, make_user
from tests.reviews.factories import make_delivered_order, make_review

LANGUAGES = {"en": "en-GB", "es": "es-ES", "lv": "lv-LV"}
WIDTHS = (400, 1280)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# WCAG 2.5.3 (a control's name contains its visible text): axe counts the rule experimental and
# runs it only when asked.
RULES = {"label-content-name-mismatch": {"enabled": True}}
SUPPORT = ("sofia@example.com", "correct horse battery")
PUBLIC_BASE = "http://shop.test"


@dataclass(frozen=True)
class Pages:
    """Each page by name: its path, then selectors of what it must show (so an empty page or an
    error page cannot pass for an accessible one)."""

    storefront: dict[str, tuple[str, ...]]
    back_office: dict[str, tuple[str, ...]]


def _photo() -> bytes:
    """A small real photo: a knitted-red square with a darker band."""
    picture = Image.new("RGB", (64, 48), (168, 54, 42))
    picture.paste((90, 30, 24), (0, 30, 64, 38))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _ago(**delta) -> dt.datetime:
    return utcnow() - dt.timedelta(**delta)


def seed_shop(app) -> Pages:
    """A pullover with mixed reviews (5★ in Latvian, 1★ with a photo and our reply, 2★ still
    waiting, a rating-only 4★, a 5★ withheld as spam), an answered question and an open one, a
    buyer who has not reviewed yet; and the support agent."""
    with app.test_request_context():
        support = make_user(SUPPORT[0], role="support", password=SUPPORT[1])
        sweaters = make_category("Sweaters", slug="sweaters")
        product = make_product("Gauja cable-knit pullover", slug="gauja", category=sweaters, option_names=("Size",),
                               description="Heavy cable knit in Latvian wool.",
                               variants=[{"sku": f"GAUJA-{size}", "options": {"Size": size}, "price": 8900, "stock": 50}
                                         for size in "SML"])
        small, medium, large = product.variants

        def bought(variant, email, name, days, locale="en"):
            return make_delivered_order(variant, now=_ago(days=days), email=email, full_name=name, locale=locale)

        make_review(bought(medium, "ilze@example.com", "Ilze Bērziņa", 40, "lv"), 5, now=_ago(days=36),
                    language="lv", author_name="Ilze B.", title="Silts un smags",
                    body="Valkāju katru dienu. Vilna nedaudz kņudina pirmajā nedēļā.", fit="true")
        mark = make_review(bought(large, "mark@example.com", "Mark Davies", 30), 1, now=_ago(days=26),
                           title="Seam came apart after a week", body="The side seam opened.\n\nDisappointing.",
                           author_name="Mark D.", fit="small", photos=[_photo()])
        replies.reply_to_review(mark.id, "We are sorry, Mark. A new pullover is on its way.", actor=support,
                                now=_ago(days=26) + dt.timedelta(hours=1, minutes=12))
        make_review(bought(small, "lucia@example.com", "Lucía Martín", 6, "es"), 2, now=_ago(hours=1),
                    language="es", author_name="Lucía M.", title="Pica bastante",
                    body="El diseño es precioso, pero la lana pica.", fit="true")
        make_review(bought(medium, "tom@example.com", "Tom Hughes", 20), 4, now=_ago(days=15), author_name="Tom H.")
        spam = make_review(bought(medium, "spam@example.com", "Sam Pam", 12), 5, now=_ago(days=9),
                           title="Best deal", body="Visit my site for cheap wool!", author_name="Sam P.")
        moderation.withhold(spam.id, WithholdReason.SPAM, actor=support, now=_ago(days=9) + dt.timedelta(minutes=20))
        waiting = bought(large, "anna@example.com", "Anna Kalniņa", 5)

        asked = questions.ask_question(product.id, author_name="Līga", email="liga@example.com",
                                       body="Does it shrink in the wash?", language="en", now=_ago(days=3))
        [first, *_] = _invitations(asked.id)
        questions.answer_from_invitation(first.token, author_name="Ilze B.", body="Not if you wash it cold.",
                                         language="en", now=_ago(days=3) + dt.timedelta(hours=2))
        questions.answer_as_brand(asked.id, "Wash it by hand at 30 °C and dry it flat.", actor=support,
                                  now=_ago(days=3) + dt.timedelta(hours=3))
        open_question = questions.ask_question(product.id, author_name="Jonas", email="jonas@example.com",
                                               body="Is the M long enough for someone 190 cm tall?", language="en",
                                               now=_ago(minutes=30))
        [invitation, *_] = _invitations(open_question.id)
        request = db.session.scalar(sa.select(ReviewRequest).where(ReviewRequest.order_id == waiting.id))
        review_item = _item(InboxKind.NEGATIVE_REVIEW)
        question_item = _item(InboxKind.QUESTION)
        return Pages(
            storefront={
                "product page": ("/p/gauja", ".review-pair", ".review-reply", "#questions .qa-item"),
                "reviews, 1★ only": ("/p/gauja/reviews?rating=1", ".review-list .review"),
                "ledger": ("/p/gauja/reviews/ledger", "#withheld-heading"),
                "how our reviews work": ("/reviews/how-they-work", "#ledger-heading"),
                "questions": ("/p/gauja/questions", ".qa-item"),
                "review link form": (f"/reviews/write/{request.token}", ".review-form"),
                "tracking page form": (f"/orders/{waiting.tracking_token}/review/{waiting.lines[0].id}",
                                       ".review-form"),
                "reviewer's page with follow-up": (f"/reviews/mine/{mark.reviewer_token}", "#follow-up-title"),
                "answer a question": (f"/questions/answer/{invitation.token}", "#answer-body"),
                "unsubscribe": (f"/reviews/unsubscribe/{unsubscribe_token('anna@example.com')}", "form button"),
            },
            back_office={
                "inbox queue": ("/admin/inbox/", ".deadline"),
                "inbox review item": (f"/admin/inbox/{review_item.id}", ".deadline"),
                "inbox question item": (f"/admin/inbox/{question_item.id}", "#question-heading"),
                "weekly figures": ("/admin/inbox/figures", "img.chart"),
                "moderation list": ("/admin/inbox/reviews", "table"),
                "review detail": (f"/admin/inbox/reviews/{mark.id}", ".brand-reply"),
                "withheld review detail": (f"/admin/inbox/reviews/{spam.id}", "h1"),
            })


def _invitations(question_id: int) -> list[QuestionInvitation]:
    db.session.commit()
    return list(db.session.scalars(sa.select(QuestionInvitation).where(QuestionInvitation.question_id == question_id)
                                   .order_by(QuestionInvitation.id)))


def _item(kind: InboxKind) -> InboxItem:
    db.session.commit()
    return db.session.scalar(sa.select(InboxItem).where(InboxItem.kind == kind).order_by(InboxItem.id.desc()))


def describe(violations: list[dict]) -> str:
    """The violations with their nodes, for a person to fix."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = node.get("failureSummary", "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def open_page(page, url: str, language: str, shows: tuple[str, ...]) -> None:
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    expect(page.locator("html")).to_have_attribute("lang", language)
    for selector in shows:
        expect(page.locator(selector).first).to_be_visible()


def check(page, axe: Axe, width: int) -> None:
    """No axe violation at `width` (the page laid out again at that width), and at a phone's
    width nothing wider than the screen."""
    page.wait_for_load_state()  # its stylesheet applied (contrast, sizes) and its scripts run
    page.set_viewport_size({"width": width, "height": 900})
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS}, "rules": RULES,
                                     "resultTypes": ["violations"]})
    violations = results.response["violations"]
    assert not violations, f"{page.url} at {width} px:\n{describe(violations)}"
    # WCAG 2.1's 4.1.1 (which axe no longer checks): an id used twice breaks labels and
    # aria-labelledby, which find the first element with it.
    duplicates = page.evaluate("""() => {
        const seen = new Map();
        for (const element of document.querySelectorAll("[id]:not(input[type=hidden])")) {
            seen.set(element.id, (seen.get(element.id) || 0) + 1);
        }
        return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    }""")
    assert not duplicates, f"{page.url}: ids used more than once: {duplicates}"
    if width <= 400:
        wide, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert wide <= screen, f"{page.url} at {width} px is {wide} px wide"


def check_all(page, axe: Axe, subtests, pages: dict, language: str, url) -> None:
    for name, (path, *shows) in pages.items():
        opened = False
        with subtests.test(page=name, language=language):
            open_page(page, url(path), language, tuple(shows))
            opened = True
        for width in WIDTHS if opened else ():
            with subtests.test(page=name, language=language, width=width):
                check(page, axe, width)


@pytest.fixture
def shop(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", PUBLIC_BASE)
    return seed_shop(app)


# What it checks (the pages' HTML and CSS in Chromium, and axe) is the same on either database, so it
# runs in the SQLite pass only; the pages themselves are served on both databases by tests/reviews'
# page tests (test_read_product_page, test_write_pages, test_questions_pages, test_inbox_pages).
@pytest.mark.database_independent
def test_every_reviews_page_passes_axe_in_every_language_at_both_widths(app, browser, live_server, csrf_enabled, shop,
                                                                       subtests):
    axe = Axe()
    for language, locale in LANGUAGES.items():
        context = browser.new_context(locale=locale)
        check_all(context.new_page(), axe, subtests, shop.storefront, language, lambda path: live_server.url + path)
        context.close()

    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    sign_in_on_page(page, live_server.url, SUPPORT[0], SUPPORT[1])
    for language in LANGUAGES:
        check_all(page, axe, subtests, shop.back_office, language,
                  lambda path: f"{live_server.url}{path}?lang={language}")
    context.close()
