"""`/api/v1/reviews`: a product's published reviews, writing one with a review request's token, and
"helpful" votes.

The same rules as the pages (`reviews.service`, `reviews.feedback`), the same shared rate limits
(`write_limits`: a body that is valid and reaches the service counts) and the API's one error body
`{"error": {"code", "message", "field"}}`. No cookie is involved, hence no CSRF token: a review is
authorised by the request's token (each order line takes one review: a second is 409
`already_reviewed`, however many are sent at once); a vote counts once per voter id, which the
client keeps for its shopper and sends as the `X-Voter` header (or the body's `voter`).
"""
from __future__ import annotations

import base64
import binascii

from flask import request
from flask_login import current_user
from flask.views import MethodView
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from storefront.api_errors import error_responses
from storefront.catalog import browse
from storefront.database import utcnow
from storefront.templating import media_url
from storefront.text_input import Text

from . import feedback, links, photos, queries, service
from .models import Fit
from .write_limits import mark_attempt, review_post_limit, vote_limit

blp = Blueprint("reviews", __name__, description="Product reviews: read, write with a review link, vote.")

MAX_ID = 2**31 - 1
MAX_PER_PAGE = 50
WHOLE_NUMBER = _l("Please enter a whole number.")
ERRORS = {
    400: "A field is not valid (`invalid_review`, `invalid_photo`, `too_many_photos`, `invalid_feedback`); "
         "`field` names it.",
    403: "Staff accounts cannot review (`staff_cannot_review`).",
    404: "No such product (`product_not_found`), review (`review_not_found`), order line or review link "
         "(`review_link_not_found`).",
    409: "The line has a review already (`already_reviewed`) or its order has not reached the buyer "
         "(`not_reviewable`).",
    410: "The review link has expired (`review_link_expired`).",
    413: "A photo is larger than the shop accepts (`photo_too_large`).",
    422: "A field or query parameter is missing or has the wrong type; `field` names it.",
    429: "Too many attempts from this client (`rate_limited`); wait and try again.",
}


def errors(*statuses: int):
    return error_responses(blp, *statuses, descriptions=ERRORS)


# --- shapes ----------------------------------------------------------------------------------------

class ReviewListArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    product_id = fields.Integer(required=True, error_messages={"invalid": WHOLE_NUMBER},
                                validate=validate.Range(min=1, max=MAX_ID))
    sort = fields.String(load_default=queries.DEFAULT_SORT, validate=validate.OneOf(queries.SORTS),
                         metadata={"description": "helpful (default), newest, lowest or highest."})
    rating = fields.Integer(validate=validate.Range(min=1, max=5), error_messages={"invalid": WHOLE_NUMBER},
                            metadata={"description": "Only reviews with this many stars."})
    language = Text(validate=validate.Length(max=5), metadata={
        "description": "Reviews in this language come first (default: the request's language)."})
    page = fields.Integer(load_default=1, error_messages={"invalid": WHOLE_NUMBER},
                          validate=validate.Range(min=1, max=queries.MAX_PAGE))
    per_page = fields.Integer(load_default=None, error_messages={"invalid": WHOLE_NUMBER},
                              validate=validate.Range(min=1, max=MAX_PER_PAGE))


class PhotoSchema(Schema):
    url = fields.Function(lambda photo: media_url(photo.filename))
    width = fields.Integer()
    height = fields.Integer()


class ReplySchema(Schema):
    body = fields.String()
    language = fields.String()
    created_at = fields.DateTime()
    edited_at = fields.DateTime(allow_none=True)


class FollowUpSchema(Schema):
    body = fields.String()
    previous_rating = fields.Integer()
    new_rating = fields.Integer()
    created_at = fields.DateTime()


class ReviewSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    status = fields.String(metadata={"description": "published, or pending while the shop holds every review "
                                                    "for a look (the list shows published ones only)."})
    rating = fields.Integer(metadata={"description": "The rating that counts now (1–5)."})
    original_rating = fields.Integer(metadata={"description": "The rating first written, if a follow-up changed it."})
    updated_at = fields.DateTime(allow_none=True, metadata={
        "description": "When the reviewer updated the review after the brand's reply (`follow_up`): `rating` "
                       "and the follow-up's words are what it says now; `title` and `body` are the original."})
    title = fields.String(metadata={"description": "The original review's title."})
    body = fields.String(metadata={"description": "The original review's words; empty for a rating-only review."})
    author_name = fields.String()
    language = fields.String()
    verified = fields.Boolean(metadata={"description": "Written by the buyer of a delivered order line."})
    by_staff = fields.Boolean(metadata={"description": "Written by a member of staff (where the shop allows it)."})
    collection_method = fields.String(metadata={"description": "post_fulfillment or unsolicited."})
    variant_label = fields.String(metadata={"description": "What was bought, e.g. the size."})
    fit = fields.String(allow_none=True, metadata={"description": "small, true or large (sized products)."})
    delivered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    edited_at = fields.DateTime(allow_none=True)
    helpful_count = fields.Integer()
    photos = fields.List(fields.Nested(PhotoSchema))
    reply = fields.Nested(ReplySchema, allow_none=True, metadata={"description": "The brand's official reply."})
    follow_up = fields.Nested(FollowUpSchema, allow_none=True, metadata={
        "description": "The reviewer's update after the reply: its words and the rating before and after."})


class ReviewPaginationSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class ReviewPageSchema(Schema):
    items = fields.List(fields.Nested(ReviewSchema))
    pagination = fields.Nested(ReviewPaginationSchema)


