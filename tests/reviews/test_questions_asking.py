"""Asking a question: the product's most recent buyers are invited to answer, in their own language,
never the asker, never an address that unsubscribed, never twice; bad input writes nothing."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from reviews import questions, signals
from reviews.models import Question, QuestionInvitation, ReviewMailOptOut
from storefront.catalog.browse import ProductNotFound
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from tests.factories import make_order
from tests.reviews.factories import NOW
from tests.reviews.question_support import (ASKED_AT, XSS, ask, buyer, invitations, mails, rendered,
                                            stocked_product)


def count(model) -> int:
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_asking_invites_at_most_n_most_recent_buyers_most_recent_first(app):
    app.config["QUESTION_INVITE_BUYERS"] = 3
    try:
        with app.test_request_context():
            product = stocked_product()
            for day, email in enumerate(["old@example.com", "b@example.com", "c@example.com", "d@example.com",
                                         "newest@example.com"]):
                buyer(product, email, days=day)
            question = ask(product)
    finally:
        app.config["QUESTION_INVITE_BUYERS"] = 5

    invited = invitations(question.id)
    assert [i.email for i in invited] == ["newest@example.com", "d@example.com", "c@example.com"]
    assert all(i.expires_at == ASKED_AT + dt.timedelta(days=30) for i in invited)
    assert len({i.token for i in invited}) == 3
    sent = mails("question_invite")
    assert [m.recipient for m in sent] == ["newest@example.com", "d@example.com", "c@example.com"]
    assert [m.key for m in sent] == [f"question_invite:{question.id}:{i.email}" for i in invited]


def test_the_asker_an_unsubscribed_address_and_undelivered_orders_are_never_invited(app):
    with app.test_request_context():
        product = stocked_product()
        buyer(product, "Liga@Example.com", days=3)          # the asker, in another case
        buyer(product, "gone@example.com", days=2)
        buyer(product, "anna@example.com", days=1)
        make_order(product.variants[0], email="unpaid@example.com", now=NOW + dt.timedelta(days=5))
        other = stocked_product("Other")
        buyer(other, "other@example.com", days=4)            # bought something else
        db.session.add(ReviewMailOptOut(email="gone@example.com"))
        db.session.commit()
        question = ask(product, email="liga@example.com")

    assert [i.email for i in invitations(question.id)] == ["anna@example.com"]


def test_a_buyer_of_several_orders_is_invited_once_in_the_language_of_the_latest(app):
    with app.test_request_context():
        product = stocked_product()
        buyer(product, "anna@example.com", days=0, locale="en")
        buyer(product, "ANNA@example.com", days=5, locale="lv")
        buyer(product, "juan@example.com", days=3, locale="es")
        question = ask(product)

    invited = invitations(question.id)
    assert [(i.email, i.locale) for i in invited] == [("anna@example.com", "lv"), ("juan@example.com", "es")]
    mail = {m.recipient.lower(): m for m in mails("question_invite")}
    assert mail["anna@example.com"].locale == "lv" and mail["juan@example.com"].locale == "es"
    subject, text, html = rendered(mail["juan@example.com"])
    assert "Dzintars pullover" in subject
    assert f"/questions/answer/{invited[1].token}?lang=es" in text and invited[1].token in html
    assert "/reviews/unsubscribe/" in text and "/reviews/unsubscribe/" in html


def test_a_product_with_no_buyers_gets_the_question_and_no_invitation(app):
    with app.test_request_context():
        product = stocked_product()
        question = ask(product)
    assert question.id and invitations(question.id) == []
    assert mails("question_invite") == []


def test_asking_sends_question_asked_inside_the_transaction(app):
    heard = []

    def receiver(question, now, **_):
        heard.append((question.id, now, db.session.get(Question, question.id) is not None))

    signals.question_asked.connect(receiver)
    try:
        with app.test_request_context():
            question = ask(stocked_product())
    finally:
        signals.question_asked.disconnect(receiver)
    assert heard == [(question.id, ASKED_AT, True)]


@pytest.mark.parametrize("fields, field", [
    ({"body": "   "}, "body"),
    ({"body": "x" * 1001}, "body"),
    ({"author_name": ""}, "author_name"),
    ({"author_name": "n" * 81}, "author_name"),
    ({"email": ""}, "email"),
    ({"email": "not-an-address"}, "email"),
    ({"email": "a@" + "b" * 250 + ".com"}, "email"),
    ({"language": "de"}, "language"),
])
def test_bad_input_is_refused_with_its_field_and_nothing_is_written(app, fields, field):
    with app.test_request_context():
        product = stocked_product()
        buyer(product, "anna@example.com")
        with pytest.raises(questions.InvalidQuestion) as refused:
            ask(product, **fields)
    assert refused.value.field == field and refused.value.status == 400
    assert count(Question) == 0 and count(QuestionInvitation) == 0
    assert mails("question_invite") == []


def test_an_unknown_or_inactive_product_is_refused(app):
    with app.test_request_context():
        product = stocked_product(active=False)
        with pytest.raises(ProductNotFound):
            ask(product)
        with pytest.raises(ProductNotFound):
            questions.ask_question(999_999, author_name="A", email="a@example.com", body="?", language="en",
                                   now=ASKED_AT)
    assert count(Question) == 0


def test_user_text_is_escaped_in_the_invitation_mail(app):
    with app.test_request_context():
        product = stocked_product(title="Cap <b>bold</b>")
        buyer(product, "anna@example.com")
        ask(product, body=XSS, author_name=XSS)
    subject, text, html = rendered(mails("question_invite")[0])
    assert "<script>" not in html and "<img src=x" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;" in html
    assert XSS in text  # plain text is not HTML: shown as typed


def test_a_very_long_address_still_gets_one_mail_key_within_the_column(app):
    long_address = "a" * 60 + "@" + "b" * 60 + ".example.com"
    with app.test_request_context():
        product = stocked_product()
        buyer(product, long_address)
        question = ask(product)
    key = db.session.scalar(sa.select(OutboundEmail.key).where(OutboundEmail.kind == "question_invite"))
    assert len(key) <= 120 and key.startswith(f"question_invite:{question.id}:#")
