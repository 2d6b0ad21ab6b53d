"""The published ledger: received, published, withheld and why, with the stars of the withheld ones —
exact after withholding and re-publishing, per product and per month of the shop's calendar."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from reviews import evidence, moderation, stats
from reviews.models import Review, ReviewStats, WithholdReason
from storefront.database import write_transaction
from storefront.extensions import db
from tests.factories import make_product
from tests.reviews.factories import NOW, staff_member
from tests.reviews.read_support import XSS, text_of, unverified_review

UTC = dt.timezone.utc


@pytest.fixture(autouse=True)
def unverified_allowed(app, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEWS_ALLOW_UNVERIFIED", True)


def figures(product_id: int) -> tuple:
    stats_row = db.session.get(ReviewStats, product_id, populate_existing=True)
    return stats_row.review_count, stats_row.rating_sum, tuple(getattr(stats_row, f"rated_{n}") for n in range(1, 6))


def recounted(product_id: int) -> tuple:
    with write_transaction():
        stats.recount(product_id)
    return figures(product_id)


def test_the_ledger_is_exact_after_withholding_and_republishing(client):
    product = make_product("Pullover", slug="pullover")
    moderator = staff_member("support@example.com", role="support")
    reviews = [unverified_review(product, rating, now=NOW, body=f"Review {n}", name=f"R{n}")
               for n, rating in enumerate([1, 5, 5, 4, 2, 5, 3])]
    for review in (reviews[0], reviews[1], reviews[2]):
        moderation.withhold(review.id, WithholdReason.SPAM, actor=moderator, now=NOW)
    moderation.withhold(reviews[4].id, WithholdReason.PERSONAL_DATA, actor=moderator, now=NOW)

    ledger = evidence.product_ledger(product.id)
    assert (ledger.received, ledger.published, ledger.withheld, ledger.pending) == (7, 3, 4, 0)
    assert ledger.reasons() == [("spam", 3, [(1, 1), (5, 2)]), ("personal_data", 1, [(2, 1)])]
    text = text_of(client.get("/p/pullover").get_data(as_text=True))
    assert ("Received 7, published 3, withheld 4 (spam: 1 rated 1★, 2 rated 5★; personal data: 1 rated 2★)"
            in text)
    assert figures(product.id) == (3, 12, (0, 0, 1, 1, 1)) == recounted(product.id)

    moderation.publish(reviews[1].id, actor=moderator, now=NOW)
    ledger = evidence.product_ledger(product.id)
    assert (ledger.received, ledger.published, ledger.withheld) == (7, 4, 3)
    assert ledger.reasons()[0] == ("spam", 2, [(1, 1), (5, 1)])
    assert figures(product.id) == (4, 17, (0, 0, 1, 1, 2)) == recounted(product.id)
    text = text_of(client.get("/p/pullover").get_data(as_text=True))
    assert "Average rating 4.3 out of 5" in text and "4 reviews" in text


def test_reviews_waiting_for_a_look_are_counted_as_received_not_published(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEWS_HOLD_ALL", True)
    product = make_product("Pullover", slug="pullover")
    unverified_review(product, 2, now=NOW, body="Held like every other")
    page = text_of(client.get("/p/pullover/reviews/ledger").get_data(as_text=True))
    assert "Received 1, published 0, withheld 0, 1 waiting for a look" in page


def test_the_ledger_page_shows_reasons_by_stars(client):
    product = make_product("Pullover", slug="pullover")
    moderator = staff_member("support@example.com", role="support")
    abusive = unverified_review(product, 1, now=NOW, body=XSS)
    moderation.withhold(abusive.id, WithholdReason.ABUSE, actor=moderator, now=NOW)
    response = client.get("/p/pullover/reviews/ledger")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<th scope=\"row\">Abuse</th><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td>" in page
    assert "alert(1)" not in page  # a withheld review's words are never shown
    assert client.get("/p/nothing-here/reviews/ledger").status_code == 404


def test_months_are_the_shops_calendar_months(app):
    product = make_product("Pullover", slug="pullover")
    moderator = staff_member("support@example.com", role="support")
    # 23:30 UTC on 28 February is 01:30 on 1 March in Riga: a March review.
    march = unverified_review(product, 5, now=dt.datetime(2026, 2, 28, 23, 30, tzinfo=UTC), body="a")
    unverified_review(product, 4, now=dt.datetime(2026, 2, 28, 21, 30, tzinfo=UTC), body="b")  # 23:30 Riga
    unverified_review(product, 1, now=dt.datetime(2026, 3, 31, 20, 59, tzinfo=UTC), body="c")  # 23:59 Riga (DST)
    unverified_review(product, 2, now=dt.datetime(2025, 1, 5, 12, 0, tzinfo=UTC), body="old")
    moderation.withhold(march.id, WithholdReason.OFF_TOPIC, actor=moderator, now=NOW)

    months, total = evidence.monthly_ledger(now=dt.datetime(2026, 4, 2, 12, 0, tzinfo=UTC), months=3)

    assert [row.month for row in months] == [dt.date(2026, 4, 1), dt.date(2026, 3, 1), dt.date(2026, 2, 1)]
    april, march_row, february = (row.ledger for row in months)
    assert (april.received, march_row.received, february.received) == (0, 2, 1)
    assert (march_row.published, march_row.withheld) == (1, 1)
    assert march_row.reasons() == [("off_topic", 1, [(5, 1)])]
    assert (total.received, total.published, total.withheld) == (4, 3, 1)


def test_how_our_reviews_work_lists_every_withhold_reason_and_the_ledger(client):
    product = make_product("Pullover", slug="pullover")
    unverified_review(product, 3, now=dt.datetime.now(UTC), body="Fine")
    response = client.get("/reviews/how-they-work")
    text = text_of(response.get_data(as_text=True))
    assert response.status_code == 200
    for label in ("Abuse", "Spam", "Off-topic", "Personal data", "Conflict of interest"):
        assert label in text
    assert "never for its rating" in text
    assert "Since we started: Received 1, published 1, withheld 0." in text
    assert len(list(WithholdReason)) == 5
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 1


def test_the_product_page_links_to_the_evidence(client):
    product = make_product("Pullover", slug="pullover")
    unverified_review(product, 3, now=NOW, body="Fine")
    page = client.get("/p/pullover").get_data(as_text=True)
    assert 'href="/reviews/how-they-work">How our reviews work</a>' in page
    assert 'href="/p/pullover/reviews/ledger">' in page
