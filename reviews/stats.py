"""A product's summed review figures (`ReviewStats`), kept exact in the transaction of each change.

Every change that makes a review count or stop counting (published, withheld, held, re-rated, its
fit changed) calls `move(product_id, before, after)` with what the review counted as before and
after; the figures move by relative UPDATEs (`rated_5 = rated_5 + 1`), so two concurrent reviews
both count. Moderation calls `follow_status` instead, which reads the rating itself after the
decision (the moderation rules never see it). `recount` rebuilds them from the rows (the CLI's repair, and the tests' proof).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from storefront.database import conflict_insert
from storefront.extensions import db

from .models import Review, ReviewStats, ReviewStatus

FIT_COLUMNS = {"small": "fit_small", "true": "fit_true", "large": "fit_large"}


@dataclass(frozen=True)
class Counted:
    """What one review adds to its product's figures: nothing unless published."""

    rating: int
    fit: str | None

    @classmethod
    def of(cls, review: Review) -> Counted | None:
        if review.status != ReviewStatus.PUBLISHED:
            return None
        return cls(review.rating, review.fit)


def _ensure_row(product_id: int) -> None:
    db.session.execute(conflict_insert(ReviewStats).values(product_id=product_id).on_conflict_do_nothing())


def move(product_id: int, before: Counted | None, after: Counted | None) -> None:
    """Take `before` out of the product's figures and put `after` in, in one UPDATE."""
    if before == after:
        return
    deltas: dict[str, int] = {}

    def add(counted: Counted, sign: int) -> None:
        deltas["review_count"] = deltas.get("review_count", 0) + sign
        deltas["rating_sum"] = deltas.get("rating_sum", 0) + sign * counted.rating
        column = f"rated_{counted.rating}"
        deltas[column] = deltas.get(column, 0) + sign
        if counted.fit in FIT_COLUMNS:
            deltas[FIT_COLUMNS[counted.fit]] = deltas.get(FIT_COLUMNS[counted.fit], 0) + sign

    if before is not None:
        add(before, -1)
    if after is not None:
        add(after, +1)
    changes = {name: getattr(ReviewStats, name) + delta for name, delta in deltas.items() if delta}
    if not changes:
        return
    _ensure_row(product_id)
    db.session.execute(sa.update(ReviewStats).where(ReviewStats.product_id == product_id).values(**changes)
                       .execution_options(synchronize_session=False))


def recount(product_id: int) -> None:
    """Rebuild the product's figures from its published reviews (inside the caller's write)."""
    published = sa.and_(Review.product_id == product_id, Review.status == ReviewStatus.PUBLISHED)
    row = db.session.execute(sa.select(
        sa.func.count(Review.id), sa.func.coalesce(sa.func.sum(Review.rating), 0),
        *[sa.func.count(Review.id).filter(Review.rating == n) for n in range(1, 6)],
        *[sa.func.count(Review.id).filter(Review.fit == fit) for fit in FIT_COLUMNS],
    ).where(published)).one()
    _ensure_row(product_id)
    db.session.execute(sa.update(ReviewStats).where(ReviewStats.product_id == product_id).values(
        review_count=row[0], rating_sum=row[1], rated_1=row[2], rated_2=row[3], rated_3=row[4],
        rated_4=row[5], rated_5=row[6], fit_small=row[7], fit_true=row[8], fit_large=row[9])
        .execution_options(synchronize_session=False))


def follow_status(review_id: int, product_id: int, before: ReviewStatus, after: ReviewStatus) -> None:
    """Move the figures after a moderation decision changed the review's status from `before` to
    `after`. The rating and fit are read here, once the decision is taken: the moderation rules
    never see them (`reviews.moderation`)."""
    if (before == ReviewStatus.PUBLISHED) == (after == ReviewStatus.PUBLISHED):
        return
    rating, fit = db.session.execute(sa.select(Review.rating, Review.fit).where(Review.id == review_id)).one()
    counted = Counted(rating, fit)
    move(product_id, counted if before == ReviewStatus.PUBLISHED else None,
         counted if after == ReviewStatus.PUBLISHED else None)
