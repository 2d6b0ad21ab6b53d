"""A review whose reviewer changes its rating: the card leads with what it says now ("Updated on …"),
the original and the brand's reply below it; every figure counts the rating of now; the inbox
follows it without rewriting what it already handled."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa

from reviews import inbox_figures, inbox_pages, queries, replies, service
from reviews.inbox_pages import BadgeState
from reviews.models import ClosedReason, InboxItem, InboxKind, Review
from storefront.extensions import db
from tests.backoffice.conftest import sign_in
from tests.reviews.inbox_support import events_of, item_of, review_at, sweater
from tests.reviews.factories import staff_member
from tests.reviews.read_support import json_ld, side_by_side, text_of

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # a Tuesday, midday in Riga
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def shop(app, monkeypatch):
    monkeypatch.setitem(app.config, "INBOX_CLOCK", "calendar")
    monkeypatch.setitem(app.config, "INBOX_RESPONSE_MINUTES", 120)
    monkeypatch.setitem(app.config, "INBOX_NEGATIVE_MAX_RATING", 2)


def draft(rating: int, **fields) -> service.ReviewDraft:
    return service.ReviewDraft(**dict({"rating": rating, "language": "en", "author_name": "Anna K."}, **fields))


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def card(page_html: str, element_id: str) -> str:
    """One review card's HTML."""
    start = page_html.rindex("<article", 0, page_html.index(f'id="{element_id}"'))
    return page_html[start:page_html.index("</article>", start)]


def ratings_said(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"Rated (\d) out of 5", html)]


# --- the card and the figures ------------------------------------------------------------------

def test_a_review_raised_after_our_reply_leads_with_its_update_and_every_figure_counts_it(app, client):
    support = staff_member("support@example.com", role="support")
    with app.test_request_context():
        variant = sweater()
        raised = review_at(variant, 1, T0, title="Fell apart", body="The seams split in a week.")
        critical = review_at(variant, 2, T0 + MINUTE, body="Itchy at the collar.", email="janis@example.com")
    slug = "dzintars"
    replies.reply_to_review(raised.id, "Sorry! A new one is on its way.", actor=support, now=T0 + 40 * MINUTE)
    before = page(client, f"/p/{slug}")  # stored for anonymous visitors: the update must reach it
    assert "Rated 1 out of 5" in card(before, f"review-{raised.id}")

    service.add_follow_up(raised.reviewer_token, "The replacement is perfect.", 4, T0 + dt.timedelta(days=2))

    product_page = page(client, f"/p/{slug}")
    # The most helpful favourable review is the raised one, and its card opens with its 4★.
    assert side_by_side(product_page) == [raised.id, critical.id]
    shown = card(product_page, f"pair-review-{raised.id}")
    assert ratings_said(shown) == [4, 1]  # now, then the original
    words = text_of(shown)
    assert re.search(r"^★★★★ ★ Rated 4 out of 5 Updated on 12 Mar( 2026)? · changed the rating from 1 to 4 Anna K\.",
                     words), words
    now_part, original = words.split("Original review, 10 Mar", 1)
    assert "The replacement is perfect." in now_part and "Fell apart" not in now_part
    # The original stays whole below, with the reply that answered it.
    assert re.match(r"( 2026)? ★ ★★★★ Rated 1 out of 5 Fell apart The seams split in a week\. "
                    r"Official reply to the original review · Ziemeļu Vilna · 40 min after the review", original), original
    assert 'aria-label="Original review"' in shown

    # Every figure says 4★: the average, the histogram, the filters, the sort, the JSON-LD.
    words = text_of(product_page)
    assert "3.0 Average rating 3.0 out of 5 2 reviews" in words
    assert "4 stars: 1 review (50%)" in words and "1 star: 0 reviews (0%)" in words
    data = json_ld(product_page)
    assert data["aggregateRating"]["ratingValue"] == "3.0"
    assert [r["reviewRating"]["ratingValue"] for r in data["review"]][:1] == [4]
    said = data["review"][0]  # in the words the card leads with, not the original's
    assert (said["reviewBody"], "name" in said, said["dateModified"]) == ("The replacement is perfect.", False,
                                                                          "2026-03-12")
    four = page(client, f"/p/{slug}/reviews?rating=4")
    assert f'id="review-{raised.id}"' in four and "1 review · 4 stars" in text_of(four)
    assert f'id="review-{raised.id}"' not in page(client, f"/p/{slug}/reviews?rating=1")
    lowest = page(client, f"/p/{slug}/reviews?sort=lowest")
    assert lowest.index(f'id="review-{critical.id}"') < lowest.index(f'id="review-{raised.id}"')

    # The feed and the API send it as it stands now.
    feed = ET.fromstring(client.get("/feeds/product-reviews.xml").data)
    [sent] = [r for r in feed.iter("review") if r.findtext("review_id") == str(raised.id)]
    assert (sent.findtext("ratings/overall"), sent.findtext("content"), sent.find("title")) == (
        "4", "The replacement is perfect.", None)
    listed = client.get(f"/api/v1/reviews?product_id={variant.product_id}&sort=highest").json["items"][0]
    assert (listed["id"], listed["rating"], listed["original_rating"]) == (raised.id, 4, 1)
    assert listed["updated_at"].startswith("2026-03-12T10:00:00")

    # The reviewer's own page reads the same way.
    mine = text_of(page(client, f"/reviews/mine/{raised.reviewer_token}"))
    assert mine.index("Updated on 12 Mar") < mine.index("The replacement is perfect.") < mine.index(
        "Original review, 10 Mar") < mine.index("The seams split in a week.") < mine.index(
        "Official reply to the original review")


