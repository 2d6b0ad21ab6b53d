"""What puts items in the staff inbox, and what stops their clocks from outside the inbox.

Receivers of `reviews.signals`, run inside the transaction of the change (they only write rows):

- a review written with a rating at or below INBOX_NEGATIVE_MAX_RATING → a negative_review item
  (once per review); the review itself is published or held exactly as it would be without the
  inbox;
- a review whose reviewer changes its rating (an edit before our reply, or the update after it):
  lowered to a negative rating, it is a negative review owed a reply from the change (a new item,
  or the one closed when it was raised, reopened with its clock started then); raised above it,
  its item still waiting closes (reason rating_raised), while an item already answered keeps its
  response and its place in the figures: it was negative when it came, and was answered;
- a review reported by a shopper → a reported_review item (once per review, however many reports);
- a question asked → a question item;
- a question answered by staff (the brand) → the question's clock stops (a public reply); a buyer's
  answer does not stop it, support still owes the asker the brand's word;
- a review or question withheld by staff → its items still waiting close without a response
  (reason "withheld": spam needs no answer); items already answered keep their response;
- a withheld review published again → its items closed as withheld reopen, with their original
  deadline, if none was ever answered (`inbox.reopen_items`).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from storefront.extensions import db

from . import inbox, inbox_mail, signals
from .models import ClosedReason, InboxKind, Review


def _is_negative(review) -> bool:
    return _negative(review.rating)


def _negative(rating: int) -> bool:
    return rating <= current_app.config["INBOX_NEGATIVE_MAX_RATING"]


def on_review_submitted(review, *, now, **_):
    if _is_negative(review):
        inbox.open_item(InboxKind.NEGATIVE_REVIEW, review_id=review.id, now=now)


def on_review_rerated(review, *, now, previous_rating=None, **_):
    """An edit or the update after our reply: the inbox follows the rating that counts now."""
    if _is_negative(review):
        if inbox.open_item(InboxKind.NEGATIVE_REVIEW, review_id=review.id, now=now) is None:
            inbox.reopen_items(now=now, reason=ClosedReason.RATING_RAISED, actor_id=None, review_id=review.id,
                               kind=InboxKind.NEGATIVE_REVIEW, restart_clock=True)
    else:
        inbox.close_items(now=now, reason=ClosedReason.RATING_RAISED, actor_id=None, review_id=review.id,
                          kind=InboxKind.NEGATIVE_REVIEW)


def on_review_reported(review, *, now, **_):
    inbox.open_item(InboxKind.REPORTED_REVIEW, review_id=review.id, now=now)


def on_question_asked(question, *, now, **_):
    inbox.open_item(InboxKind.QUESTION, question_id=question.id, now=now)


def on_question_answered(answer, *, now, actor=None, **_):
    """The brand's answer is the first response and stops the clock. A buyer's answer means the
    question is no longer one "nobody answers": its item leaves the queue, closed without counting
    as the brand's response (so it is neither a reply time nor a breach in the weekly figures)."""
    if actor is not None:
        inbox.record_response(now=now, response_kind=inbox.ResponseKind.PUBLIC_REPLY, actor_id=actor.id,
                              question_id=answer.question_id)
    else:
        inbox.close_items(now=now, reason=ClosedReason.ANSWERED_BY_BUYER, actor_id=None,
                          question_id=answer.question_id)


def _actor_id(actor) -> int | None:
    return actor.id if actor is not None else None


def on_review_withheld(subject, *, now, actor=None, **_):
    inbox.close_items(now=now, reason=ClosedReason.WITHHELD, actor_id=_actor_id(actor), review_id=subject.review_id)


def on_review_published(subject, *, now, actor=None, **_):
    # From withheld, or from waiting after a withheld review was edited (it waits again, its items
    # still closed): either way the items closed as withheld reopen if never answered.
    inbox.reopen_items(now=now, reason=ClosedReason.WITHHELD, actor_id=_actor_id(actor), review_id=subject.review_id)
    # Its reviewer may have raised it while it was withheld: then no reply is owed to it now. (The
    # inbox reads the rating here, after the decision: moderation itself never sees it.)
    rating = db.session.scalar(sa.select(Review.rating).where(Review.id == subject.review_id))
    if rating is not None and not _negative(rating):
        inbox.close_items(now=now, reason=ClosedReason.RATING_RAISED, actor_id=None, review_id=subject.review_id,
                          kind=InboxKind.NEGATIVE_REVIEW)


def on_question_withheld(question, *, now, actor=None, **_):
    inbox.close_items(now=now, reason=ClosedReason.WITHHELD, actor_id=_actor_id(actor), question_id=question.id)


def connect() -> None:
    """Connect this part's signal receivers and register its mail renderers (idempotent)."""
    signals.review_submitted.connect(on_review_submitted)
    signals.review_edited.connect(on_review_rerated)
    signals.review_updated.connect(on_review_rerated)
    signals.review_reported.connect(on_review_reported)
    signals.question_asked.connect(on_question_asked)
    signals.question_answered.connect(on_question_answered)
    signals.review_withheld.connect(on_review_withheld)
    signals.review_published.connect(on_review_published)
    signals.question_withheld.connect(on_question_withheld)
    inbox_mail.register_renderers()
