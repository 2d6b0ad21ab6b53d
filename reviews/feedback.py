"""Shoppers' feedback on reviews: "helpful" votes and reports.

One vote per shopper per review and one report per shopper per review, held by the database's
unique (review, key) rows; the review's `helpful_count` / `report_count` move by a relative UPDATE
in the same transaction as the row, so twenty clicks at once count once and two shoppers at once
both count. A repeated vote or report is a no-op success (`counted=False`): a double click, or a
second tab, is not the shopper's mistake. The key is a random id the shopper's session keeps (or,
through the API, the client's own); it identifies a browser, never a person.

A report never hides a review: it sends it to the staff inbox (`signals.review_reported`).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from storefront.database import write_transaction
from storefront.errors import ShopError
from storefront.extensions import db

from . import signals
from .moderation import ReviewNotFound
from .models import Review, ReviewReport, ReviewStatus, ReviewVote

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
REASON_MAX = 500


class InvalidFeedback(ShopError):
    code = "invalid_feedback"
    default_message = _l("Please check what you sent.")


@dataclass(frozen=True)
class Outcome:
    """What a vote or report did: `counted` is False when this shopper had already sent one."""

    review_id: int
    product_id: int
    counted: bool
    helpful_count: int


def check_key(key: str | None, *, field_name: str = "voter") -> str:
    """:raise InvalidFeedback: unless the key is 8–64 URL-safe characters."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise InvalidFeedback(_l("The voter id must be 8 to 64 letters, digits, '-' or '_'."), field=field_name)
    return key


def _published(review_id: int):
    row = db.session.execute(sa.select(Review.id, Review.product_id).where(
        Review.id == review_id, Review.status == ReviewStatus.PUBLISHED)).one_or_none()
    if row is None:
        raise ReviewNotFound()
    return row


def _insert_once(row) -> bool:
    """Insert the vote or report under a savepoint; False when this key already sent one (the
    unique row decides, also against a concurrent twin)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except sa.exc.IntegrityError:
        return False
    return True


def _bump(review_id: int, column) -> None:
    db.session.execute(sa.update(Review).where(Review.id == review_id).values({column: column + 1})
                       .execution_options(synchronize_session=False))


def _helpful_count(review_id: int) -> int:
    return db.session.scalar(sa.select(Review.helpful_count).where(Review.id == review_id))


def vote_helpful(review_id: int, voter_key: str, now: dt.datetime) -> Outcome:
    """Count the shopper's "helpful" vote on a published review, once.

    :raise InvalidFeedback: for a malformed key. :raise ReviewNotFound: unless the review is published.
    """
    voter_key = check_key(voter_key)
    with write_transaction():
        review = _published(review_id)
        counted = _insert_once(ReviewVote(review_id=review.id, voter_key=voter_key, created_at=now))
        if counted:
            _bump(review.id, Review.helpful_count)
        helpful = _helpful_count(review.id)
    return Outcome(review.id, review.product_id, counted, helpful)


def report_review(review_id: int, reporter_key: str, reason: str, now: dt.datetime) -> Outcome:
    """Record the shopper's report of a published review, once; the review goes to the inbox and
    stays on the page.

    :raise InvalidFeedback: for a malformed key or a reason over 500 characters.
    :raise ReviewNotFound: unless the review is published.
    """
    reporter_key = check_key(reporter_key, field_name="reporter")
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise InvalidFeedback(_l("The reason can be at most %(n)d characters.", n=REASON_MAX), field="reason")
    with write_transaction():
        row = _published(review_id)
        report = ReviewReport(review_id=row.id, reporter_key=reporter_key, reason=reason, created_at=now)
        counted = _insert_once(report)
        if counted:
            _bump(row.id, Review.report_count)
            signals.review_reported.send(db.session.get(Review, row.id), report=report, now=now)
        helpful = _helpful_count(row.id)
    return Outcome(row.id, row.product_id, counted, helpful)
