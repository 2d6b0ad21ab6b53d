"""`/api/v1/questions`: a product's answered questions, asking one, a buyer's answer with the
invitation token from their e-mail, and "helpful" votes on answers.

The same rules as the pages (`reviews.questions`), the same limits (`question_limits`' shared
budgets) and the API's one error body `{"error": {"code", "message", "field"}}`. No cookie is
involved, hence no CSRF token: an answer is authorised by its invitation token, a vote counts
once per `voter_key` (an opaque id the client keeps for its shopper).
"""
from __future__ import annotations

import hashlib

from flask import url_for
from flask.views import MethodView
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, pre_dump, validate

from storefront.api_errors import error_responses
from storefront.catalog import browse
from storefront.database import utcnow
from storefront.text_input import Text

from . import questions
from .question_limits import count_attempt, question_post_limit, vote_limit

blp = Blueprint("questions", __name__, description="Questions about products and their answers.")

MAX_ID = 2**31 - 1
MAX_PER_PAGE = 50
WHOLE_NUMBER = _l("Please enter a whole number.")
ERRORS = {
    400: "A field is empty, too long or not valid (`invalid_question`, `invalid_answer`, "
         "`invalid_vote`); `field` names it.",
    404: "No such product (`product_not_found`), answer (`answer_not_found`) or answer link "
         "(`invitation_not_found`).",
    409: "The answer link was used already (`already_answered`) or the question was withdrawn "
         "(`question_closed`).",
    410: "The answer link has expired (`invitation_expired`).",
    422: "A field or query parameter is missing or has the wrong type; `field` names it.",
    429: "Too many attempts from this client (`rate_limited`); wait and try again.",
}


def errors(*statuses: int):
    return error_responses(blp, *statuses, descriptions=ERRORS)


# --- shapes ----------------------------------------------------------------------------------------

class QuestionListArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    product_id = fields.Integer(required=True, strict=False, error_messages={"invalid": WHOLE_NUMBER},
                                validate=validate.Range(min=1, max=MAX_ID),
                                metadata={"description": "The product whose questions to list."})
    q = Text(validate=validate.Length(max=questions.SEARCH_MAX), metadata={
        "description": "Words to find in a question or its answers (any case; % and _ are literal)."})
    language = Text(validate=validate.Length(max=5), metadata={
        "description": "Questions in this language come first (default: the request's language)."})
    page = fields.Integer(load_default=1, error_messages={"invalid": WHOLE_NUMBER},
                          validate=validate.Range(min=1, max=questions.MAX_PAGE))
    per_page = fields.Integer(load_default=questions.PAGE_SIZE, error_messages={"invalid": WHOLE_NUMBER},
                              validate=validate.Range(min=1, max=MAX_PER_PAGE))


class AnswerSchema(Schema):
    id = fields.Integer()
    body = fields.String()
    author_name = fields.String()
    language = fields.String()
    by_brand = fields.Boolean(metadata={"description": "The brand's official answer (else a buyer's)."})
    label = fields.Function(
        lambda answer: str(_l("Official answer") if answer.by_brand else _l("Bought this item")),
        metadata={"description": "How the page labels it, in the request's language."})
    helpful_count = fields.Integer()
    created_at = fields.DateTime()


class QuestionSchema(Schema):
    """A question with its answers, the brand's first and then the most helpful."""

    id = fields.Integer(attribute="question.id")
    product_id = fields.Integer(attribute="question.product_id")
    body = fields.String(attribute="question.body")
    author_name = fields.String(attribute="question.author_name")
    language = fields.String(attribute="question.language")
    created_at = fields.DateTime(attribute="question.created_at")
    answers = fields.List(fields.Nested(AnswerSchema))


class QuestionPaginationSchema(Schema):
    total = fields.Integer(metadata={"description": "Answered questions matching the query."})
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer(metadata={"description": "Number of pages (at least 1)."})


class QuestionPageSchema(Schema):
    """One page of answered questions: dumps a `questions.QuestionPage`."""

    items = fields.List(fields.Nested(QuestionSchema))
    pagination = fields.Nested(QuestionPaginationSchema)
    search = fields.String(metadata={"description": "The search words used, trimmed."})

    @pre_dump
    def split_page(self, page: questions.QuestionPage, **kwargs) -> dict:
        return {"items": page.items, "pagination": page, "search": page.search}


