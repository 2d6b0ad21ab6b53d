""""We replied to 75% of 1–2★ reviews, median 1 h 40 min (last 90 days)": the brand's record, from the
inbox's own items and clocks, checked against figures worked out by hand."""
from __future__ import annotations

import datetime as dt

import pytest

from reviews import moderation, queries, replies
from reviews.models import WithholdReason
from reviews.service import add_follow_up
from reviews.views import review_duration
from tests.factories import make_product
from tests.reviews.factories import staff_member
from tests.reviews.read_support import text_of, unverified_review

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
NOW = T0 + dt.timedelta(days=2)


@pytest.fixture(autouse=True)
def shop(app, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEWS_ALLOW_UNVERIFIED", True)
    monkeypatch.setitem(app.config, "INBOX_RESPONSE_MINUTES", 120)


@pytest.fixture
def calendar_clock(app, monkeypatch):
    monkeypatch.setitem(app.config, "INBOX_CLOCK", "calendar")


def reply(review, after: dt.timedelta, support):
    return replies.reply_to_review(review.id, "We are sorry.", actor=support, now=review.created_at + after)


def test_the_reply_figures_match_the_hand_count(app, calendar_clock, monkeypatch):
    product = make_product("Pullover", slug="pullover")
    support = staff_member("support@example.com", role="support")
    minutes = dt.timedelta(minutes=1)
    r1 = unverified_review(product, 1, now=T0, body="Shrank")
    r2 = unverified_review(product, 2, now=T0, body="Itchy")
    r3 = unverified_review(product, 2, now=T0, body="Late")
    unverified_review(product, 1, now=T0, body="Nobody answered me")            # past due, unanswered
    unverified_review(product, 2, now=NOW - 10 * minutes, body="Just now")      # still within its deadline
    spam = unverified_review(product, 1, now=T0, body="Buy cheap watches")       # withheld: not counted
    unverified_review(product, 3, now=T0, body="Fine")                           # not a 1–2★ review
    old = unverified_review(product, 2, now=NOW - dt.timedelta(days=100), body="Long ago")  # out of the window
    reply(r1, 30 * minutes, support)
    reply(r2, 100 * minutes, support)
    reply(r3, 300 * minutes, support)
    reply(old, 10 * minutes, support)
    moderation.withhold(spam.id, WithholdReason.SPAM, actor=support, now=T0 + minutes)
    add_follow_up(r1.reviewer_token, "They replaced it.", 4, T0 + dt.timedelta(days=1))   # raised
    add_follow_up(r2.reviewer_token, "Still itchy.", 2, T0 + dt.timedelta(days=1))       # same
    add_follow_up(r3.reviewer_token, "Worse.", 1, T0 + dt.timedelta(days=1))             # lowered

    figures = queries.reply_figures(now=NOW)

    assert (figures.negative, figures.replied, figures.percent) == (4, 3, 75)
    assert figures.median == dt.timedelta(minutes=100)
    assert figures.raised == 1
    assert figures.days == 90 and not figures.business_hours


def test_the_product_page_says_it_in_words(client, app, calendar_clock, monkeypatch):
    product = make_product("Pullover", slug="pullover")
    support = staff_member("support@example.com", role="support")
    now = dt.datetime.now(UTC)
    review = unverified_review(product, 1, now=now - dt.timedelta(hours=5), body="Shrank")
    reply(review, dt.timedelta(hours=1, minutes=40), support)
    add_follow_up(review.reviewer_token, "Replaced, thanks.", 5, now - dt.timedelta(hours=1))
    text = text_of(client.get("/p/pullover").get_data(as_text=True))
    assert "We replied to 100% of 1–2★ reviews, median 1 h 40 min (last 90 days)." in text
    assert "1 reviewer raised their rating after our reply." in text


def test_on_the_business_clock_the_median_counts_opening_hours_and_says_so(app, monkeypatch):
    monkeypatch.setitem(app.config, "INBOX_CLOCK", "business")
    product = make_product("Pullover", slug="pullover")
    support = staff_member("support@example.com", role="support")
    saturday_after_closing = dt.datetime(2026, 3, 14, 13, 0, tzinfo=UTC)   # 15:00 in Riga; open till 14:00
    monday_morning = dt.datetime(2026, 3, 16, 7, 30, tzinfo=UTC)           # 09:30 in Riga; opened 09:00
    review = unverified_review(product, 2, now=saturday_after_closing, body="Pilled")
    replies.reply_to_review(review.id, "Sorry.", actor=support, now=monday_morning)

    figures = queries.reply_figures(now=monday_morning + dt.timedelta(hours=1))

    assert figures.median == dt.timedelta(minutes=30) and figures.business_hours


def test_with_no_unhappy_reviews_nothing_is_claimed(client, calendar_clock):
    product = make_product("Pullover", slug="pullover")
    unverified_review(product, 5, now=dt.datetime.now(UTC), body="Lovely")
    text = text_of(client.get("/p/pullover").get_data(as_text=True))
    assert "We replied to" not in text and "raised their rating" not in text


def test_durations_are_written_as_shoppers_read_them(app):
    with app.test_request_context():
        assert review_duration(dt.timedelta(seconds=20)) == "under a minute"
        assert review_duration(dt.timedelta(minutes=40, seconds=59)) == "40 min"
        assert review_duration(dt.timedelta(hours=1, minutes=12)) == "1 h 12 min"
        assert review_duration(dt.timedelta(hours=2)) == "2 h"
        assert review_duration(dt.timedelta(hours=47, minutes=59)) == "47 h 59 min"
        assert review_duration(dt.timedelta(days=3, hours=5)) == "3 days"
