"""Writing reviews: who may review what, and the one path a review takes into the shop.

A verified review belongs to one order line that reached the buyer (delivered, or shipped when a
review request went out for it); one per line, enforced by the database. The buyer reaches it
from the request e-mail's link or the tracking page (`reviews.links`); unverified reviews exist
only where the shop allows them.
Staff accounts cannot review, or, where the shop allows it, are labelled (FTC 16 CFR 465.5).

Each use case is one `write_transaction`: the review, its photos' rows (their files are saved just
before, and removed again if the transaction fails), its product's figures
(`stats.move`) and what the area's receivers write (`signals.*`: the inbox) commit together or
not at all. The status a review takes comes from `moderation`, which never sees the rating.
Afterwards, the reviewer holds `Review.reviewer_token`: it opens the edit (kept as a version,
moderated again) and, once the brand has replied, one follow-up with a new rating.
Helpful votes and reports live in `reviews.feedback`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from storefront.accounts.models import User
from storefront.catalog.models import Product
from storefront.database import write_transaction
from storefront.errors import ConflictError, ShopError
from storefront.extensions import db
from storefront.orders.models import Order, OrderEvent, OrderLine, OrderStatus

from . import moderation, photos, signals, stats
from .moderation import ReviewNotFound  # noqa: F401 (defined with the moderation rules; raised here too)
from .models import (CollectionMethod, Fit, Reply, Review, ReviewFollowUp, ReviewRequest, ReviewStatus,
                     ReviewVersion)


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


class StaffCannotReview(ShopError):
    code = "staff_cannot_review"
    status = 403
    default_message = _l("Staff accounts cannot review products.")


class UnverifiedNotAllowed(ShopError):
    code = "unverified_not_allowed"
    status = 403
    default_message = _l("Only buyers can review products here, from the link in their e-mail or order page.")


class ReviewLocked(ConflictError):
    code = "review_locked"
    default_message = _l("Your review has a follow-up, so it can no longer be edited.")


class ReviewAnswered(ConflictError):
    """The brand replied to this text: an edit would leave the reply answering words no longer
    there, so the reviewer adds their update below it instead (`add_follow_up`)."""

    code = "review_answered"
    default_message = _l("We have replied to your review, so it can no longer be edited. You can add an update "
                         "below our reply instead.")


class FollowUpNotAllowed(ConflictError):
    code = "follow_up_not_allowed"
    default_message = _l("A follow-up can be added once we have replied to your review.")


class FollowUpExists(ConflictError):
    code = "follow_up_exists"
    default_message = _l("You have already added a follow-up to this review.")


TITLE_MAX = 150
BODY_MAX = 5000
NAME_MAX = 80
EMAIL_MAX = 254


@dataclass
class ReviewDraft:
    """What the reviewer typed. `rating` is required (1–5); the rest is optional. `photos` are the
    uploads' bytes, checked by Pillow before anything is written."""

    rating: int | None
    language: str
    author_name: str
    title: str = ""
    body: str = ""
    fit: str | None = None
    photos: list[bytes] = field(default_factory=list)


def check_rating(rating, *, field_name: str = "rating") -> int:
    """:raise InvalidReview: unless `rating` is a whole number of stars from 1 to 5."""
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise InvalidReview(_l("Please choose a rating from 1 to 5 stars."), field=field_name)
    return rating


def check_body(body: str | None, *, field_name: str = "body") -> str:
    # Browsers send a textarea's line breaks as CRLF: kept as "\n", so paragraphs ("\n\n") split.
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(body) > BODY_MAX:
        raise InvalidReview(_l("The review can be at most %(n)d characters.", n=BODY_MAX), field=field_name)
    return body


