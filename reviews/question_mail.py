"""The questions' mail: the invitation to answer (in the buyer's order language, with the answer
link and the unsubscribe link) and "your question has an answer" (in the question's language).
Rendered by the mail worker in the mail's locale; `questions.connect` registers them."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.mail.service import Rendered, public_url

from . import requests
from .models import Answer, Question, QuestionInvitation


def render_invitation(email: OutboundEmail) -> Rendered:
    """The invitation to answer, in the buyer's language, with the answer link and unsubscribe."""
    invitation = db.session.get(QuestionInvitation, email.ref_id)
    question = db.session.get(Question, invitation.question_id)
    product = db.session.get(Product, question.product_id)
    context = {"question": question, "product": product, "invitation": invitation,
               "answer_url": public_url("question_pages.answer", token=invitation.token, lang=invitation.locale),
               "unsubscribe_url": requests.unsubscribe_url(invitation.email, lang=invitation.locale)}
    return Rendered(subject=_("A shopper has a question about %(product)s", product=product.title),
                    text=render_template("mail/reviews/question_invite.txt", **context),
                    html=render_template("mail/reviews/question_invite.html", **context))


def render_answered(email: OutboundEmail) -> Rendered:
    """"Your question has an answer", in the question's language, with a link to it."""
    answer = db.session.get(Answer, email.ref_id)
    question = db.session.get(Question, answer.question_id)
    product = db.session.get(Product, question.product_id)
    context = {"question": question, "answer": answer, "product": product,
               "question_url": public_url("question_pages.product_questions", slug=product.slug,
                                          lang=question.language) + f"#question-{question.id}"}
    return Rendered(subject=_("Your question about %(product)s has an answer", product=product.title),
                    text=render_template("mail/reviews/question_answered.txt", **context),
                    html=render_template("mail/reviews/question_answered.html", **context))
