"""Items closed without a response: a review or question staff withhold (spam needs no answer)
leaves the queue, gets no alerts and is no breach; publishing the review again reopens its item,
with its first deadline, if nobody had answered it; an item answered before keeps its figures.

The shop's defaults: open Monday–Friday 09:00–18:00 in Riga, answers due two business hours
after arrival, a warning 15 minutes before. Tuesday 24 March 2026 is an ordinary working day.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from reviews import inbox, inbox_figures, inbox_pages, moderation, queries, replies, service
from reviews.inbox_pages import BadgeState
from reviews.inbox_tasks import Alerts, _claim, send_due_alerts
from reviews.models import ClosedReason, InboxEvent, InboxItem, InboxKind, ReviewStatus, WithholdReason
from reviews.questions import answer_as_brand, withhold_question
from storefront.accounts.models import User
from storefront.database import utcnow
from storefront.extensions import db
from tests.backoffice.conftest import sign_in
from tests.concurrency import at_once, in_own_context
from tests.reviews.inbox_support import Team, events_of, item_of, mails, question_at, review_at, riga, sweater

MIN = dt.timedelta(minutes=1)
ARRIVES = riga(2026, 3, 24, 10, 0)        # Tuesday 10:00
DUE = riga(2026, 3, 24, 12, 0)            # two business hours later
WARN = DUE - 15 * MIN
READ_FIGURES = riga(2026, 3, 27, 12, 0)   # the Friday of the same ISO week (2026-W13)


@pytest.fixture
def team(app):
    return Team()


@pytest.fixture
def variant(app):
    with app.test_request_context():
        return sweater()


def spam_review(app, variant, rating=1, at=ARRIVES, **draft):
    with app.test_request_context():
        return review_at(variant, rating, at, body="Cheap watches at cheap-watches.example!!!", **draft)


def open_ids(now) -> list[int]:
    db.session.expire_all()
    return [row.item.id for row in inbox_pages.queue(now).open]


def week13(now=READ_FIGURES) -> inbox_figures.WeekFigures:
    [week] = inbox_figures.weekly(now, weeks=1)
    assert week.label == "2026-W13"
    return week


def alert_mails() -> int:
    return len(mails("inbox_warning")) + len(mails("inbox_breach"))


# --- a 1★ review withheld as spam ----------------------------------------------------------------

def test_a_1_star_review_withheld_as_spam_leaves_the_queue_gets_no_alerts_and_is_no_breach(app, team, variant):
    review = spam_review(app, variant)
    item = item_of(review=review)
    assert open_ids(ARRIVES + 10 * MIN) == [item.id]

    moderation.withhold(review.id, WithholdReason.SPAM, actor=team.sofia, now=ARRIVES + 20 * MIN)

    item = item_of(review=review)
    assert (item.closed_at, item.closed_reason) == (ARRIVES + 20 * MIN, ClosedReason.WITHHELD)
    assert (item.first_response_at, item.response_kind) == (None, None)   # no response stopped the clock
    assert events_of(item) == ["arrived", "closed"]
    closed = db.session.scalar(sa.select(InboxEvent).where(InboxEvent.item_id == item.id,
                                                           InboxEvent.kind == "closed"))
    assert (closed.details, closed.actor_id, closed.created_at) == ({"reason": "withheld"}, team.sofia.id,
                                                                    ARRIVES + 20 * MIN)

    # Not in the open queue, then or past its deadline; among the done ones, grey, "closed".
    assert open_ids(ARRIVES + 30 * MIN) == open_ids(DUE + 60 * MIN) == []
    [row] = inbox_pages.queue(DUE + 60 * MIN).closed
    assert (row.item.id, row.badge.state, row.badge.colour, row.badge.reason) == (
        item.id, BadgeState.CLOSED, "grey", "withheld")
    assert row.badge.minutes == 20   # how long it had waited when it was closed

    # No warning at 15 minutes before, no breach alert at the deadline, nor later.
    assert send_due_alerts(WARN) == Alerts()
    assert send_due_alerts(DUE) == Alerts()
    assert send_due_alerts(DUE + dt.timedelta(days=1)) == Alerts()
    assert alert_mails() == 0
    assert events_of(item_of(review=review)) == ["arrived", "closed"]

    # The weekly figures: it arrived, it was closed; not answered, not a breach, not "late".
    week = week13()
    assert (week.arrived, week.closed, week.answered, week.breaches, week.open_overdue, week.open_waiting) == (
        1, 1, 0, 0, 0, 0)
    assert (week.within_deadline_percent, week.median_seconds, week.p90_seconds) == (None, None, None)
    csv_lines = inbox_figures.figures_csv([week]).splitlines()
    assert csv_lines[0].endswith(",closed_without_response")
    assert csv_lines[1] == "2026-W13,2026-03-23,1,0,0,,0,0,0,0,,,1"

    # The moderation list says nothing about the review waits in the inbox.
    [listed] = inbox_pages.review_list(ReviewStatus.WITHHELD).items
    assert (listed.review.id, listed.open_items) == (review.id, 0)


def test_the_item_closes_once_and_a_closed_item_can_never_be_answered_too(app, team, variant):
    review = spam_review(app, variant)
    moderation.withhold(review.id, WithholdReason.SPAM, actor=team.sofia, now=ARRIVES + 5 * MIN)
    with pytest.raises(moderation.ModerationRefused):
        moderation.withhold(review.id, WithholdReason.ABUSE, actor=team.sofia, now=ARRIVES + 6 * MIN)
    with app.app_context():
        assert inbox.close_items(now=ARRIVES + 7 * MIN, reason="withheld", actor_id=None, review_id=review.id) == 0
    item = item_of(review=review)
    assert events_of(item) == ["arrived", "closed"] and item.closed_at == ARRIVES + 5 * MIN

    # The alert's claim skips it, even if a run had read it as waiting a moment before.
    assert _claim(item.id, breach=True, now=DUE) is False
    # The database refuses an item both closed and answered.
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(InboxItem).where(InboxItem.id == item.id).values(first_response_at=DUE))
        db.session.flush()
    db.session.rollback()


def test_both_items_about_a_reported_1_star_review_close(app, team, variant):
    review = spam_review(app, variant)
    with app.app_context():
        assert inbox.open_item(InboxKind.REPORTED_REVIEW, review_id=review.id, now=ARRIVES + 5 * MIN) is not None
        db.session.commit()
    moderation.withhold(review.id, WithholdReason.SPAM, actor=team.sofia, now=ARRIVES + 10 * MIN)
    kinds = {item.kind: item.closed_at for item in inbox_pages.items_about_review(review.id)}
    assert kinds == {"negative_review": ARRIVES + 10 * MIN, "reported_review": ARRIVES + 10 * MIN}
    assert open_ids(ARRIVES + 11 * MIN) == []


def test_withholding_after_the_breach_alert_closes_the_item_and_the_week_shows_no_breach(app, team, variant):
    review = spam_review(app, variant)
    assert send_due_alerts(DUE).breached == 1
    moderation.withhold(review.id, WithholdReason.SPAM, actor=None, now=DUE + 30 * MIN)   # the system, say
    item = item_of(review=review)
    assert events_of(item) == ["arrived", "breached", "closed"]
    assert db.session.scalar(sa.select(InboxEvent.actor_id).where(InboxEvent.item_id == item.id,
                                                                  InboxEvent.kind == "closed")) is None
    week = week13()
    assert (week.arrived, week.closed, week.breaches) == (1, 1, 0)


# --- published again -----------------------------------------------------------------------------

def test_publishing_it_again_reopens_the_item_with_its_first_deadline(app, team, variant):
    review = spam_review(app, variant)
    item_id = item_of(review=review).id
    moderation.withhold(review.id, WithholdReason.SPAM, actor=team.sofia, now=ARRIVES + 20 * MIN)
    moderation.publish(review.id, actor=team.admin, now=ARRIVES + 40 * MIN)

    item = item_of(review=review)
    assert (item.closed_at, item.closed_reason, item.first_response_at, item.due_at) == (None, None, None, DUE)
    assert events_of(item) == ["arrived", "closed", "reopened"]
    reopened = db.session.scalar(sa.select(InboxEvent).where(InboxEvent.item_id == item_id,
                                                             InboxEvent.kind == "reopened"))
    assert (reopened.actor_id, reopened.details) == (team.admin.id, {"reason": "withheld"})
    [row] = inbox_pages.queue(ARRIVES + 45 * MIN).open
    assert (row.item.id, row.badge.colour, row.badge.minutes) == (item_id, "green", 75)

    # Its alerts come as for any item, once each.
    assert send_due_alerts(WARN).warned == 1
    assert send_due_alerts(DUE).breached == 1
    assert send_due_alerts(DUE + MIN) == Alerts()
    week = week13()
    assert (week.arrived, week.closed, week.open_overdue, week.breaches) == (1, 0, 1, 1)

    # And answering it stops its clock as usual.
    replies.reply_to_review(review.id, "We are sorry.", actor=team.sofia, now=DUE + 30 * MIN)
    item = item_of(review=review)
    assert (item.first_response_at, item.closed_at) == (DUE + 30 * MIN, None)
    week = week13()
    assert (week.answered, week.answered_late, week.closed, week.breaches, week.median_minutes) == (1, 1, 0, 1, 150)


def test_published_again_after_its_deadline_the_item_is_overdue_at_once(app, team, variant):
    review = spam_review(app, variant)
    moderation.withhold(review.id, WithholdReason.OFF_TOPIC, actor=team.sofia, now=ARRIVES + 20 * MIN)
    assert send_due_alerts(DUE) == Alerts()
    moderation.publish(review.id, actor=team.sofia, now=DUE + 60 * MIN)
    [row] = inbox_pages.queue(DUE + 61 * MIN).open
    assert (row.badge.state, row.badge.minutes) == (BadgeState.OVERDUE, 61)
    result = send_due_alerts(DUE + 61 * MIN)
    assert (result.warned, result.breached) == (0, 1)


def test_a_withheld_review_edited_and_then_published_reopens_its_item(app, team, variant):
    review = spam_review(app, variant)
    moderation.withhold(review.id, WithholdReason.ABUSE, actor=team.sofia, now=ARRIVES + 10 * MIN)
    with app.test_request_context():
        draft = service.ReviewDraft(rating=1, language="en", author_name="Anna K.", body="Calmer now: it pilled.")
        assert service.edit_review(review.reviewer_token, draft, ARRIVES + 20 * MIN).status == ReviewStatus.PENDING
    assert open_ids(ARRIVES + 25 * MIN) == []   # waiting for a look, its item still closed
    moderation.publish(review.id, actor=team.sofia, now=ARRIVES + 30 * MIN)
    assert open_ids(ARRIVES + 31 * MIN) == [item_of(review=review).id]


def test_an_item_answered_before_the_withholding_keeps_its_response_and_its_figures(app, team, variant):
    review = spam_review(app, variant)
    replies.reply_to_review(review.id, "We are sorry.", actor=team.sofia, now=ARRIVES + 30 * MIN)
    before = week13()
    assert (before.answered, before.answered_in_time, before.median_minutes, before.closed) == (1, 1, 30, 0)

    moderation.withhold(review.id, WithholdReason.SPAM, actor=team.sofia, now=ARRIVES + 60 * MIN)
    item = item_of(review=review)
    assert (item.first_response_at, item.response_kind, item.closed_at) == (ARRIVES + 30 * MIN, "public_reply", None)
    assert events_of(item) == ["arrived", "public_reply"]
    assert week13() == before
    [row] = inbox_pages.queue(DUE).closed
    assert (row.badge.state, row.badge.minutes) == (BadgeState.ANSWERED, 30)

    moderation.publish(review.id, actor=team.sofia, now=ARRIVES + 90 * MIN)
    assert events_of(item_of(review=review)) == ["arrived", "public_reply"]
    assert week13() == before and open_ids(DUE) == []


def test_a_message_to_a_closed_item_is_no_first_response_and_it_stays_closed_when_published(app, team, variant):
    review = spam_review(app, variant, email="anna@example.com")
    moderation.withhold(review.id, WithholdReason.PERSONAL_DATA, actor=team.sofia, now=ARRIVES + 10 * MIN)
    with app.test_request_context():
        event = inbox.send_private_message(item_of(review=review).id, "Please remove your phone number.",
                                           actor=team.sofia, now=ARRIVES + 20 * MIN)
    assert event.details == {"first_response": False}
    item = item_of(review=review)
    assert (item.first_response_at, item.closed_at) == (None, ARRIVES + 10 * MIN)
    assert len(mails("inbox_private_message")) == 1

    # The reviewer was written to: publishing again does not put it back in the queue.
    moderation.publish(review.id, actor=team.sofia, now=ARRIVES + 30 * MIN)
    assert item_of(review=review).closed_at == ARRIVES + 10 * MIN
    assert open_ids(DUE + MIN) == [] and send_due_alerts(DUE + MIN) == Alerts()
    week = week13()
    assert (week.arrived, week.closed, week.answered, week.breaches) == (1, 1, 0, 0)
    # Nor does the product page count it as a review left without an answer.
    figures = queries.reply_figures(now=READ_FIGURES)
    assert (figures.negative, figures.replied) == (0, 0)


def test_the_product_page_reply_figures_leave_a_withheld_review_out_until_it_is_published(app, team, variant):
    review = spam_review(app, variant)
    moderation.withhold(review.id, WithholdReason.SPAM, actor=team.sofia, now=ARRIVES + 10 * MIN)
    figures = queries.reply_figures(now=READ_FIGURES)
    assert (figures.negative, figures.replied) == (0, 0)
    moderation.publish(review.id, actor=team.sofia, now=ARRIVES + 20 * MIN)
    replies.reply_to_review(review.id, "Sorry.", actor=team.sofia, now=ARRIVES + 50 * MIN)
    figures = queries.reply_figures(now=READ_FIGURES)
    assert (figures.negative, figures.replied, figures.durations) == (1, 1, [50 * MIN])


# --- a question withheld -------------------------------------------------------------------------

def test_a_spam_question_withheld_leaves_the_queue_gets_no_alerts_and_is_no_breach(app, team, variant):
    with app.test_request_context():
        question = question_at(variant, ARRIVES, "Buy followers at followers.example")
    item = item_of(question=question)
    assert open_ids(ARRIVES + MIN) == [item.id]

    withhold_question(question.id, "spam", team.sofia, ARRIVES + 15 * MIN)
    item = item_of(question=question)
    assert (item.closed_at, item.closed_reason, item.first_response_at) == (ARRIVES + 15 * MIN, "withheld", None)
    assert events_of(item) == ["arrived", "closed"]
    assert open_ids(DUE + MIN) == []
    assert send_due_alerts(WARN) == send_due_alerts(DUE) == Alerts() and alert_mails() == 0

    # Withholding it again changes nothing; an answer given to it now does not stop a stopped clock.
    withhold_question(question.id, "abuse", team.sofia, ARRIVES + 20 * MIN)
    with app.test_request_context():
        answer_as_brand(question.id, "We do not sell followers.", actor=team.sofia, now=ARRIVES + 25 * MIN)
    item = item_of(question=question)
    assert events_of(item) == ["arrived", "closed"] and item.first_response_at is None

    week = week13()
    assert (week.arrived, week.closed, week.answered, week.breaches, week.within_deadline_percent) == (
        1, 1, 0, 0, None)


def test_a_question_answered_before_it_was_withheld_keeps_its_figures(app, team, variant):
    with app.test_request_context():
        question = question_at(variant, ARRIVES)
        answer_as_brand(question.id, "No, it does not.", actor=team.sofia, now=ARRIVES + 40 * MIN)
    withhold_question(question.id, "off_topic", team.sofia, ARRIVES + 60 * MIN)
    item = item_of(question=question)
    assert (item.first_response_at, item.closed_at) == (ARRIVES + 40 * MIN, None)
    week = week13()
    assert (week.answered, week.answered_in_time, week.median_minutes, week.closed, week.breaches) == (1, 1, 40, 0, 0)


# --- a withholding and an answer at once ---------------------------------------------------------

def test_a_withholding_and_a_private_message_at_once_leave_the_item_either_answered_or_closed(app, team, variant):
    review = spam_review(app, variant, email="anna@example.com")
    review_id, item_id, sofia_id, admin_id = review.id, item_of(review=review).id, team.sofia.id, team.admin.id
    db.session.commit()

    def withhold():
        return moderation.withhold(review_id, WithholdReason.SPAM, actor=db.session.get(User, admin_id),
                                   now=ARRIVES + 30 * MIN)

    def message():
        with app.test_request_context():
            return inbox.send_private_message(item_id, "Could you tell us more?", actor=db.session.get(User, sofia_id),
                                              now=ARRIVES + 30 * MIN).id

    results = at_once([in_own_context(app, withhold), in_own_context(app, message)])
    assert not any(isinstance(r, Exception) for r in results), results
    item = item_of(review=review)
    assert (item.closed_at is None) != (item.first_response_at is None)
    kinds = events_of(item)
    assert kinds in (["arrived", "closed", "private_message"], ["arrived", "private_message"])
    assert ("closed" in kinds) == (item.closed_at is not None)
    week = week13()
    assert (week.answered, week.closed) == ((0, 1) if item.closed_at else (1, 0))
    assert week.breaches == 0


# --- the pages -----------------------------------------------------------------------------------

def test_the_pages_show_the_item_closed_as_withheld(client, app, team, variant):
    arrived = utcnow() - 40 * MIN
    review = spam_review(app, variant, at=arrived)
    moderation.withhold(review.id, WithholdReason.SPAM, actor=team.sofia, now=arrived + 10 * MIN)
    item_id = item_of(review=review).id
    sign_in(client, team.sofia)

    queue_page = client.get("/admin/inbox/").get_data(as_text=True)
    assert "Nothing waiting" in queue_page and "Closed: withheld" in queue_page
    assert f"/admin/inbox/{item_id}" in queue_page

    item_page = client.get(f"/admin/inbox/{item_id}").get_data(as_text=True)
    history = item_page[item_page.index('id="history"'):]
    assert "Arrived" in history and "Closed: withheld · sofia@example.com" in history
    assert item_page.count("Closed: withheld") >= 2  # the "Closed" line and the history

    figures_page = client.get("/admin/inbox/figures?weeks=4").get_data(as_text=True)
    assert "Closed without our answer" in figures_page