def clean_draft(draft: ReviewDraft) -> ReviewDraft:
    """The draft with whitespace trimmed. :raise InvalidReview: naming the field at fault
    (:raise photos.TooManyPhotos: for more than REVIEWS_MAX_PHOTOS uploads)."""
    check_rating(draft.rating)
    if draft.language not in current_app.config["LANGUAGES"]:
        raise InvalidReview(_l("Please choose the language the review is written in."), field="language")
    title, name = (draft.title or "").strip(), (draft.author_name or "").strip()
    if len(title) > TITLE_MAX:
        raise InvalidReview(_l("The title can be at most %(n)d characters.", n=TITLE_MAX), field="title")
    body = check_body(draft.body)
    if not name:
        raise InvalidReview(_l("Please give the name to show with your review."), field="author_name")
    if len(name) > NAME_MAX:
        raise InvalidReview(_l("The name can be at most %(n)d characters.", n=NAME_MAX), field="author_name")
    fit = draft.fit or None
    if fit is not None and fit not in {f.value for f in Fit}:
        raise InvalidReview(_l("Please choose how it fits from the list."), field="fit")
    uploads = [data for data in draft.photos if data]
    photos.check_count(len(uploads))
    return ReviewDraft(rating=draft.rating, language=draft.language, author_name=name, title=title,
                       body=body, fit=fit, photos=uploads)


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


def is_staff_email(email: str) -> bool:
    """Whether the address belongs to a staff account (compared case-insensitively)."""
    email = (email or "").strip().lower()
    return bool(email) and db.session.scalar(
        sa.select(User.id).where(sa.func.lower(User.email) == email)) is not None


def _staff_label(by_staff: bool, email: str) -> bool:
    """Whether the review is staff's: written while signed in as staff, or from a staff address.

    :raise StaffCannotReview: (403) unless the shop allows staff reviews (then labelled so).
    """
    staff = by_staff or is_staff_email(email)
    if staff and not current_app.config["REVIEWS_ALLOW_STAFF"]:
        raise StaffCannotReview()
    return staff


def _insert(review: Review) -> None:
    """Add the review under a savepoint. :raise AlreadyReviewed: when its line has one already
    (also when a concurrent request wrote it first: the unique line decides)."""
    try:
        with db.session.begin_nested():
            db.session.add(review)
            db.session.flush()
    except sa.exc.IntegrityError:
        raise AlreadyReviewed() from None


def _publish_new(review: Review, saved: list[photos.SavedPhoto], now: dt.datetime) -> None:
    """What every new review does once its row is in: photos, the figures, the signal."""
    photos.attach(review.id, saved)
    stats.move(review.product_id, None, stats.Counted.of(review))
    signals.review_submitted.send(review, now=now)


def _new_review(draft: ReviewDraft, now: dt.datetime, **fields) -> Review:
    status = moderation.status_for_new_review()
    return Review(author_name=draft.author_name, language=draft.language, rating=draft.rating,
                  original_rating=draft.rating, title=draft.title, body=draft.body, status=status,
                  published_at=now if status == ReviewStatus.PUBLISHED else None, created_at=now, **fields)


def write_verified_review(line_id: int, draft: ReviewDraft, *, collection_method: CollectionMethod,
                          now: dt.datetime, by_staff: bool = False, order_id: int | None = None) -> Review:
    """The buyer's review of one delivered order line (of order `order_id`, when given: the order
    the caller's link opens).

    :raise InvalidReview: / :raise photos.InvalidPhoto: for a bad draft (nothing written).
    :raise ReviewNotFound: for a line that is not there (or not in `order_id`).
    :raise NotReviewable: when the line's order has not reached the buyer.
    :raise StaffCannotReview: for a staff account, unless the shop allows it.
    :raise AlreadyReviewed: when the line has a review (also when another request wrote it first).
    """
    draft = clean_draft(draft)
    checked = photos.check_photos(draft.photos)
    with photos.removed_on_failure() as written:
        saved = photos.save(checked, written)
        with write_transaction():
            review = _write_verified(line_id, order_id, draft, saved, now, by_staff=by_staff,
                                     collection_method=collection_method)
    return review


