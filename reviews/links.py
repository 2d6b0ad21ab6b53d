"""The two ways a buyer reaches the review form: the review request e-mail's link and the order's
tracking link. Each opens one order (and only its lines) and writes through
`service.write_verified_review`: from the request's link as post_fulfillment, until the link
expires (REVIEW_LINK_DAYS); from the tracking page as unsolicited. The link stays valid for the
order's other lines; each line takes one review.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from storefront.catalog.models import Product
from storefront.errors import NotFoundError, ShopError
from storefront.extensions import db
from storefront.orders.models import Order, OrderLine
from storefront.orders.service import get_order_by_token

from .models import CollectionMethod, Review, ReviewRequest
from .moderation import ReviewNotFound
from .service import NotReviewable, ReviewDraft, reviewable, short_name, write_verified_review


class ReviewLinkNotFound(NotFoundError):
    code = "review_link_not_found"
    default_message = _l("This review link is not valid. Please use the link from our e-mail.")


class ReviewLinkExpired(ShopError):
    code = "review_link_expired"
    status = 410
    default_message = _l("This review link has expired. You can still review your items from your order page.")


@dataclass(frozen=True)
class LineToReview:
    line: OrderLine
    product: Product | None
    review: Review | None   # the line's review, once written


@dataclass(frozen=True)
class ReviewLink:
    """What a review link (or a tracking link) opens: the order and its lines with their reviews."""

    order: Order
    lines: list[LineToReview]
    request: ReviewRequest | None = None

    @property
    def default_name(self) -> str:
        return short_name(self.order.full_name)

    def line(self, line_id: int) -> LineToReview:
        """:raise ReviewNotFound: for a line of another order."""
        for item in self.lines:
            if item.line.id == line_id:
                return item
        raise ReviewNotFound(_l("We could not find that item."))


def lines_to_review(order: Order) -> list[LineToReview]:
    """The order's lines with their products and reviews, in three queries whatever the order's size."""
    lines = list(order.lines)
    product_ids = {line.product_id for line in lines if line.product_id is not None}
    products = {p.id: p for p in db.session.scalars(sa.select(Product).where(Product.id.in_(product_ids)))} \
        if product_ids else {}
    reviews = {r.order_line_id: r for r in db.session.scalars(
        sa.select(Review).where(Review.order_line_id.in_([line.id for line in lines])))} if lines else {}
    return [LineToReview(line, products.get(line.product_id), reviews.get(line.id)) for line in lines]


def open_review_link(token: str, *, now: dt.datetime) -> ReviewLink:
    """The order behind a review request's link, while the link lives.

    :raise ReviewLinkNotFound: (404) for an unknown token. :raise ReviewLinkExpired: (410)
    :raise NotReviewable: if the order was cancelled or refunded since.
    """
    request = db.session.scalar(sa.select(ReviewRequest).where(ReviewRequest.token == token)) if token else None
    if request is None:
        raise ReviewLinkNotFound()
    if request.expires_at <= now:
        raise ReviewLinkExpired()
    order = db.session.get(Order, request.order_id)
    if order is None or not reviewable(order):
        raise NotReviewable()
    return ReviewLink(order=order, lines=lines_to_review(order), request=request)


def open_tracking_link(tracking_token: str) -> ReviewLink:
    """The order behind a tracking link, for reviewing from the tracking page.

    :raise OrderNotFound: (404) :raise NotReviewable: (409) before the order reached the buyer.
    """
    order = get_order_by_token(tracking_token)
    if not reviewable(order):
        raise NotReviewable()
    return ReviewLink(order=order, lines=lines_to_review(order))


def write_review_from_link(token: str, line_id: int, draft: ReviewDraft, *, now: dt.datetime,
                           by_staff: bool = False) -> Review:
    """The buyer's review of a line of the order a review request asked about (post_fulfillment).
    The link stays valid for the order's other lines; each line takes one review.

    :raise ReviewLinkNotFound: :raise ReviewLinkExpired: and what `write_verified_review` raises.
    """
    link = open_review_link(token, now=now)
    return write_verified_review(line_id, draft, collection_method=CollectionMethod.POST_FULFILLMENT, now=now,
                                 by_staff=by_staff, order_id=link.order.id)


def write_review_from_tracking(tracking_token: str, line_id: int, draft: ReviewDraft, *, now: dt.datetime,
                               by_staff: bool = False) -> Review:
    """The buyer's review of a line, written unprompted from the tracking page (unsolicited).

    :raise OrderNotFound: and what `write_verified_review` raises.
    """
    order = get_order_by_token(tracking_token)
    return write_verified_review(line_id, draft, collection_method=CollectionMethod.UNSOLICITED, now=now,
                                 by_staff=by_staff, order_id=order.id)


def reviews_of_order(order: Order) -> dict[int, Review] | None:
    """The order's reviews by line id (for the tracking page), or None while it cannot be reviewed."""
    if not reviewable(order):
        return None
    return {item.line.id: item.review for item in lines_to_review(order) if item.review is not None}
