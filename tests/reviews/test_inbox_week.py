"""A simulated fortnight in the support inbox, on an injected clock, checked against values
worked out by hand.

The shop's defaults: open Monday–Friday 09:00–18:00 and Saturday 10:00–14:00 in Riga, answers
due two business hours after arrival, a warning 15 minutes before. Summer time starts on Sunday
29 March 2026 (UTC+2 → UTC+3); Good Friday, 3 April, is a holiday. ISO week 13 is 23–29 March,
week 14 is 30 March – 5 April.

    item  arrives (Riga time)            due (worked out)                       answered
    A     1★ review  Fri 27 Mar 17:30    30' Fri + 90' Sat from 10:00 → Sat 11:30     reply Sat 10:15: 45'
    B     question   Sat 28 Mar 13:00    60' Sat + 60' Mon (summer time) → Mon 10:00  brand answer Mon 09:30: 90'
    C     2★ review  Sun 29 Mar 11:00    closed: from Mon 09:00 → Mon 11:00           note 09:05, assigned
                                                                                  09:10, private message
                                                                                  11:20: 140' (late)
    —     4★ review  Sun 29 Mar 12:00    not for the inbox
    E     question   Mon 30 Mar 08:00    from 09:00 → Mon 11:00                       brand answer 10:40: 100'
    G     2★ review  Wed  1 Apr 10:00    → Wed 12:00                                  reply 10:20: 20'
    F     1★ review  Thu  2 Apr 17:00    60' Thu, Good Friday closed, 60' Sat → Sat 11:00   still open

Week 13 (A, B, C): answered in 45, 90, 140 min → median 90, p90 (nearest rank, 3rd of 3) 140;
2 of 3 within the deadline; 1 breach. Week 14 (E, G, F): 100 and 20 min → median 60, p90 100;
2 of 3 within (F is past due, unanswered, on Saturday 11:30); 1 breach.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from reviews import inbox, inbox_figures, inbox_pages, replies
from reviews.inbox_tasks import Alerts, send_due_alerts
from reviews.models import Clock, InboxItem, InboxKind, ReviewStatus
from reviews.questions import answer_as_brand
from storefront.extensions import db
from tests.concurrency import at_once, in_own_context
from tests.reviews.inbox_support import Team, events_of, item_of, mails, question_at, review_at, riga, sweater

MIN = dt.timedelta(minutes=1)


def state(now):
    """The open queue at `now` as (item id, badge colour, whole minutes) in queue order."""
    db.session.expire_all()
    return [(row.item.id, row.badge.colour, row.badge.minutes) for row in inbox_pages.queue(now).open]


@pytest.fixture
def week(app):
    """The team, the product, and review A (1★, Friday 27 March 17:30)."""
    with app.test_request_context():
        team = Team()
        variant = sweater()
        a = review_at(variant, 1, riga(2026, 3, 27, 17, 30), body="Pilled after one wash.")
    return team, variant, a


def test_a_fortnight_of_items_their_order_badges_alerts_and_weekly_figures(app, week):
    team, variant, review_a = week
    item_a = item_of(review=review_a)
    assert (item_a.kind, item_a.clock) == (InboxKind.NEGATIVE_REVIEW, Clock.BUSINESS)
    assert item_a.due_at == riga(2026, 3, 28, 11, 30)
    # The inbox never holds a review back: it is on the page from the moment it was written.
    assert (review_a.status, review_a.published_at) == (ReviewStatus.PUBLISHED, riga(2026, 3, 27, 17, 30))

    # Friday after closing: 30 minutes used, 90 left for Saturday morning.
    assert state(riga(2026, 3, 27, 19, 0)) == [(item_a.id, "green", 90)]
    assert send_due_alerts(riga(2026, 3, 27, 19, 0)).warned == 0

    # Saturday 10:15: support replies in public; the clock stops at 45 business minutes.
    replies.reply_to_review(review_a.id, "We are sorry. Please send it back for a new one.", actor=team.sofia,
                            now=riga(2026, 3, 28, 10, 15))
    assert state(riga(2026, 3, 28, 10, 16)) == []

    with app.test_request_context():
        question_b = question_at(variant, riga(2026, 3, 28, 13, 0))
    item_b = item_of(question=question_b)
    assert item_b.due_at == riga(2026, 3, 30, 10, 0)   # across Sunday and the change to summer time
    # Saturday 13:50: B has 10 minutes of Saturday and an hour of Monday left.
    assert state(riga(2026, 3, 28, 13, 50)) == [(item_b.id, "green", 70)]

    with app.test_request_context():
        review_c = review_at(variant, 2, riga(2026, 3, 29, 11, 0), email="maris@example.com", body="Too short.")
        happy = review_at(variant, 4, riga(2026, 3, 29, 12, 0), email="liga@example.com", body="Warm.")
        question_e = question_at(variant, riga(2026, 3, 30, 8, 0), "Is it itchy?", email="eva@example.com")
    item_c, item_e = item_of(review=review_c), item_of(question=question_e)
    assert item_of(review=happy) is None
    assert item_c.due_at == riga(2026, 3, 30, 11, 0)   # arrived on a closed Sunday
    assert item_e.due_at == riga(2026, 3, 30, 11, 0)   # arrived before opening
    # Monday at opening: soonest deadline first (C and E tie on the deadline; the first to arrive first).
    assert state(riga(2026, 3, 30, 9, 0)) == [(item_b.id, "green", 60), (item_c.id, "green", 120),
                                              (item_e.id, "green", 120)]

    # A note and an assignment do not stop C's clock.
    inbox.add_note(item_c.id, "Customer wrote before about sizing.", actor=team.admin, now=riga(2026, 3, 30, 9, 5))
    inbox.assign(item_c.id, team.sofia.id, actor=team.admin, now=riga(2026, 3, 30, 9, 10))
    answer_as_brand(question_b.id, "It does not, if washed cold.", actor=team.sofia, now=riga(2026, 3, 30, 9, 30))
    assert state(riga(2026, 3, 30, 9, 31)) == [(item_c.id, "green", 89), (item_e.id, "green", 89)]

    # The warning goes out when 15 minutes are left (10:45), once; E is answered before its own.
    assert send_due_alerts(riga(2026, 3, 30, 10, 29)).warned == 0
    answer_as_brand(question_e.id, "Not at all: it is merino.", actor=team.admin, now=riga(2026, 3, 30, 10, 40))
    assert send_due_alerts(riga(2026, 3, 30, 10, 44)).warned == 0
    assert state(riga(2026, 3, 30, 10, 44)) == [(item_c.id, "green", 16)]
    assert send_due_alerts(riga(2026, 3, 30, 10, 45)).warned == 1
    assert send_due_alerts(riga(2026, 3, 30, 10, 46)).warned == 0
    assert state(riga(2026, 3, 30, 10, 50)) == [(item_c.id, "amber", 10)]
    # The assignee alone is told (not everyone).
    assert [m.recipient for m in mails("inbox_warning")] == ["sofia@example.com"]

    # The breach at 11:00, once; then red with the time overdue.
    assert send_due_alerts(riga(2026, 3, 30, 10, 59, 59)).breached == 0
    assert send_due_alerts(riga(2026, 3, 30, 11, 0)).breached == 1
    assert send_due_alerts(riga(2026, 3, 30, 11, 5)).breached == 0
    assert state(riga(2026, 3, 30, 11, 12)) == [(item_c.id, "red", 12)]
    assert [m.recipient for m in mails("inbox_breach")] == ["sofia@example.com"]

    # 11:20: support takes it private; the clock stops, 20 minutes late.
    inbox.send_private_message(item_c.id, "Could you tell us your usual size?", actor=team.sofia,
                               now=riga(2026, 3, 30, 11, 20))
    item_c = item_of(review=review_c)
    assert (item_c.first_response_at, item_c.response_kind) == (riga(2026, 3, 30, 11, 20), "private_message")
    assert events_of(item_c) == ["arrived", "note", "assigned", "warned", "breached", "private_message"]
    assert [(m.recipient, m.locale) for m in mails("inbox_private_message")] == [("maris@example.com", "en")]

    with app.test_request_context():
        review_g = review_at(variant, 2, riga(2026, 4, 1, 10, 0), email="gatis@example.com")
        review_f = review_at(variant, 1, riga(2026, 4, 2, 17, 0), email="fricis@example.com")
    replies.reply_to_review(review_g.id, "Thank you, we have passed this on.", actor=team.admin,
                            now=riga(2026, 4, 1, 10, 20))
    item_f = item_of(review=review_f)
    assert item_f.due_at == riga(2026, 4, 4, 11, 0)   # Good Friday skipped

    # Thursday evening and the holiday: the clock stands still; nothing is sent, to anyone.
    assert state(riga(2026, 4, 3, 12, 0)) == [(item_f.id, "green", 60)]
    assert send_due_alerts(riga(2026, 4, 3, 12, 0)) == send_due_alerts(riga(2026, 4, 4, 10, 44))
    assert send_due_alerts(riga(2026, 4, 4, 10, 44)).warned == 0
    # F is nobody's: every active member of support hears, never a marketer or a disabled account.
    assert send_due_alerts(riga(2026, 4, 4, 10, 45)).warned == 1
    assert sorted(m.recipient for m in mails("inbox_warning")[1:]) == [
        "admin@example.com", "fulfilment@example.com", "sofia@example.com"]
    assert send_due_alerts(riga(2026, 4, 4, 11, 0)).breached == 1
    assert state(riga(2026, 4, 4, 11, 30)) == [(item_f.id, "red", 30)]

    # What the closed list shows: most recently answered first, each with its own waiting time.
    closed = [(row.item.id, row.badge.state, row.badge.minutes)
              for row in inbox_pages.queue(riga(2026, 4, 4, 11, 30)).closed]
    assert closed == [(item_of(review=review_g).id, "answered", 20), (item_c.id, "answered_late", 140),
                      (item_e.id, "answered", 100), (item_b.id, "answered", 90), (item_a.id, "answered", 45)]

    # The weekly figures, read from the log on Saturday 4 April at 11:30.
    week13, week14 = inbox_figures.weekly(riga(2026, 4, 4, 11, 30), weeks=2)
    assert (week13.label, week13.arrived, week13.answered, week13.answered_in_time, week13.breaches) == \
        ("2026-W13", 3, 3, 2, 1)
    assert (week13.median_minutes, week13.p90_minutes) == (90, 140)
    assert round(week13.within_deadline_percent, 1) == 66.7
    assert (week14.label, week14.arrived, week14.answered, week14.answered_in_time, week14.breaches,
            week14.open_overdue) == ("2026-W14", 3, 2, 2, 1, 1)
    assert (week14.median_minutes, week14.p90_minutes) == (60, 100)
    assert round(week14.within_deadline_percent, 1) == 66.7

    # Each alert went once, whatever the number of runs: two warnings and two breaches in all.
    assert len(db.session.scalars(sa.select(InboxItem).where(InboxItem.breach_alerted_at.is_not(None))).all()) == 2
    assert [len(mails("inbox_warning")), len(mails("inbox_breach"))] == [4, 4]


def test_two_alert_runs_at_once_send_each_alert_once(app, week):
    team, variant, review_a = week
    item_a = item_of(review=review_a)
    db.session.commit()
    warn_at = riga(2026, 3, 28, 11, 15)  # 15 business minutes before Saturday 11:30

    results = at_once([in_own_context(app, lambda: send_due_alerts(warn_at)) for _ in range(2)])
    assert sorted(r.warned for r in results) == [0, 1], results
    results = at_once([in_own_context(app, lambda: send_due_alerts(warn_at + 15 * MIN)) for _ in range(2)])
    assert sorted(r.breached for r in results) == [0, 1], results

    assert events_of(item_of(review=review_a)) == ["arrived", "warned", "breached"]
    assert len(mails("inbox_warning")) == len(mails("inbox_breach")) == 3  # admin, fulfilment, sofia
    assert item_a.id == item_of(review=review_a).id


def test_an_item_found_past_its_deadline_gets_the_breach_alert_only(app, week):
    team, variant, review_a = week
    result = send_due_alerts(riga(2026, 3, 30, 9, 0))
    assert (result.warned, result.breached) == (0, 1)
    assert events_of(item_of(review=review_a)) == ["arrived", "breached"]
    assert send_due_alerts(riga(2026, 3, 30, 10, 0)) == Alerts()
    assert mails("inbox_warning") == []
