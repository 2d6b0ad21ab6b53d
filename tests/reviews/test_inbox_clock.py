"""What starts and stops an inbox item's clock, and why old figures never change.

Items open for negative reviews (written or edited down to 1–2★), reported reviews and questions,
each with the clock the shop used when it arrived. The clock stops on the first public reply or
private message to the customer — never on a note or an assignment, never on a buyer's answer.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from reviews import feedback, inbox, inbox_figures, inbox_pages, replies
from reviews.models import Clock, InboxEvent, InboxItem, InboxKind, ReviewStatus
from reviews.questions import answer_as_brand, answer_from_invitation
from reviews.models import QuestionInvitation
from reviews.service import ReviewDraft, edit_review
from storefront.extensions import db
from tests.reviews.inbox_support import Team, events_of, item_of, mails, question_at, review_at, riga, sweater

MONDAY = riga(2026, 3, 23, 10, 0)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def team(app):
    return Team()


@pytest.fixture
def variant(app):
    return sweater()


def reviewed(app, variant, rating, at=MONDAY, **kwargs):
    with app.test_request_context():
        return review_at(variant, rating, at, **kwargs)


def test_only_reviews_at_or_below_the_negative_threshold_open_an_item(app, team, variant):
    ratings = {}
    for rating, email in zip(range(1, 6), ["a@x.lv", "b@x.lv", "c@x.lv", "d@x.lv", "e@x.lv"]):
        ratings[rating] = reviewed(app, variant, rating, email=email)
    assert {rating: item_of(review=review) is not None for rating, review in ratings.items()} == \
        {1: True, 2: True, 3: False, 4: False, 5: False}
    # Every one of them is on the page: the inbox never holds a review back.
    assert {review.status for review in ratings.values()} == {ReviewStatus.PUBLISHED}


def test_a_review_edited_down_to_two_stars_arrives_when_it_is_edited(app, team, variant):
    review = reviewed(app, variant, 4)
    assert item_of(review=review) is None
    with app.test_request_context():
        edit_review(review.reviewer_token, ReviewDraft(rating=2, language="en", author_name="Anna K.",
                                                       body="It fell apart."), MONDAY + 30 * MIN)
    item = item_of(review=review)
    assert (item.kind, item.arrived_at) == (InboxKind.NEGATIVE_REVIEW, MONDAY + 30 * MIN)


def test_a_reported_review_arrives_once_however_many_shoppers_report_it_and_stays_published(app, team, variant):
    review = reviewed(app, variant, 5)
    for n in range(3):
        feedback.report_review(review.id, f"reporter-key-{n:02d}-aaaaaaaaaaaaaaaa", "Looks fake", MONDAY + n * MIN)
    items = db.session.scalars(sa.select(InboxItem).where(InboxItem.review_id == review.id)).all()
    assert [(i.kind, i.arrived_at) for i in items] == [(InboxKind.REPORTED_REVIEW, MONDAY)]
    db.session.expire_all()
    assert review.status == ReviewStatus.PUBLISHED


def test_a_note_and_an_assignment_never_stop_the_clock(app, team, variant):
    review = reviewed(app, variant, 1)
    item = item_of(review=review)
    inbox.add_note(item.id, "Call the warehouse first.", actor=team.sofia, now=MONDAY + 5 * MIN)
    inbox.assign(item.id, team.sofia.id, actor=team.admin, now=MONDAY + 6 * MIN)
    inbox.assign(item.id, None, actor=team.admin, now=MONDAY + 7 * MIN)
    item = item_of(review=review)
    assert (item.first_response_at, item.response_kind, item.assignee_id) == (None, None, None)
    assert events_of(item) == ["arrived", "note", "assigned", "assigned"]
    assert [row.item.id for row in inbox_pages.queue(MONDAY + 8 * MIN).open] == [item.id]


def test_only_active_support_staff_can_be_assigned(app, team, variant):
    item = item_of(review=reviewed(app, variant, 1))
    for who in (team.marketer, team.retired):
        with pytest.raises(inbox.InvalidInboxInput):
            inbox.assign(item.id, who.id, actor=team.admin, now=MONDAY)
    with pytest.raises(inbox.NotAllowed):
        inbox.assign(item.id, team.sofia.id, actor=team.marketer, now=MONDAY)
    assert events_of(item) == ["arrived"]


def test_a_private_message_stops_the_clock_of_every_item_about_the_review(app, team, variant):
    review = reviewed(app, variant, 2, language="es", email="lucia@example.es")
    feedback.report_review(review.id, "reporter-key-00-aaaaaaaaaaaaaaaa", "", MONDAY + MIN)
    negative = item_of(review=review, kind=InboxKind.NEGATIVE_REVIEW)
    inbox.send_private_message(negative.id, "¿Nos escribe su talla?", actor=team.sofia, now=MONDAY + 20 * MIN)
    inbox.send_private_message(negative.id, "Gracias.", actor=team.sofia, now=MONDAY + 40 * MIN)
    db.session.expire_all()
    items = db.session.scalars(sa.select(InboxItem).where(InboxItem.review_id == review.id)
                               .order_by(InboxItem.id)).all()
    assert [(i.first_response_at, i.response_kind) for i in items] == [
        (MONDAY + 20 * MIN, "private_message"), (MONDAY + 20 * MIN, "private_message")]
    assert events_of(items[0]) == ["arrived", "private_message", "private_message"]
    # Two e-mails to the reviewer, in Spanish; the second did not restart or move the clock.
    assert [(m.recipient, m.locale) for m in mails("inbox_private_message")] == [("lucia@example.es", "es")] * 2
    first = db.session.scalar(sa.select(InboxEvent).where(InboxEvent.item_id == items[0].id,
                                                          InboxEvent.kind == "private_message").order_by(InboxEvent.id))
    assert first.details == {"first_response": True, "clock": "business", "response_seconds": 20 * 60,
                             "within_deadline": True}


def test_a_buyers_answer_takes_the_question_out_of_the_inbox_without_counting_as_ours(app, team, variant):
    # "A question nobody answers goes to the inbox": once a buyer has answered, it needs no alert
    # and is no breach, but neither is it the brand's response time.
    with app.test_request_context():
        review_at(variant, 5, riga(2026, 3, 16, 10, 0), email="buyer@example.com")  # a buyer, to be invited
        question = question_at(variant, MONDAY)
    invitation = db.session.scalar(sa.select(QuestionInvitation).where(QuestionInvitation.question_id == question.id))
    answer_from_invitation(invitation.token, author_name="Buyer", body="Mine did not.", language="en",
                           now=MONDAY + 10 * MIN)
    item = item_of(question=question)
    assert (item.first_response_at, item.closed_at, item.closed_reason) == (
        None, MONDAY + 10 * MIN, "answered_by_buyer")
    answer_as_brand(question.id, "Wash it cold and it will not.", actor=team.sofia, now=MONDAY + 25 * MIN)
    item = item_of(question=question)
    assert (item.first_response_at, item.closed_reason) == (None, "answered_by_buyer")
    assert events_of(item) == ["arrived", "closed"]


def test_the_brands_answer_to_a_question_stops_the_clock(app, team, variant):
    with app.test_request_context():
        question = question_at(variant, MONDAY)
    answer_as_brand(question.id, "Wash it cold and it will not.", actor=team.sofia, now=MONDAY + 25 * MIN)
    item = item_of(question=question)
    assert (item.first_response_at, item.response_kind) == (MONDAY + 25 * MIN, "public_reply")


def test_each_item_keeps_the_clock_it_arrived_with(app, team, variant, monkeypatch):
    saturday_evening = riga(2026, 3, 28, 20, 0)
    business = reviewed(app, variant, 1, saturday_evening, email="a@x.lv")
    monkeypatch.setitem(app.config, "INBOX_CLOCK", "calendar")
    calendar = reviewed(app, variant, 1, saturday_evening, email="b@x.lv")
    assert (item_of(review=business).clock, item_of(review=business).due_at) == (Clock.BUSINESS,
                                                                                 riga(2026, 3, 30, 11, 0))
    assert (item_of(review=calendar).clock, item_of(review=calendar).due_at) == (Clock.CALENDAR,
                                                                                 saturday_evening + 120 * MIN)
    # Switching back does not move either deadline.
    monkeypatch.setitem(app.config, "INBOX_CLOCK", "business")
    assert item_of(review=calendar).due_at == saturday_evening + 120 * MIN


def test_changing_the_opening_hours_later_does_not_change_last_weeks_figures(app, team, variant, monkeypatch):
    # Week 13: a review on Friday 17:30, answered on Saturday 10:15 (45 business minutes), and one
    # on Monday 10:00, answered at 11:30 (90 minutes); one left unanswered past its deadline.
    friday = reviewed(app, variant, 1, riga(2026, 3, 27, 17, 30), email="a@x.lv")
    monday = reviewed(app, variant, 2, riga(2026, 3, 23, 10, 0), email="b@x.lv")
    reviewed(app, variant, 2, riga(2026, 3, 24, 10, 0), email="c@x.lv")
    replies.reply_to_review(friday.id, "Sorry.", actor=team.sofia, now=riga(2026, 3, 28, 10, 15))
    replies.reply_to_review(monday.id, "Sorry.", actor=team.sofia, now=riga(2026, 3, 23, 11, 30))
    read_at = riga(2026, 4, 6, 12, 0)

    def week13():
        [figures] = [w for w in inbox_figures.weekly(read_at, weeks=3) if w.label == "2026-W13"]
        return (figures.arrived, figures.answered, figures.median_minutes, figures.p90_minutes,
                figures.answered_in_time, figures.breaches)

    before = week13()
    assert before == (3, 2, 67.5, 90, 2, 1)
    csv_before = inbox_figures.figures_csv(inbox_figures.weekly(read_at, weeks=3))
    # The shop now opens at 07:00 on weekdays and all Saturday, and answers within 30 minutes:
    # measured today, the Friday reply would be 10:30 + 2:15 of business time, not 45 minutes.
    monkeypatch.setitem(app.config, "INBOX_BUSINESS_HOURS", {d: [["07:00", "23:00"]] for d in
                                                             ("mon", "tue", "wed", "thu", "fri", "sat")})
    monkeypatch.setitem(app.config, "INBOX_RESPONSE_MINUTES", 30)
    monkeypatch.setitem(app.config, "INBOX_HOLIDAYS", [])
    assert week13() == before
    assert inbox_figures.figures_csv(inbox_figures.weekly(read_at, weeks=3)) == csv_before


def test_the_figures_csv_has_one_row_per_week_with_the_numbers_of_the_page(app, team, variant):
    review = reviewed(app, variant, 1, riga(2026, 3, 23, 10, 0))
    replies.reply_to_review(review.id, "Sorry.", actor=team.sofia, now=riga(2026, 3, 23, 10, 30))
    lines = inbox_figures.figures_csv(inbox_figures.weekly(riga(2026, 3, 31, 9, 0), weeks=2)).splitlines()
    assert lines == [
        "week,week_start,arrived,answered,answered_within_deadline,percent_within_deadline,breaches,answered_late,"
        "open_overdue,open_not_due,median_first_response_minutes,p90_first_response_minutes,closed_without_response",
        "2026-W13,2026-03-23,1,1,1,100.0,0,0,0,0,30.0,30.0,0",
        "2026-W14,2026-03-30,0,0,0,,0,0,0,0,,,0",
    ]


def test_opening_hours_that_cannot_be_read_never_stop_a_review_from_being_published(app, team, variant, monkeypatch):
    monkeypatch.setitem(app.config, "INBOX_BUSINESS_HOURS", {"monday": [["9", "18"]]})
    review = reviewed(app, variant, 1)
    assert review.status == ReviewStatus.PUBLISHED
    item = item_of(review=review)
    assert (item.clock, item.due_at) == (Clock.CALENDAR, MONDAY + 120 * MIN)
