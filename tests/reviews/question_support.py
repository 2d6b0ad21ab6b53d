"""What the question tests share: buyers of a product, a question asked and answered through the
use cases, and the mails the questions part queued, read fresh."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from reviews import questions
from reviews.models import Answer, Question, QuestionInvitation
from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.mail.service import render
from tests.factories import make_product
from tests.reviews.factories import NOW, make_delivered_order, staff_member

UTC = dt.timezone.utc
ASKED_AT = NOW + dt.timedelta(days=30)
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def stocked_product(title: str = "Dzintars pullover", **fields) -> Product:
    return make_product(title=title, variants=[{"stock": 500, "price": 8900}], **fields)


def buyer(product: Product, email: str, *, days: float = 0, locale: str = "en", **details):
    """A delivered order of the product by `email`, placed `days` after NOW."""
    return make_delivered_order(product.variants[0], now=NOW + dt.timedelta(days=days), email=email,
                                locale=locale, **details)


def ask(product: Product, *, now: dt.datetime = ASKED_AT, **fields) -> Question:
    values = dict({"author_name": "Līga", "email": "liga@example.com", "body": "Does it shrink in the wash?",
                   "language": "en"}, **fields)
    return questions.ask_question(product.id, now=now, **values)


def invitations(question_id: int) -> list[QuestionInvitation]:
    db.session.commit()
    return list(db.session.scalars(sa.select(QuestionInvitation).where(QuestionInvitation.question_id == question_id)
                                   .order_by(QuestionInvitation.id)))


def mails(kind: str) -> list[OutboundEmail]:
    db.session.commit()  # end the test's snapshot: other sessions wrote
    return list(db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.kind == kind)
                                   .order_by(OutboundEmail.id)))


def rendered(mail: OutboundEmail) -> tuple[str, str, str]:
    """The mail's subject, plain text and HTML, as the worker renders them."""
    message = render(mail)
    return (message["Subject"], message.get_body(("plain",)).get_content(),
            message.get_body(("html",)).get_content())


def answered(product: Product, *, answer_body: str = "No, wash it cold and it keeps its size.",
             now: dt.datetime = ASKED_AT + dt.timedelta(hours=1), **ask_fields) -> tuple[Question, Answer]:
    """A question with a buyer's answer (the buyer is made here if the product has none)."""
    question = ask(product, now=now - dt.timedelta(minutes=30), **ask_fields)
    invited = invitations(question.id)
    if not invited:
        raise AssertionError("the product has no buyer to answer")
    answer = questions.answer_from_invitation(invited[0].token, author_name="Anna K.", body=answer_body,
                                              language="en", now=now)
    return question, answer


def brand_answer(question: Question, body: str = "We wash ours at 30 °C.", *, now=None) -> Answer:
    return questions.answer_as_brand(question.id, body, actor=staff_member("support@example.com", role="support"),
                                     now=now or ASKED_AT + dt.timedelta(hours=2))


def fresh_question(question_id: int) -> Question:
    db.session.commit()
    return db.session.get(Question, question_id)
