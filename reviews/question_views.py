"""Shoppers' pages for questions: a product's answered questions and the form to ask, the answer
page behind an invitation link, and "helpful" on an answer.

The questions page is public and cacheable: its GET writes nothing, sets no cookie and holds
nothing per visitor (its forms' CSRF token is filled in at submit by `deferred-csrf.js`). What a
POST answers (a thank-you, a refused form with the shopper's words) and the answer page (its
link is a secret) are per visitor: never stored by shared caches, never leaked by Referer.
Limits count real attempts only: a question that was asked (or a bot's honeypot post), a vote
that reached an answer; a form sent back for correction costs nothing.
"""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale

from storefront.catalog import browse
from storefront.catalog.pages import parse_page
from storefront.database import utcnow
from storefront.errors import ShopError, wants_json

from . import questions
from .question_forms import AnswerForm, AskQuestionForm
from .question_limits import count_attempt, question_post_limit, vote_limit

bp = Blueprint("question_pages", __name__)

# A per-visitor answer: out of shared caches, and a secret link out of Referer headers.
PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}
MAX_ID = 2**31 - 1
TOKEN = "<string(maxlength=64):token>"
VOTER_SESSION_KEY = "voter_key"


def attach_error(form, error: ShopError) -> bool:
    """Show a domain refusal on its field; False when the form has no such field."""
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        return False
    field.errors = [*field.errors, error.message]
    return True


def _questions_page(product, *, ask_form, error=None, status: int = 200, headers=None):
    g.page_endpoint = ("question_pages.product_questions", {"slug": product.slug})
    listing = questions.product_questions(product.id, str(get_locale()), search=request.args.get("q"),
                                          page=parse_page(request.args.get("page")))
    return render_template("reviews/questions.html", product=product, questions=listing, ask_form=ask_form,
                           error=error), status, headers or {}


@bp.get("/p/<slug>/questions")
def product_questions(slug: str):
    """The product's answered questions (searchable, paged) and the form to ask one."""
    product = browse.get_product(slug)
    return _questions_page(product, ask_form=None)


@bp.post("/p/<slug>/questions")
@question_post_limit
def ask(slug: str):
    product = browse.get_product(slug)
    form = AskQuestionForm()
    if form.is_bot():
        count_attempt()
        return render_template("reviews/question_asked.html", product=product), 200, PRIVATE
    if not form.validate():
        return _questions_page(product, ask_form=form, status=400, headers=PRIVATE)
    try:
        questions.ask_question(product.id, author_name=form.author_name.data, email=form.email.data,
                               body=form.body.data, language=form.language.data, now=utcnow())
    except questions.InvalidQuestion as error:
        shown = attach_error(form, error)
        return _questions_page(product, ask_form=form, error=None if shown else error, status=error.status,
                               headers=PRIVATE)
    count_attempt()
    return render_template("reviews/question_asked.html", product=product), 200, PRIVATE


@bp.route(f"/questions/answer/{TOKEN}", methods=["GET", "POST"])
def answer(token: str):
    """The answer form behind a buyer's invitation link; one answer per link."""
    try:
        opened = questions.open_invitation(token, now=utcnow())
    except (questions.InvitationNotFound, questions.InvitationExpired, questions.AlreadyAnswered,
            questions.QuestionClosed) as error:
        return render_template("reviews/question_link.html", problem=error), error.status, PRIVATE
    if request.method == "GET":
        form = AnswerForm(formdata=None, data={"author_name": opened.suggested_name,
                                                "language": opened.invitation.locale})
        return render_template("reviews/question_answer.html", opened=opened, form=form), 200, PRIVATE
    form = AnswerForm()
    if form.is_bot():
        return render_template("reviews/question_answered.html", product=opened.product), 200, PRIVATE
    if not form.validate():
        return render_template("reviews/question_answer.html", opened=opened, form=form), 400, PRIVATE
    try:
        questions.answer_from_invitation(token, author_name=form.author_name.data, body=form.body.data,
                                         language=form.language.data, now=utcnow())
    except questions.InvalidAnswer as error:
        shown = attach_error(form, error)
        return render_template("reviews/question_answer.html", opened=opened, form=form,
                               error=None if shown else error), error.status, PRIVATE
    except (questions.InvitationExpired, questions.AlreadyAnswered, questions.QuestionClosed) as error:
        return render_template("reviews/question_link.html", problem=error), error.status, PRIVATE
    return render_template("reviews/question_answered.html", product=opened.product), 200, PRIVATE


def _voter_key() -> str:
    """The voter's key, kept in their session from their first vote (a vote is a POST, so the
    cookie it sets is no anonymous GET's)."""
    if not session.get(VOTER_SESSION_KEY):
        session[VOTER_SESSION_KEY] = secrets.token_urlsafe(24)
    return session[VOTER_SESSION_KEY]


def _same_site_path(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not urlsplit(target).netloc:
        return target
    return None


@bp.post(f"/answers/<int(max={MAX_ID}):answer_id>/helpful")
@vote_limit
def vote(answer_id: int):
    """"Helpful" on an answer: JSON for a script (Accept: application/json), otherwise back to
    the page the form was on."""
    result = questions.vote_answer(answer_id, _voter_key(), utcnow())
    count_attempt()
    if wants_json():
        return {"answer_id": result.answer_id, "helpful_count": result.helpful_count, "counted": result.counted}
    back = _same_site_path(request.form.get("next")) or url_for("catalog.home")
    return redirect(f"{back.split('#')[0]}#answer-{answer_id}", 303)