def _write_verified(line_id: int, order_id: int | None, draft: ReviewDraft, saved: list[photos.SavedPhoto],
                    now: dt.datetime, *, by_staff: bool, collection_method) -> Review:
    line = db.session.get(OrderLine, line_id)
    if line is None or line.product_id is None or (order_id is not None and line.order_id != order_id):
        raise ReviewNotFound(_l("We could not find that item."))
    order = db.session.get(Order, line.order_id)
    if not reviewable(order):
        raise NotReviewable()
    staff = _staff_label(by_staff, order.email)
    if db.session.scalar(sa.select(Review.id).where(Review.order_line_id == line.id)) is not None:
        raise AlreadyReviewed()
    product = db.session.get(Product, line.product_id)
    review = _new_review(
        draft, now, product_id=line.product_id, order_line_id=line.id, order_id=order.id, verified=True,
        by_staff=staff, collection_method=collection_method, variant_label=line.variant_label,
        bought_at=order.created_at, delivered_at=delivered_at(order.id), email=order.email,
        fit=draft.fit if has_sizes(product) else None)
    _insert(review)
    _publish_new(review, saved, now)
    return review


def write_unverified_review(product_id: int, draft: ReviewDraft, *, email: str, now: dt.datetime,
                            by_staff: bool = False) -> Review:
    """A review by someone who did not buy through the shop, only where REVIEWS_ALLOW_UNVERIFIED
    is on; shown as "not verified".

    :raise UnverifiedNotAllowed: (403) when the shop does not take them. :raise InvalidReview:
    :raise ReviewNotFound: for an unknown or inactive product. :raise StaffCannotReview:
    """
    if not current_app.config["REVIEWS_ALLOW_UNVERIFIED"]:
        raise UnverifiedNotAllowed()
    draft = clean_draft(draft)
    email = (email or "").strip()
    if "@" not in email or len(email) > EMAIL_MAX:
        raise InvalidReview(_l("Please enter a valid e-mail address."), field="email")
    checked = photos.check_photos(draft.photos)
    with photos.removed_on_failure() as written:
        saved = photos.save(checked, written)
        with write_transaction():
            review = _write_unverified(product_id, draft, saved, email, now, by_staff=by_staff)
    return review


def _write_unverified(product_id: int, draft: ReviewDraft, saved: list[photos.SavedPhoto], email: str,
                      now: dt.datetime, *, by_staff: bool) -> Review:
    product = db.session.get(Product, product_id)
    if product is None or not product.active:
        raise ReviewNotFound(_l("We could not find that product."))
    staff = _staff_label(by_staff, email)
    review = _new_review(draft, now, product_id=product.id, verified=False, by_staff=staff,
                         collection_method=CollectionMethod.UNSOLICITED, email=email,
                         fit=draft.fit if has_sizes(product) else None)
    _insert(review)
    _publish_new(review, saved, now)
    return review


# --- the reviewer's own page: edit, follow-up ----------------------------------------------------

def get_by_reviewer_token(token: str, *, lock: bool = False) -> Review:
    """The review its reviewer's secret opens. :raise ReviewNotFound: for any unknown token."""
    query = sa.select(Review).where(Review.reviewer_token == token)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    review = db.session.scalar(query) if token else None
    if review is None:
        raise ReviewNotFound()
    return review


def edit_review(token: str, draft: ReviewDraft, now: dt.datetime, *, by_staff: bool = False) -> Review:
    """The reviewer rewrites their review. What it said is kept as a `ReviewVersion`; the edit is
    moderated again (`moderation.status_after_edit`: a withheld review goes back to waiting); the
    figures follow; `signals.review_edited` is sent. New photos are added to those it has.

    :raise ReviewNotFound: :raise InvalidReview: :raise photos.InvalidPhoto:
    :raise ReviewLocked: (409) once a follow-up was added (the follow-up now carries the rating).
    :raise ReviewAnswered: (409) once the brand replied (the reply stays with the text it answered;
        the reviewer's update goes below it, `add_follow_up`).
    :raise StaffCannotReview: when a signed-in staff member sends it (`by_staff`): staff never
        edit a shopper's text, even holding the link (the tracking page, which staff can open,
        leads to it).
    """
    if by_staff:
        raise StaffCannotReview(_l("Staff cannot change a shopper's review."))
    draft = clean_draft(draft)
    already = len(get_by_reviewer_token(token).photos)
    checked = photos.check_photos(draft.photos, already=already)
    with photos.removed_on_failure() as written:
        saved = photos.save(checked, written)
        with write_transaction():
            review = _edit(token, draft, saved, now)
    return review


