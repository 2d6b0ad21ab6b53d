"""Writing reviews: who may review what, and the one path a review takes into the shop.

A verified review belongs to one order line that reached the buyer (delivered, or shipped when a
review request went out for it); one per line, enforced by the database. Each use case is one
`write_transaction`: the review, its product's figures (`stats.move`) and what the area's
receivers write (`signals.review_submitted`: the inbox) commit together or not at all.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from storefront.catalog.models import Product
from storefront.database import write_transaction
from storefront.errors import ConflictError, NotFoundError, ShopError
from storefront.extensions import db
from storefront.orders.models import Order, OrderEvent, OrderLine, OrderStatus

from . import signals, stats
from .models import CollectionMethod, Fit, Review, ReviewRequest, ReviewStatus


class InvalidReview(ShopError):
    code = "invalid_review"
    status = 400
    default_message = _l("Please check the review.")


class AlreadyReviewed(ConflictError):
    code = "already_reviewed"
    default_message = _l("This item has already been reviewed.")


class NotReviewable(ConflictError):
    code = "not_reviewable"
    default_message = _l("This item can be reviewed once it has been delivered.")


class ReviewNotFound(NotFoundError):
    code = "review_not_found"
    default_message = _l("We could not find that review.")


TITLE_MAX = 150
BODY_MAX = 5000
NAME_MAX = 80


@dataclass
class ReviewDraft:
    """What the reviewer typed. `rating` is required (1–5); the rest is optional."""

    rating: int | None
    language: str
    author_name: str
    title: str = ""
    body: str = ""
    fit: str | None = None
    photos: list[bytes] = field(default_factory=list)


def clean_draft(draft: ReviewDraft) -> ReviewDraft:
    """The draft with whitespace trimmed. :raise InvalidReview: naming the field at fault."""
    if not isinstance(draft.rating, int) or isinstance(draft.rating, bool) or not 1 <= draft.rating <= 5:
        raise InvalidReview(_l("Please choose a rating from 1 to 5 stars."), field="rating")
    if draft.language not in current_app.config["LANGUAGES"]:
        raise InvalidReview(_l("Please choose the language the review is written in."), field="language")
    title, body, name = (draft.title or "").strip(), (draft.body or "").strip(), (draft.author_name or "").strip()
    if len(title) > TITLE_MAX:
        raise InvalidReview(_l("The title can be at most %(n)d characters.", n=TITLE_MAX), field="title")
    if len(body) > BODY_MAX:
        raise InvalidReview(_l("The review can be at most %(n)d characters.", n=BODY_MAX), field="body")
    if not name:
        raise InvalidReview(_l("Please give the name to show with your review."), field="author_name")
    if len(name) > NAME_MAX:
        raise InvalidReview(_l("The name can be at most %(n)d characters.", n=NAME_MAX), field="author_name")
    fit = draft.fit or None
    if fit is not None and fit not in {f.value for f in Fit}:
        raise InvalidReview(_l("Please choose how it fits from the list."), field="fit")
    return ReviewDraft(rating=draft.rating, language=draft.language, author_name=name, title=title,
                       body=body, fit=fit, photos=list(draft.photos))


def short_name(full_name: str) -> str:
    """"Anna Kalniņa" → "Anna K.": the default name shown with a buyer's review."""
    parts = full_name.split()
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0]}."


def has_sizes(product: Product | None) -> bool:
    """Whether the product is sized (apparel): only then is "how it fits" asked and summarised."""
    return product is not None and any(name.strip().lower() in {"size", "talla", "izmērs"}
                                       for name in (product.option_names or []))


def delivered_at(order_id: int):
    return db.session.scalar(sa.select(sa.func.max(OrderEvent.created_at)).where(
        OrderEvent.order_id == order_id, OrderEvent.kind == OrderStatus.DELIVERED.value))


def reviewable(order: Order) -> bool:
    """Whether the order's lines may be reviewed now: delivered, or shipped and already asked about
    (the request goes out N days after shipping when delivery is never marked)."""
    if order.status == OrderStatus.DELIVERED:
        return True
    if order.status == OrderStatus.SHIPPED:
        return db.session.scalar(sa.select(ReviewRequest.id).where(ReviewRequest.order_id == order.id)) is not None
    return False


def write_verified_review(line_id: int, draft: ReviewDraft, *, collection_method: CollectionMethod,
                          now: dt.datetime, by_staff: bool = False) -> Review:
    """The buyer's review of one delivered order line.

    :raise InvalidReview: for a bad draft (nothing written).
    :raise NotReviewable: when the line's order has not reached the buyer.
    :raise AlreadyReviewed: when the line has a review (also when another request wrote it first).
    """
    draft = clean_draft(draft)
    with write_transaction():
        line = db.session.get(OrderLine, line_id)
        if line is None or line.product_id is None:
            raise ReviewNotFound(_l("We could not find that item."))
        order = db.session.get(Order, line.order_id)
        if not reviewable(order):
            raise NotReviewable()
        if by_staff and not current_app.config["REVIEWS_ALLOW_STAFF"]:
            raise InvalidReview(_l("Staff accounts cannot review products."))
        if db.session.scalar(sa.select(Review.id).where(Review.order_line_id == line.id)) is not None:
            raise AlreadyReviewed()
        product = db.session.get(Product, line.product_id)
        review = Review(
            product_id=line.product_id, order_line_id=line.id, order_id=order.id, verified=True,
            by_staff=by_staff, collection_method=collection_method, variant_label=line.variant_label,
            bought_at=order.created_at, delivered_at=delivered_at(order.id), author_name=draft.author_name,
            email=order.email, language=draft.language, rating=draft.rating, original_rating=draft.rating,
            title=draft.title, body=draft.body, fit=draft.fit if has_sizes(product) else None,
            status=ReviewStatus.PENDING if current_app.config["REVIEWS_HOLD_ALL"] else ReviewStatus.PUBLISHED,
            created_at=now)
        if review.status == ReviewStatus.PUBLISHED:
            review.published_at = now
        try:
            with db.session.begin_nested():
                db.session.add(review)
                db.session.flush()
        except sa.exc.IntegrityError:
            raise AlreadyReviewed() from None
        stats.move(review.product_id, None, stats.Counted.of(review))
        signals.review_submitted.send(review, now=now)
    return review
