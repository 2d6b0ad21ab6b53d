"""The demo's reviews show the bad with the good: replies, one waiting, one past its deadline, one
withheld as spam, questions answered and open, canned replies in three languages — all written
through the shop's own use cases, so the figures agree with the rows."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from reviews import clock, inbox, stats
from reviews.models import (Answer, CannedReply, Clock, InboxItem, Question, Reply, Review, ReviewFollowUp,
                            ReviewStats, ReviewStatus)
from storefront.database import write_transaction
from storefront.demo.data import load_demo
from tests.demo_shop import load_demo_shop
from storefront.extensions import db

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)  # a Friday, the shop open


def figures(product_id: int) -> tuple:
    row = db.session.get(ReviewStats, product_id)
    return (row.review_count, row.rating_sum, row.rated_1, row.rated_2, row.rated_3, row.rated_4, row.rated_5)


def test_the_demo_reviews_are_mixed_and_their_figures_add_up(app):
    load_demo_shop(NOW)
    reviews = list(db.session.scalars(sa.select(Review)))
    assert {r.language for r in reviews} == {"en", "es", "lv"}
    low = [r for r in reviews if r.original_rating <= 2 and r.status == ReviewStatus.PUBLISHED]
    replied = {reply.review_id for reply in db.session.scalars(sa.select(Reply))}
    assert len([r for r in low if r.id in replied]) >= 2 and len([r for r in low if r.id not in replied]) >= 1
    assert [r.withheld_reason for r in reviews if r.status == ReviewStatus.WITHHELD] == ["spam"]
    assert any(not r.title and not r.body for r in reviews)  # a rating-only review
    assert db.session.scalar(sa.select(sa.func.count(ReviewFollowUp.id))) == 1
    # Replies came within the shop's opening hours, as a real team's would: on the business clock
    # they took over an hour, never "less than a minute" because everything happened at night.
    sched = inbox.shop_schedule()
    for reply in db.session.scalars(sa.select(Reply)):
        review = db.session.get(Review, reply.review_id)
        assert clock.elapsed(review.created_at, reply.created_at, Clock.BUSINESS, sched) > dt.timedelta(hours=1)
    for product_id in {r.product_id for r in reviews}:
        shown = figures(product_id)
        with write_transaction():
            stats.recount(product_id)
        db.session.expire_all()
        assert figures(product_id) == shown


def test_the_demo_inbox_has_an_item_near_and_one_past_its_deadline(app):
    load_demo_shop(NOW)
    waiting = list(db.session.scalars(sa.select(InboxItem).where(InboxItem.first_response_at.is_(None))))
    left = sorted(item.due_at - NOW for item in waiting)
    assert left[0] < dt.timedelta(0)  # overdue
    assert any(dt.timedelta(0) < t <= dt.timedelta(minutes=15) for t in left)  # amber
    assert {item.clock for item in waiting} == {Clock.BUSINESS}


def test_the_demo_has_answered_and_open_questions_and_canned_replies_in_three_languages(app):
    load_demo_shop(NOW)
    questions = list(db.session.scalars(sa.select(Question)))
    assert any(q.answer_count for q in questions) and any(not q.answer_count for q in questions)
    assert db.session.scalar(sa.select(sa.func.count(Answer.id)).where(Answer.by_brand.is_(False))) == 1
    languages = {}
    for canned in db.session.scalars(sa.select(CannedReply)):
        languages.setdefault(canned.key, set()).add(canned.language)
    assert languages and all(found == {"en", "es", "lv"} for found in languages.values())


def test_loading_the_demo_twice_adds_no_second_set_of_reviews(app):
    load_demo_shop(NOW)
    count = db.session.scalar(sa.select(sa.func.count(Review.id)))
    load_demo(now=NOW + dt.timedelta(days=1))
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == count