@pytest.mark.parametrize("language, updated, original", [
    ("es", "Actualizada el", "Reseña original"),
    ("lv", "Papildināta:", "Sākotnējā atsauksme"),
])
def test_the_update_is_said_in_the_shoppers_language(app, client, language, updated, original):
    support = staff_member("support@example.com", role="support")
    with app.test_request_context():
        review = review_at(sweater(), 1, T0)
    replies.reply_to_review(review.id, "Sorry!", actor=support, now=T0 + 40 * MINUTE)
    service.add_follow_up(review.reviewer_token, "Better now.", 4, T0 + dt.timedelta(days=2))
    words = text_of(card(page(client, f"/p/dzintars?lang={language}"), f"review-{review.id}"))
    assert updated in words and original in words
    assert words.index(updated) < words.index("Better now.") < words.index(original)


def test_a_reply_edited_after_the_update_answers_the_update(app, client):
    support = staff_member("support@example.com", role="support")
    with app.test_request_context():
        review = review_at(sweater(), 5, T0, body="Lovely and warm.")
    reply = replies.reply_to_review(review.id, "Thank you!", actor=support, now=T0 + 30 * MINUTE)
    service.add_follow_up(review.reviewer_token, "It pilled after a month.", 1, T0 + dt.timedelta(days=30))
    replies.edit_reply(reply.id, "Sorry to hear it: we will send a comb.", actor=support,
                       now=T0 + dt.timedelta(days=30, minutes=45))
    words = text_of(card(page(client, "/p/dzintars"), f"review-{review.id}"))
    assert words.index("It pilled after a month.") < words.index("Official reply to the update") < words.index(
        "Sorry to hear it: we will send a comb.") < words.index("Original review") < words.index("Lovely and warm.")
    assert "Thank you!" in words  # the text that answered the original stays readable


# --- the inbox ---------------------------------------------------------------------------------

def test_a_negative_review_raised_before_any_answer_is_no_longer_an_open_negative(app):
    with app.test_request_context():
        review = review_at(sweater(), 1, T0)
    service.edit_review(review.reviewer_token, draft(4, body="Fine after a wash."), T0 + 30 * MINUTE)
    item = item_of(review=review, kind=InboxKind.NEGATIVE_REVIEW)
    assert (item.closed_reason, item.closed_at, item.first_response_at) == (
        ClosedReason.RATING_RAISED, T0 + 30 * MINUTE, None)
    assert events_of(item) == ["arrived", "closed"]
    queue = inbox_pages.queue(T0 + dt.timedelta(hours=3))
    assert queue.open == [] and [row.badge.state for row in queue.closed] == [BadgeState.CLOSED]
    # No reply was owed: neither a breach nor a reply the storefront's figures count.
    figures = queries.reply_figures(now=T0 + dt.timedelta(hours=3))
    assert (figures.negative, figures.replied) == (0, 0)
    week = inbox_figures.weekly(T0 + dt.timedelta(hours=3), weeks=1)[0]
    assert (week.arrived, week.closed, week.breaches, week.open_waiting) == (1, 1, 0, 0)


def test_lowered_again_it_is_owed_a_reply_from_the_change(app):
    support = staff_member("support@example.com", role="support")
    with app.test_request_context():
        review = review_at(sweater(), 1, T0)
    service.edit_review(review.reviewer_token, draft(4, body="Fine after a wash."), T0 + 30 * MINUTE)
    lowered_at = T0 + dt.timedelta(hours=5)
    service.edit_review(review.reviewer_token, draft(2, body="It shrank again."), lowered_at)
    item = item_of(review=review, kind=InboxKind.NEGATIVE_REVIEW)
    assert (item.closed_at, item.arrived_at, item.due_at) == (None, lowered_at, lowered_at + dt.timedelta(hours=2))
    assert events_of(item) == ["arrived", "closed", "reopened"]
    assert [row.item.id for row in inbox_pages.queue(lowered_at + MINUTE).open] == [item.id]

    replies.reply_to_review(review.id, "Sorry, we will replace it.", actor=support, now=lowered_at + 30 * MINUTE)
    figures = queries.reply_figures(now=lowered_at + dt.timedelta(hours=3))
    assert (figures.negative, figures.replied, figures.median) == (1, 1, dt.timedelta(minutes=30))
    assert inbox_pages.badge(item_of(review=review, kind=InboxKind.NEGATIVE_REVIEW), lowered_at).state \
        == BadgeState.ANSWERED


