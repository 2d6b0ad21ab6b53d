"""Answers, votes and what the product page reads: one answer per invitation, the brand's marked and
first, the asker told once, one helpful vote per voter, search in any case with literal wildcards,
and a fixed number of queries however many questions there are."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from reviews import questions, signals
from reviews.models import Answer, AnswerVote, QuestionInvitation, QuestionStatus
from storefront.audit.models import AuditEntry
from storefront.extensions import db
from tests.factories import make_user
from tests.reviews.factories import staff_member
from tests.reviews.question_support import (ASKED_AT, XSS, answered, ask, brand_answer, buyer, fresh_question,
                                            invitations, mails, rendered, stocked_product)

LATER = ASKED_AT + dt.timedelta(hours=1)


@pytest.fixture
def product(app):
    with app.test_request_context():
        product = stocked_product()
        buyer(product, "anna@example.com", days=1)
        buyer(product, "juris@example.com", days=2, locale="lv")
    return product


def answer_with(invitation: QuestionInvitation, body: str = "It does not shrink.", **fields) -> Answer:
    values = dict({"author_name": "Anna K.", "body": body, "language": "en", "now": LATER}, **fields)
    return questions.answer_from_invitation(invitation.token, **values)


def test_a_buyer_answers_once_with_the_invitation_and_the_answer_is_labelled_a_buyers(app, product):
    with app.test_request_context():
        question = ask(product)
        first, second = invitations(question.id)
        answer = answer_with(first)
        with pytest.raises(questions.AlreadyAnswered):
            answer_with(first, body="Again")
        answer_with(second, body="Mine neither.")

    db.session.commit()
    stored = db.session.get(Answer, answer.id)
    assert (stored.by_brand, stored.invitation_id, stored.author_id) == (False, first.id, None)
    assert fresh_question(question.id).answer_count == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 2


def test_an_expired_or_unknown_link_is_refused_and_writes_nothing(app, product):
    with app.test_request_context():
        question = ask(product)
        invitation = invitations(question.id)[0]
        with pytest.raises(questions.InvitationExpired) as expired:
            answer_with(invitation, now=invitation.expires_at)
        with pytest.raises(questions.InvitationNotFound):
            questions.answer_from_invitation("no-such-token", author_name="A", body="B", language="en", now=LATER)
        with pytest.raises(questions.InvitationNotFound):
            questions.open_invitation("x" * 65, now=LATER)
    assert expired.value.status == 410
    assert fresh_question(question.id).answer_count == 0
    assert mails("question_answered") == []


@pytest.mark.parametrize("fields, field", [
    ({"body": ""}, "body"), ({"body": "x" * 2001}, "body"), ({"author_name": " "}, "author_name"),
    ({"author_name": "n" * 81}, "author_name"), ({"language": "xx"}, "language"),
])
def test_a_bad_answer_is_refused_with_its_field_and_the_link_still_works(app, product, fields, field):
    with app.test_request_context():
        question = ask(product)
        invitation = invitations(question.id)[0]
        with pytest.raises(questions.InvalidAnswer) as refused:
            answer_with(invitation, **fields)
        assert refused.value.field == field
        answer_with(invitation)
    assert fresh_question(question.id).answer_count == 1


def test_a_withheld_question_takes_no_more_answers_and_leaves_the_page(app, product):
    with app.test_request_context():
        question, _ = answered(product)
        moderator = staff_member("support@example.com", role="support")
        questions.withhold_question(question.id, "spam", moderator, LATER)
        with pytest.raises(questions.QuestionClosed):
            answer_with(invitations(question.id)[1])
        with pytest.raises(questions.InvalidQuestion):
            questions.withhold_question(question.id, "low rating", moderator, LATER)
        with pytest.raises(questions.NotAllowed):
            questions.withhold_question(question.id, "spam", make_user("m@example.com", role="marketer"), LATER)
    stored = fresh_question(question.id)
    assert (stored.status, stored.withheld_reason) == (QuestionStatus.WITHHELD, "spam")
    assert questions.product_questions(product.id, "en").items == []
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "question.withhold"))
    assert entry.target_id == str(question.id) and entry.details["reason"] == "spam"


def test_the_brands_answer_is_marked_official_shown_first_and_carries_the_staff_actor(app, product):
    heard = []

    def receiver(answer, actor, now, **_):
        heard.append((answer.by_brand, getattr(actor, "email", None), now))

    signals.question_answered.connect(receiver)
    try:
        with app.test_request_context():
            question, buyers_answer = answered(product)
            official = brand_answer(question)
    finally:
        signals.question_answered.disconnect(receiver)

    assert heard == [(False, None, LATER), (True, "support@example.com", ASKED_AT + dt.timedelta(hours=2))]
    db.session.commit()
    stored = db.session.get(Answer, official.id)
    assert stored.by_brand and stored.author_id is not None and stored.invitation_id is None
    assert stored.language == "en"
    shown = questions.product_questions(product.id, "en").items[0]
    assert [a.id for a in shown.answers] == [official.id, buyers_answer.id]


def test_only_staff_who_answer_customers_may_answer_as_the_brand(app, product):
    with app.test_request_context():
        question = ask(product)
        with pytest.raises(questions.NotAllowed):
            questions.answer_as_brand(question.id, "Hi", actor=make_user("mk@example.com", role="marketer"),
                                      now=LATER)
        with pytest.raises(questions.NotAllowed):
            questions.answer_as_brand(question.id, "Hi", actor=None, now=LATER)
        with pytest.raises(questions.QuestionNotFound):
            questions.answer_as_brand(999_999, "Hi", actor=staff_member(), now=LATER)
    assert fresh_question(question.id).answer_count == 0


def test_the_asker_is_told_once_in_the_questions_language_when_the_first_answer_arrives(app, product):
    with app.test_request_context():
        question = ask(product, language="lv", email="liga@example.com")
        first, second = invitations(question.id)
        answer_with(first)
        answer_with(second)
        brand_answer(question)
    told = mails("question_answered")
    assert [(m.recipient, m.locale, m.key) for m in told] == [
        ("liga@example.com", "lv", f"question_answered:{question.id}")]
    subject, text, html = rendered(told[0])
    assert "It does not shrink." in text and f"#question-{question.id}" in text


def test_answer_text_is_escaped_in_the_askers_mail(app, product):
    with app.test_request_context():
        question = ask(product)
        answer_with(invitations(question.id)[0], body=XSS, author_name=XSS)
    subject, text, html = rendered(mails("question_answered")[0])
    assert "<script>" not in html and "<img src=x" not in html and "&lt;script&gt;" in html


def test_one_helpful_vote_per_voter_per_answer(app, product):
    with app.test_request_context():
        _, answer = answered(product)
    first = questions.vote_answer(answer.id, "voter-1", LATER)
    again = questions.vote_answer(answer.id, "voter-1", LATER)
    other = questions.vote_answer(answer.id, "voter-2", LATER)
    assert (first.counted, first.helpful_count) == (True, 1)
    assert (again.counted, again.helpful_count) == (False, 1)
    assert (other.counted, other.helpful_count) == (True, 2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AnswerVote)) == 2
    with pytest.raises(questions.AnswerNotFound):
        questions.vote_answer(999_999, "voter-1", LATER)
    with pytest.raises(questions.InvalidVote):
        questions.vote_answer(answer.id, "", LATER)


def test_only_answered_published_questions_show_the_shoppers_language_first_then_newest(app, product):
    with app.test_request_context():
        unanswered = ask(product, body="Unanswered?")
        english_old, _ = answered(product, now=LATER, answer_body="Old English answer")
        latvian, _ = answered(product, now=LATER + dt.timedelta(hours=1), language="lv", body="Vai tas saraujas?")
        english_new, _ = answered(product, now=LATER + dt.timedelta(hours=2), answer_body="New English answer")

    shown = questions.product_questions(product.id, "en")
    assert [s.question.id for s in shown.items] == [english_new.id, english_old.id, latvian.id]
    assert unanswered.id not in [s.question.id for s in shown.items] and shown.total == 3
    in_latvian = questions.product_questions(product.id, "lv")
    assert [s.question.id for s in in_latvian.items][0] == latvian.id
    second_page = questions.product_questions(product.id, "en", page=2, per_page=2)
    assert [s.question.id for s in second_page.items] == [latvian.id] and second_page.pages == 2


def test_search_finds_a_question_by_a_word_of_its_answer_in_any_case(app, product):
    with app.test_request_context():
        by_answer, _ = answered(product, body="How warm is it?", answer_body="Wash it COLD, it keeps its Shape.")
        by_question, _ = answered(product, body="Does it SHRINK?", answer_body="Yes, a little.",
                                  now=LATER + dt.timedelta(hours=1))
    shown = questions.product_questions(product.id, "en", search="  shape ")
    assert [s.question.id for s in shown.items] == [by_answer.id] and shown.search == "shape"
    assert [s.question.id for s in questions.product_questions(product.id, "en", search="shrink").items] == [
        by_question.id]
    assert [s.question.id for s in questions.product_questions(product.id, "en", search="wash IT cold").items] == [
        by_answer.id]
    assert questions.product_questions(product.id, "en", search="nothing like it").items == []


def test_percent_and_underscore_in_a_search_are_literal(app, product):
    with app.test_request_context():
        percent, _ = answered(product, answer_body="It is 100% wool.")
        underscore, _ = answered(product, answer_body="See size_guide on the label.")
        plain, _ = answered(product, answer_body="Wool from Latvia, 1000 grams.")
    def found(words):
        return {s.question.id for s in questions.product_questions(product.id, "en", search=words).items}

    assert found("100%") == {percent.id}
    assert found("%") == {percent.id}
    assert found("size_guide") == {underscore.id}
    assert found("_") == {underscore.id}
    assert found("s_ze") == set()    # a wildcard would match "size"
    assert found("1%0 wool") == set()  # … and "100% wool"
    assert found("\\") == set()
    assert plain.id in found("wool")


def test_the_page_reads_in_the_same_number_of_queries_for_one_question_and_for_twenty(app, product, count_queries):
    with app.test_request_context():
        answered(product)
    product_id = product.id

    def queries(search=None) -> int:
        db.session.commit()
        db.session.expunge_all()
        with count_queries() as counter:
            page = questions.product_questions(product_id, "en", search=search, per_page=50)
            [a.body for s in page.items for a in s.answers]
        return counter.count

    one, one_searching = queries(), queries("shrink")
    with app.test_request_context():
        product = db.session.merge(product)
        for n in range(19):
            question, _ = answered(product, answer_body=f"Answer {n}: no, it does not shrink.")
            brand_answer(question, now=LATER + dt.timedelta(hours=3))
    assert (queries(), queries("shrink")) == (one, one_searching) == (3, 3)
