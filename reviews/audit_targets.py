"""The audit log's names for what reviews, questions and the inbox record
(`storefront.audit.targets`), and its words for their codes: a review "withheld" for "spam"."""
from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from storefront.audit.targets import Named, excerpt, int_ids, names
from storefront.audit.words import value_words
from storefront.extensions import db
from storefront.backoffice.locale_names import language_name

from .inbox_forms import KIND_NAMES, REVIEW_STATUS_NAMES, WITHHOLD_REASON_NAMES
from .models import Answer, CannedReply, InboxItem, Question, Reply, Review

value_words("review.", "from", REVIEW_STATUS_NAMES)
value_words("review.", "to", REVIEW_STATUS_NAMES)
value_words("review.", "reason", WITHHOLD_REASON_NAMES)
value_words("question.", "reason", WITHHOLD_REASON_NAMES)


@names("review")
def _reviews(ids: list[str]) -> dict[str, Named]:
    rows = db.session.execute(sa.select(Review.id, Review.author_name, Review.rating).where(Review.id.in_(int_ids(ids))))
    return {str(review_id): Named(f"{author}, {rating} ★",
                                  url_for("inbox.review", review_id=review_id)) for review_id, author, rating in rows}


@names("question")
def _questions(ids: list[str]) -> dict[str, Named]:
    rows = db.session.execute(sa.select(Question.id, Question.body, sa.func.min(InboxItem.id))
                              .outerjoin(InboxItem, InboxItem.question_id == Question.id)
                              .where(Question.id.in_(int_ids(ids))).group_by(Question.id, Question.body))
    return {str(question_id): Named(excerpt(body), url_for("inbox.item", item_id=item_id) if item_id else None)
            for question_id, body, item_id in rows}


@names("reply")
def _replies(ids: list[str]) -> dict[str, Named]:
    rows = db.session.execute(sa.select(Reply.id, Reply.body).where(Reply.id.in_(int_ids(ids))))
    return {str(reply_id): Named(excerpt(body)) for reply_id, body in rows}


@names("answer")
def _answers(ids: list[str]) -> dict[str, Named]:
    rows = db.session.execute(sa.select(Answer.id, Answer.body).where(Answer.id.in_(int_ids(ids))))
    return {str(answer_id): Named(excerpt(body)) for answer_id, body in rows}


@names("inbox_item")
def _inbox_items(ids: list[str]) -> dict[str, Named]:
    rows = db.session.execute(sa.select(InboxItem.id, InboxItem.kind).where(InboxItem.id.in_(int_ids(ids))))
    return {str(item_id): Named(str(KIND_NAMES.get(kind, kind)), url_for("inbox.item", item_id=item_id))
            for item_id, kind in rows}


@names("canned_reply")
def _canned_replies(ids: list[str]) -> dict[str, Named]:
    rows = db.session.execute(sa.select(CannedReply.id, CannedReply.title, CannedReply.language)
                              .where(CannedReply.id.in_(int_ids(ids))))
    return {str(canned_id): Named(_("%(title)s (%(language)s)", title=title, language=language_name(language)),
                                  url_for("inbox.canned_edit", canned_id=canned_id)) for canned_id, title, language in rows}