def test_a_favourable_review_lowered_after_our_reply_is_owed_an_answer_from_the_change(app, client):
    support = staff_member("support@example.com", role="support")
    with app.test_request_context():
        review = review_at(sweater(), 5, T0, body="Lovely and warm.")
    reply = replies.reply_to_review(review.id, "Thank you!", actor=support, now=T0 + 30 * MINUTE)
    assert item_of(review=review, kind=InboxKind.NEGATIVE_REVIEW) is None
    lowered_at = T0 + dt.timedelta(days=30)
    service.add_follow_up(review.reviewer_token, "It pilled after a month.", 1, lowered_at)
    item = item_of(review=review, kind=InboxKind.NEGATIVE_REVIEW)
    assert (item.arrived_at, item.due_at, item.first_response_at) == (
        lowered_at, lowered_at + dt.timedelta(hours=2), None)
    # The queue's row says the rating changed, as the review's panel does.
    sign_in(client, support)
    queue = text_of(page(client, "/admin/inbox/"))
    assert re.search(r"Rated 1 out of 5 \(first rated 5 out of 5\)", queue), queue
    # Its one official reply, edited to answer the update, is the brand's public answer.
    replies.edit_reply(reply.id, "Sorry to hear it: we will send a comb.", actor=support, now=lowered_at + 45 * MINUTE)
    item = item_of(review=review, kind=InboxKind.NEGATIVE_REVIEW)
    assert (item.first_response_at, item.response_kind) == (lowered_at + 45 * MINUTE, "public_reply")


def test_a_review_raised_after_our_reply_keeps_its_place_in_the_reply_figures(app):
    support = staff_member("support@example.com", role="support")
    with app.test_request_context():
        review = review_at(sweater(), 1, T0)
    replies.reply_to_review(review.id, "Sorry!", actor=support, now=T0 + 50 * MINUTE)
    service.add_follow_up(review.reviewer_token, "Replaced, thanks.", 4, T0 + dt.timedelta(days=1))
    item = item_of(review=review, kind=InboxKind.NEGATIVE_REVIEW)
    assert (item.first_response_at, item.closed_at) == (T0 + 50 * MINUTE, None)
    figures = queries.reply_figures(now=T0 + dt.timedelta(days=2))
    assert (figures.negative, figures.replied, figures.median, figures.raised) == (1, 1, 50 * MINUTE, 1)
    week = inbox_figures.weekly(T0 + dt.timedelta(days=2), weeks=1)[0]
    assert (week.arrived, week.answered, week.answered_in_time, week.closed) == (1, 1, 1, 0)
    # In the inbox's history, answered, beside the rating it has now.
    [row] = inbox_pages.queue(T0 + dt.timedelta(days=2)).closed
    assert (row.badge.state, row.review.rating, row.review.original_rating) == (BadgeState.ANSWERED, 4, 1)
    assert row.text == "Replaced, thanks."  # what the reviewer says now, beside the rating of now


def test_once_we_replied_the_reviewer_adds_an_update_instead_of_editing(app, client):
    support = staff_member("support@example.com", role="support")
    with app.test_request_context():
        review = review_at(sweater(), 1, T0, body="Shrank.")
    replies.reply_to_review(review.id, "Sorry!", actor=support, now=T0 + 30 * MINUTE)
    with pytest.raises(service.ReviewAnswered):
        service.edit_review(review.reviewer_token, draft(5, body="All good."), T0 + dt.timedelta(hours=1))
    url = f"/reviews/mine/{review.reviewer_token}"
    words = text_of(page(client, url))
    assert "Edit your review" not in words and "Add an update after our reply" in words
    assert "We have replied to your review, so it can no longer be edited." in words
    response = client.post(url, data={"rating": "5", "body": "All good.", "language": "en", "author_name": "Anna K."})
    assert response.status_code == 409
    db.session.expire_all()
    kept = db.session.get(Review, review.id)
    assert (kept.rating, kept.body, kept.versions) == (1, "Shrank.", [])
    assert db.session.scalar(sa.select(sa.func.count(InboxItem.id))) == 1