class NewReviewSchema(Schema):
    token = Text(required=True, validate=validate.Length(max=64), metadata={
        "description": "The review request's token, from the link in the buyer's e-mail."})
    order_line_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID),
                                   metadata={"description": "The line of that order being reviewed."})
    rating = fields.Raw(required=True, metadata={"type": "integer", "minimum": 1, "maximum": 5,
                                                 "description": "1 to 5 stars (a whole number)."})
    title = Text(load_default="", metadata={"description": f"At most {service.TITLE_MAX} characters."})
    body = Text(load_default="", multiline=True, metadata={"description": f"At most {service.BODY_MAX} characters."})
    fit = fields.String(load_default=None, allow_none=True, validate=validate.OneOf([f.value for f in Fit]),
                        metadata={"description": "small, true or large; kept only for sized products."})
    language = Text(load_default=None, metadata={
        "description": "Language of the review (en, es, lv; default: the request's language)."})
    author_name = Text(load_default=None, metadata={
        "description": "Name shown with the review (default: the buyer's first name and initial)."})
    photos = fields.List(fields.String(), load_default=list, metadata={
        "description": "Up to REVIEWS_MAX_PHOTOS (3) images, each base64-encoded (JPEG, PNG, WebP or GIF)."})


class VoteSchema(Schema):
    voter = Text(load_default=None, metadata={
        "description": "The shopper's voter id, if not sent as the X-Voter header: 8–64 letters, digits, "
                       "'-' or '_', kept by the client (e.g. random, in local storage)."})


class VoteResultSchema(Schema):
    review_id = fields.Integer()
    helpful_count = fields.Integer()
    counted = fields.Boolean(metadata={"description": "False when this voter had already voted (nothing changed)."})


# --- resources -------------------------------------------------------------------------------------

def _photos(encoded: list[str]) -> list[bytes]:
    """:raise photos.InvalidPhoto: for a photo that is not base64."""
    photos.check_count(len(encoded))
    try:
        return [base64.b64decode(item, validate=True) for item in encoded]
    except (binascii.Error, ValueError):
        raise photos.InvalidPhoto(_l("Photos must be sent base64-encoded.")) from None


def _draft(body: dict, link: links.ReviewLink) -> service.ReviewDraft:
    """The body as the service takes it, checked as a form would be (so only a valid one is an
    attempt). :raise service.InvalidReview: :raise photos.InvalidPhoto:"""
    return service.clean_draft(service.ReviewDraft(
        rating=body["rating"], language=body["language"] or str(get_locale()),
        author_name=body["author_name"] if body["author_name"] is not None else link.default_name,
        title=body["title"], body=body["body"], fit=body["fit"], photos=_photos(body["photos"])))


@blp.route("")
class Reviews(MethodView):
    @blp.arguments(ReviewListArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, ReviewPageSchema)
    @errors(404, 422)
    def get(self, product_id: int, sort: str, page: int, per_page: int | None = None, rating: int | None = None,
            language: str | None = None):
        """List a product's published reviews, a page at a time, the given language first.

        Every published review is listed, low ones included. 404 `product_not_found`.
        """
        product = browse.get_product_by_id(product_id)
        chosen = queries.ReviewFilter(sort=sort, rating=rating, page=page)
        listing = queries.product_reviews(product, language=language or str(get_locale()), chosen=chosen,
                                          per_page=per_page, highlights=False)
        return {"items": listing.page.items, "pagination": listing.page}

    @blp.arguments(NewReviewSchema)
    @blp.response(201, ReviewSchema, description="The review, published or waiting for a look.")
    @errors(400, 403, 404, 409, 410, 413, 422, 429)
    @review_post_limit
    def post(self, body: dict):
        """Review one line of a delivered order with the review request's token (one review per line).

        400 `invalid_review` / `invalid_photo` (with `field`), 403 `staff_cannot_review`,
        404 `review_link_not_found` / `review_not_found` (a line of another order),
        409 `already_reviewed` / `not_reviewable`, 410 `review_link_expired`, 413 `photo_too_large`.
        """
        link = links.open_review_link(body["token"], now=utcnow())
        draft = _draft(body, link)
        mark_attempt()
        # A signed-in staff member's browser sends its session here too: refused as on the pages.
        review = links.write_review_from_link(body["token"], body["order_line_id"], draft, now=utcnow(),
                                              by_staff=current_user.is_authenticated)
        return review, 201


@blp.route(f"/<int(max={MAX_ID}):review_id>/helpful")
class ReviewHelpful(MethodView):
    @blp.arguments(VoteSchema)
    @blp.response(200, VoteResultSchema)
    @blp.doc(parameters=[{"in": "header", "name": "X-Voter", "required": False, "schema": {"type": "string"},
                          "description": "The shopper's voter id (8–64 letters, digits, '-' or '_'); "
                                         "or send it as the body's `voter`."}])
    @errors(400, 404, 422, 429)
    @vote_limit
    def post(self, body: dict, review_id: int):
        """Mark a published review as helpful, once per voter id (again: 200, `counted` false).

        400 `invalid_feedback` for a missing or malformed voter id, 404 `review_not_found`.
        """
        voter = request.headers.get("X-Voter") or body["voter"]
        feedback.check_key(voter)
        mark_attempt()
        outcome = feedback.vote_helpful(review_id, voter, utcnow())
        return {"review_id": outcome.review_id, "helpful_count": outcome.helpful_count, "counted": outcome.counted}