class NewQuestionSchema(Schema):
    product_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    author_name = Text(required=True, metadata={"description": "Shown with the question."})
    email = Text(required=True, metadata={
        "description": "Never shown; told when the question has an answer."})
    body = Text(required=True, multiline=True, metadata={
        "description": f"At most {questions.QUESTION_MAX} characters."})
    language = Text(load_default=None, metadata={
        "description": "Language of the question (en, es, lv; default: the request's language)."})


class NewAnswerSchema(Schema):
    token = Text(required=True, validate=validate.Length(max=64), metadata={
        "description": "The invitation token from the buyer's e-mail link."})
    author_name = Text(required=True)
    body = Text(required=True, multiline=True, metadata={"description": f"At most {questions.ANSWER_MAX} characters."})
    language = Text(load_default=None)


class AnswerVoteSchema(Schema):
    voter_key = Text(required=True, validate=validate.Length(min=8, max=200), metadata={
        "description": "An opaque id the client keeps for its shopper (e.g. random, in local storage)."})


class AnswerVoteResultSchema(Schema):
    answer_id = fields.Integer()
    helpful_count = fields.Integer()
    counted = fields.Boolean(metadata={"description": "False when this voter had already voted."})


# --- resources -------------------------------------------------------------------------------------

def _language(requested: str | None) -> str:
    return requested or str(get_locale())


@blp.route("")
class Questions(MethodView):
    @blp.arguments(QuestionListArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, QuestionPageSchema)
    @errors(404, 422)
    def get(self, product_id: int, page: int, per_page: int, q: str | None = None, language: str | None = None):
        """List a product's answered questions, searchable, the given language first.

        404 `product_not_found` for an unknown product.
        """
        product = browse.get_product_by_id(product_id)
        return questions.product_questions(product.id, _language(language), search=q, page=page,
                                           per_page=per_page)

    @blp.arguments(NewQuestionSchema)
    @blp.response(201, QuestionSchema, description="The question; it is shown once it has an answer.")
    @errors(400, 404, 422, 429)
    @question_post_limit
    def post(self, body: dict):
        """Ask a question about a product; its recent buyers are invited to answer.

        400 `invalid_question` (with `field`), 404 `product_not_found`, 429 `rate_limited`.
        """
        question = questions.ask_question(body["product_id"], author_name=body["author_name"], email=body["email"],
                                          body=body["body"], language=_language(body["language"]), now=utcnow())
        count_attempt()
        return questions.ShownQuestion(question, []), 201, {
            "Location": url_for("questions.Questions", product_id=question.product_id)}


@blp.route("/answers")
class Answers(MethodView):
    @blp.arguments(NewAnswerSchema)
    @blp.response(201, AnswerSchema, description="The buyer's answer, shown with the question.")
    @errors(400, 404, 409, 410, 422)
    def post(self, body: dict):
        """Answer a question with the invitation token from a buyer's e-mail (once per token).

        400 `invalid_answer`, 404 `invitation_not_found`, 409 `already_answered` /
        `question_closed`, 410 `invitation_expired`.
        """
        return questions.answer_from_invitation(body["token"], author_name=body["author_name"], body=body["body"],
                                                language=_language(body["language"]), now=utcnow()), 201


@blp.route(f"/answers/<int(max={MAX_ID}):answer_id>/helpful")
class AnswerHelpful(MethodView):
    @blp.arguments(AnswerVoteSchema)
    @blp.response(200, AnswerVoteResultSchema)
    @errors(400, 404, 422, 429)
    @vote_limit
    def post(self, body: dict, answer_id: int):
        """Vote an answer helpful: once per voter; a repeat answers `counted: false`.

        404 `answer_not_found`, 429 `rate_limited`.
        """
        # Hashed with a prefix, so an API voter's key can never be a page visitor's session key.
        voter = hashlib.sha256(f"api:{body['voter_key']}".encode()).hexdigest()
        result = questions.vote_answer(answer_id, voter, utcnow())
        count_attempt()
        return result
