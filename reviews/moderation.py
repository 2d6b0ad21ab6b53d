"""Moderation that cannot censor: what status a review takes, and staff withholding or publishing it.

The rules here never see a review's rating. A decision is made from a `ModerationSubject` (the
review's id, product and status, loaded by a SELECT that names only those columns) and the shop's
settings; only after the decision is taken does `stats.follow_status` read the rating, to move the
product's figures. So no setting, bug or future "conditional autopublish" can make the outcome
depend on the stars (FTC 16 CFR 465.7; the tests hold every path to it).

Staff may withhold a review only with one of `WithholdReason`, and publish a waiting or withheld
one; they can never change what a shopper wrote (there is no such function, here or anywhere).
Each action is one write transaction with its audit entry, and the figures move in it; it sends
`signals.review_withheld` or `signals.review_published` there (the inbox follows).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from storefront.accounts.models import Permission
from storefront.audit.service import record
from storefront.database import write_transaction
from storefront.errors import ConflictError, NotFoundError, ShopError
from storefront.extensions import db

from . import signals, stats
from .models import Review, ReviewStatus, WithholdReason


class ReviewNotFound(NotFoundError):
    code = "review_not_found"
    default_message = _l("We could not find that review.")


class ModerationRefused(ConflictError):
    code = "moderation_refused"
    default_message = _l("The review is already in that state.")


class InvalidWithholdReason(ShopError):
    code = "invalid_withhold_reason"
    default_message = _l("Please choose a reason from the list: abuse, spam, off-topic, personal data or "
                         "conflict of interest.")


class ModerationNotAllowed(ShopError):
    code = "forbidden"
    status = 403
    default_message = _l("You do not have permission to moderate reviews.")


class Action(StrEnum):
    WITHHOLD = "withhold"
    PUBLISH = "publish"


@dataclass(frozen=True)
class ModerationSubject:
    """Everything a moderation decision may know about a review. The rating is deliberately not
    here (nor the text: the reason is staff's judgement, recorded, not computed)."""

    review_id: int
    product_id: int
    status: ReviewStatus


# --- the decisions: pure functions of status and settings ----------------------------------------

def status_for_new_review() -> ReviewStatus:
    """Every new review publishes at once, or every one waits for a look (REVIEWS_HOLD_ALL) —
    all alike, whatever they say or rate."""
    return ReviewStatus.PENDING if current_app.config["REVIEWS_HOLD_ALL"] else ReviewStatus.PUBLISHED


def status_after_edit(current: ReviewStatus) -> ReviewStatus:
    """A reviewer's edit is moderated again. A withheld review goes back to waiting for a fresh
    look, never straight to the page: a withheld text cannot be resubmitted past the moderator
    (WooCommerce #66897). Otherwise the edit is treated as a new review would be."""
    if current == ReviewStatus.WITHHELD:
        return ReviewStatus.PENDING
    if current == ReviewStatus.PENDING:
        return ReviewStatus.PENDING
    return status_for_new_review()


def decide(subject: ModerationSubject, action: Action) -> ReviewStatus:
    """The status a staff action leads to. :raise ModerationRefused: (409) when it changes nothing."""
    if action == Action.WITHHOLD and subject.status in (ReviewStatus.PUBLISHED, ReviewStatus.PENDING):
        return ReviewStatus.WITHHELD
    if action == Action.PUBLISH and subject.status in (ReviewStatus.PENDING, ReviewStatus.WITHHELD):
        return ReviewStatus.PUBLISHED
    if action == Action.WITHHOLD:
        raise ModerationRefused(_l("This review is already withheld."))
    raise ModerationRefused(_l("This review is already published."))


# --- the staff actions ---------------------------------------------------------------------------

def load_subject(review_id: int) -> ModerationSubject:
    """The review as moderation sees it, its row locked until the transaction ends (an edit or a
    follow-up cannot slip in between the decision and the figures). :raise ReviewNotFound:"""
    row = db.session.execute(
        sa.select(Review.id, Review.product_id, Review.status).where(Review.id == review_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise ReviewNotFound()
    return ModerationSubject(review_id=row.id, product_id=row.product_id, status=ReviewStatus(row.status))


def _check_actor(actor) -> None:
    # The route checks the permission too; the service re-checks (None is the system: the CLI, the demo).
    if actor is not None and not actor.can(Permission.ANSWER_CUSTOMERS):
        raise ModerationNotAllowed()


def _apply(subject: ModerationSubject, new_status: ReviewStatus, reason: WithholdReason | None,
           now: dt.datetime) -> None:
    values = {"status": new_status, "withheld_reason": reason.value if reason else None, "moderated_at": now}
    if new_status == ReviewStatus.PUBLISHED:
        values["published_at"] = sa.func.coalesce(Review.published_at, sa.literal(now, Review.published_at.type))
    # Conditional on the status the decision saw: with the row locked it always matches; the
    # condition keeps it true even if a caller forgot the lock.
    result = db.session.execute(
        sa.update(Review).where(Review.id == subject.review_id, Review.status == subject.status)
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ModerationRefused(_l("The review changed meanwhile. Please reload and try again."))


def _moderate(review_id: int, action: Action, reason: WithholdReason | None, *, actor,
              now: dt.datetime) -> ReviewStatus:
    _check_actor(actor)
    with write_transaction():
        subject = load_subject(review_id)
        new_status = decide(subject, action)
        _apply(subject, new_status, reason, now)
        # Only now, with the decision taken, are the rating and fit read to move the figures.
        stats.follow_status(subject.review_id, subject.product_id, subject.status, new_status)
        details = {"from": subject.status.value, "to": new_status.value}
        if reason is not None:
            details["reason"] = reason.value
        record(actor, f"review.{action.value}", "review", subject.review_id, product_id=subject.product_id,
               **details)
        # The area follows (the inbox closes or reopens its items), in this transaction; the
        # signal carries the subject, so the rating stays out of moderation's hands.
        if new_status == ReviewStatus.WITHHELD:
            signals.review_withheld.send(subject, reason=reason, actor=actor, now=now)
        else:
            signals.review_published.send(subject, actor=actor, now=now)
    return new_status


def withhold(review_id: int, reason: WithholdReason | str, *, actor, now: dt.datetime) -> ReviewStatus:
    """Take a published or waiting review off the page for one of the fixed reasons.

    :raise InvalidWithholdReason: for any other reason. :raise ReviewNotFound:
    :raise ModerationRefused: (409) when it is already withheld. :raise ModerationNotAllowed: (403)
    """
    try:
        reason = WithholdReason(reason)
    except ValueError:
        raise InvalidWithholdReason(field="reason") from None
    return _moderate(review_id, Action.WITHHOLD, reason, actor=actor, now=now)


def publish(review_id: int, *, actor, now: dt.datetime) -> ReviewStatus:
    """Publish a review that waits for a look or was withheld.

    :raise ReviewNotFound: :raise ModerationRefused: (409) when it is already published.
    :raise ModerationNotAllowed: (403)
    """
    return _moderate(review_id, Action.PUBLISH, None, actor=actor, now=now)