def _edit(token: str, draft: ReviewDraft, saved: list[photos.SavedPhoto], now: dt.datetime) -> Review:
    review = get_by_reviewer_token(token, lock=True)
    if review.follow_up is not None:
        raise ReviewLocked()
    if db.session.scalar(sa.select(Reply.id).where(Reply.review_id == review.id)) is not None:
        raise ReviewAnswered()
    photos.check_count(len(saved), already=len(review.photos))
    before, previous_rating = stats.Counted.of(review), review.rating
    db.session.add(ReviewVersion(review_id=review.id, rating=review.rating, title=review.title,
                                 body=review.body, fit=review.fit,
                                 written_at=review.edited_at or review.created_at, replaced_at=now))
    product = db.session.get(Product, review.product_id)
    review.rating = review.original_rating = draft.rating
    review.title, review.body, review.language = draft.title, draft.body, draft.language
    review.author_name = draft.author_name
    review.fit = draft.fit if has_sizes(product) else None
    review.edited_at = now
    new_status = moderation.status_after_edit(ReviewStatus(review.status))
    if new_status != review.status:
        review.status, review.withheld_reason = new_status, None
    photos.attach(review.id, saved, first_position=len(review.photos))
    stats.move(review.product_id, before, stats.Counted.of(review))
    signals.review_edited.send(review, previous_rating=previous_rating, now=now)
    return review


def add_follow_up(token: str, body: str, new_rating: int, now: dt.datetime, *,
                  by_staff: bool = False) -> ReviewFollowUp:
    """After the brand's reply, the reviewer's one dated update with a (possibly) new rating:
    the review's rating becomes `new_rating` and every figure follows it (the summary, the
    filters, the pair, the feed); the card leads with the update, the original review and the
    reply below it; `original_rating` stays. `signals.review_updated` is sent (the inbox follows
    the new rating).

    :raise ReviewNotFound: :raise InvalidReview: :raise FollowUpNotAllowed: (409) before a reply.
    :raise FollowUpExists: (409) for a second one (also when two are sent at once).
    :raise StaffCannotReview: when a signed-in staff member sends it (`by_staff`).
    """
    if by_staff:
        raise StaffCannotReview(_l("Staff cannot change a shopper's review."))
    new_rating = check_rating(new_rating)
    body = check_body(body)
    with write_transaction():
        review = get_by_reviewer_token(token, lock=True)
        if db.session.scalar(sa.select(Reply.id).where(Reply.review_id == review.id)) is None:
            raise FollowUpNotAllowed()
        follow_up = ReviewFollowUp(review_id=review.id, body=body, previous_rating=review.rating,
                                   new_rating=new_rating, created_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(follow_up)
                db.session.flush()
        except sa.exc.IntegrityError:
            raise FollowUpExists() from None
        before, previous_rating = stats.Counted.of(review), review.rating
        review.rating = new_rating
        stats.move(review.product_id, before, stats.Counted.of(review))
        signals.review_updated.send(review, previous_rating=previous_rating, now=now)
    return follow_up


def product_slug(product_id: int) -> str | None:
    """The product page's slug, to send a shopper back to it."""
    return db.session.scalar(sa.select(Product.slug).where(Product.id == product_id))


def product_of(review: Review) -> Product | None:
    return db.session.get(Product, review.product_id)
