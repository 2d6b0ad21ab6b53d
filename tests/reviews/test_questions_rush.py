"""Limits that hold when requests really overlap, against gunicorn with four worker processes (the
`gunicorn_server` fixture), on SQLite and, with TEST_DATABASE_URL, on PostgreSQL: one answer per
invitation link, one helpful vote per voter per answer."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from reviews.models import Answer, AnswerVote, Question
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from tests.concurrency import at_once, call
from tests.reviews.question_support import answered, ask, buyer, invitations, stocked_product


def real_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def test_two_answers_through_one_invitation_at_once_make_one_answer(app, gunicorn_server):
    with app.test_request_context():
        product = stocked_product()
        buyer(product, "anna@example.com")
        question = ask(product, now=real_now())
    question_id = question.id
    token = invitations(question_id)[0].token

    def answer(n):
        body = {"token": token, "author_name": f"Anna {n}", "body": f"Answer number {n}", "language": "en"}
        return lambda: call("POST", f"{gunicorn_server}/api/v1/questions/answers", body)

    results = at_once([answer(n) for n in range(2)])

    assert sorted(status for status, _ in results) == [201, 409], results
    refused = next(body for status, body in results if status == 409)
    assert refused["error"]["code"] == "already_answered"
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 1
    assert db.session.scalar(sa.select(Question.answer_count).where(Question.id == question_id)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)
                             .where(OutboundEmail.kind == "question_answered")) == 1


def test_twenty_helpful_votes_by_one_voter_at_once_count_once(app, gunicorn_server):
    with app.test_request_context():
        product = stocked_product()
        buyer(product, "anna@example.com")
        _, answer = answered(product, now=real_now())
    answer_id = answer.id
    url = f"{gunicorn_server}/api/v1/questions/answers/{answer_id}/helpful"

    results = at_once([lambda: call("POST", url, {"voter_key": "one-shopper-key"}) for _ in range(20)])

    assert {status for status, _ in results} == {200}, results
    assert sum(1 for _, body in results if body["counted"]) == 1
    db.session.commit()
    assert db.session.scalar(sa.select(Answer.helpful_count).where(Answer.id == answer_id)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AnswerVote)) == 1
