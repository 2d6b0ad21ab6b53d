"""The one reminder: a week after the request, only if nothing of the order was reviewed, once."""
from __future__ import annotations

import datetime as dt

import pytest

from reviews import request_tasks, requests
from storefront.extensions import db
from storefront.mail.service import render
from tests.concurrency import at_once, in_own_context
from tests.factories import make_product
from tests.reviews.factories import make_review
from tests.reviews.requests_support import UTC, mails, make_delivered, request_of

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
ASKED = NOW + dt.timedelta(days=2)  # delivered, and so asked, two days after the order
DUE = ASKED + dt.timedelta(days=7)


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


@pytest.fixture
def order():
    sweater = make_product(title="Dzintars pullover", variants=[{"stock": 5}]).variants[0]
    hat = make_product(title="Bobble hat", variants=[{"stock": 5}]).variants[0]
    return make_delivered(sweater, hat, now=NOW, locale="lv")


def test_a_buyer_who_reviewed_nothing_is_reminded_once_a_week_later(order):
    assert requests.send_due_reminders(DUE - dt.timedelta(minutes=1)) == 0
    assert requests.send_due_reminders(DUE) == 1
    assert requests.send_due_reminders(DUE + dt.timedelta(days=1)) == 0

    [reminder] = mails("review_reminder")
    request = request_of(order.id)
    assert (reminder.recipient, reminder.locale, reminder.ref_id, reminder.key) == (
        "anna@example.com", "lv", request.id, f"review_reminder:{request.id}")
    assert request.reminded_at == DUE
    assert len(mails("review_request")) == 1  # the request itself is not sent again


def test_the_reminder_names_the_order_and_carries_the_same_link(order):
    requests.send_due_reminders(DUE)
    request = request_of(order.id)
    message = render(mails("review_reminder")[0])
    text = message.get_body(("plain",)).get_content()
    assert order.number in message["Subject"]
    assert f"http://shop.test/reviews/write/{request.token}" in text
    assert "Dzintars pullover" in text and "Bobble hat" in text
    assert requests.unsubscribe_url("anna@example.com", lang="lv") in text


def test_no_reminder_once_one_item_of_the_order_is_reviewed(order):
    make_review(order, 2, line_index=1, now=ASKED + dt.timedelta(days=3))
    assert requests.send_due_reminders(DUE) == 0
    assert mails("review_reminder") == []
    request = request_of(order.id)
    assert (request.reminded_at, request.reminder_due_at) == (None, None)  # never looked at again


def test_no_reminder_after_the_buyer_unsubscribed(order):
    token = requests.unsubscribe_token("anna@example.com")
    requests.unsubscribe(token, now=ASKED + dt.timedelta(days=1))
    assert requests.send_due_reminders(DUE) == 0
    assert mails("review_reminder") == []


def test_no_reminder_once_the_link_has_expired(order):
    assert requests.send_due_reminders(ASKED + dt.timedelta(days=91)) == 0
    assert mails("review_reminder") == []


def test_two_reminder_runs_at_once_remind_once(app, order):
    db.session.commit()
    sent = at_once([in_own_context(app, lambda: requests.send_due_reminders(DUE))] * 2)
    assert sorted(sent) == [0, 1]
    assert len(mails("review_reminder")) == 1
    assert request_of(order.id).reminded_at == DUE


def test_the_hourly_task_sends_due_reminders(monkeypatch, order):
    monkeypatch.setattr(request_tasks, "utcnow", lambda: DUE)
    assert request_tasks.send_review_reminders.call_local() == 1
    assert request_tasks.send_review_reminders.call_local() == 0
    assert len(mails("review_reminder")) == 1
