"""Reviews, official replies, questions and the staff inbox: the tables and the rules the database
itself enforces.

Limits live in the schema, so they hold under any race: one review per order line, one official
reply per review, one helpful vote per shopper per review (and per answer), one report per shopper
per review, one inbox item per (kind, review or question). Counters (`helpful_count`, the product's
`ReviewStats`) move only by conditional or relative UPDATEs in the transaction of the change that
moves them, so they are never stale and never lose an increment.
"""
from __future__ import annotations

import datetime as dt
import secrets
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from storefront.database import UTCDateTime, utcnow
from storefront.extensions import db


class ReviewStatus(StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"      # waiting for a look, when the shop holds every review (all alike)
    WITHHELD = "withheld"    # staff withheld it with one of WithholdReason


class WithholdReason(StrEnum):
    """The only reasons a review may be withheld; the rating is never one of them."""

    ABUSE = "abuse"
    SPAM = "spam"
    OFF_TOPIC = "off_topic"
    PERSONAL_DATA = "personal_data"
    CONFLICT_OF_INTEREST = "conflict_of_interest"


class CollectionMethod(StrEnum):
    """Google Merchant Center's values: asked for after the order, or written unprompted."""

    POST_FULFILLMENT = "post_fulfillment"
    UNSOLICITED = "unsolicited"


class Fit(StrEnum):
    RUNS_SMALL = "small"
    TRUE_TO_SIZE = "true"
    RUNS_LARGE = "large"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Review(db.Model):
    """A shopper's review of a product. Verified reviews belong to one delivered order line
    (unique); unverified ones (only where the shop allows them) have no line.

    `rating` is the rating that counts now (a follow-up after the brand's reply may change it);
    `original_rating` is the one first written, always shown beside a changed one.
    """

    __tablename__ = "reviews"
    __table_args__ = (
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_in_range"),
        sa.CheckConstraint("original_rating BETWEEN 1 AND 5", name="original_rating_in_range"),
        sa.CheckConstraint("status IN ('published', 'pending', 'withheld')", name="status_known"),
        sa.CheckConstraint("status <> 'withheld' OR withheld_reason IS NOT NULL", name="withheld_has_reason"),
        sa.CheckConstraint("fit IS NULL OR fit IN ('small', 'true', 'large')", name="fit_known"),
        sa.CheckConstraint("collection_method IN ('post_fulfillment', 'unsolicited')", name="collection_known"),
        sa.CheckConstraint("helpful_count >= 0 AND report_count >= 0", name="counts_not_negative"),
        sa.Index("ix_reviews_product_status_created", "product_id", "status", "created_at"),
        sa.Index("ix_reviews_product_status_helpful", "product_id", "status", "helpful_count"),
        sa.Index("ix_reviews_product_status_rating", "product_id", "status", "rating"),
        # The product page's list puts the shopper's language first, so no single-column order
        # serves it: this index holds every column the list filters and sorts on, so sorting a
        # product's 10,000 reviews reads the index alone, never the rows (reviews.queries).
        sa.Index("ix_reviews_product_list", "product_id", "status", "rating", "language", "helpful_count",
                 "created_at", "fit", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    # The delivered line it reviews: one review per line, enforced here.
    order_line_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("order_lines.id", ondelete="SET NULL"), unique=True)
    order_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    verified: so.Mapped[bool] = so.mapped_column(default=False)
    # Written by a signed-in staff member (only where the shop allows it), and labelled so.
    by_staff: so.Mapped[bool] = so.mapped_column(default=False)
    incentivized: so.Mapped[bool] = so.mapped_column(default=False)
    collection_method: so.Mapped[str] = so.mapped_column(sa.String(20), default=CollectionMethod.UNSOLICITED)
    # The proof on the badge, copied from the order when the review is written.
    variant_label: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    bought_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)
    delivered_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)
    author_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")  # never shown
    language: so.Mapped[str] = so.mapped_column(sa.String(5))
    rating: so.Mapped[int] = so.mapped_column()
    original_rating: so.Mapped[int] = so.mapped_column()
    title: so.Mapped[str] = so.mapped_column(sa.String(150), default="")
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    fit: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default=ReviewStatus.PUBLISHED)
    withheld_reason: so.Mapped[str | None] = so.mapped_column(sa.String(30))
    helpful_count: so.Mapped[int] = so.mapped_column(default=0)
    report_count: so.Mapped[int] = so.mapped_column(default=0)
    # The reviewer's secret: whoever holds it may edit the review or add the follow-up (the link
    # in the "we replied" e-mail). Hashes are not needed: it opens one review, never an account.
    reviewer_token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, default=new_token)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    edited_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)
    published_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)
    moderated_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)

    photos: so.Mapped[list[ReviewPhoto]] = so.relationship(
        back_populates="review", order_by="ReviewPhoto.position", cascade="all, delete-orphan")
    versions: so.Mapped[list[ReviewVersion]] = so.relationship(
        back_populates="review", order_by="ReviewVersion.id", cascade="all, delete-orphan")
    reply: so.Mapped[Reply | None] = so.relationship(back_populates="review", cascade="all, delete-orphan")
    follow_up: so.Mapped[ReviewFollowUp | None] = so.relationship(back_populates="review",
                                                                  cascade="all, delete-orphan")

    @property
    def updated_at(self) -> dt.datetime | None:
        """When the reviewer updated it after the brand's reply (None if they did not): from then
        it is shown as the update says, the original below."""
        return self.follow_up.created_at if self.follow_up is not None else None

    def __repr__(self) -> str:
        return f"<Review {self.id} {self.rating}★ {self.status}>"


class ReviewVersion(db.Model):
    """What a review said before the reviewer edited it: the history stays."""

    __tablename__ = "review_versions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    review_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    rating: so.Mapped[int] = so.mapped_column()
    title: so.Mapped[str] = so.mapped_column(sa.String(150), default="")
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    fit: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    written_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime)
    replaced_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    review: so.Mapped[Review] = so.relationship(back_populates="versions")


class ReviewPhoto(db.Model):
    __tablename__ = "review_photos"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    review_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    width: so.Mapped[int] = so.mapped_column(default=0)
    height: so.Mapped[int] = so.mapped_column(default=0)
    position: so.Mapped[int] = so.mapped_column(default=0)

    review: so.Mapped[Review] = so.relationship(back_populates="photos")


class ReviewVote(db.Model):
    """"Helpful": one per shopper (`voter_key`, kept in the voter's session) per review."""

    __tablename__ = "review_votes"
    __table_args__ = (sa.UniqueConstraint("review_id", "voter_key", name="uq_review_votes_voter"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    review_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"))
    voter_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class ReviewReport(db.Model):
    """A shopper's "report this review": one per shopper per review; it sends the review to the
    inbox, never hides it."""

    __tablename__ = "review_reports"
    __table_args__ = (sa.UniqueConstraint("review_id", "reporter_key", name="uq_review_reports_reporter"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    review_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"))
    reporter_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    reason: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class Reply(db.Model):
    """The brand's official reply: one per review. `created_at` is when it first appeared (the
    response time is measured to it); edits keep the earlier texts in `ReplyVersion`."""

    __tablename__ = "review_replies"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    review_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), unique=True)
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    language: so.Mapped[str] = so.mapped_column(sa.String(5), default="en")
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    edited_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)

    review: so.Mapped[Review] = so.relationship(back_populates="reply")
    versions: so.Mapped[list[ReplyVersion]] = so.relationship(
        order_by="ReplyVersion.id", cascade="all, delete-orphan")


class ReplyVersion(db.Model):
    __tablename__ = "review_reply_versions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reply_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("review_replies.id", ondelete="CASCADE"), index=True)
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    written_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime)
    replaced_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class ReviewFollowUp(db.Model):
    """After the brand's reply, the reviewer's dated follow-up (one), possibly with a new rating.
    The original review stays visible above it."""

    __tablename__ = "review_follow_ups"
    __table_args__ = (
        sa.CheckConstraint("previous_rating BETWEEN 1 AND 5 AND new_rating BETWEEN 1 AND 5",
                           name="ratings_in_range"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    review_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), unique=True)
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    previous_rating: so.Mapped[int] = so.mapped_column()
    new_rating: so.Mapped[int] = so.mapped_column()
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    review: so.Mapped[Review] = so.relationship(back_populates="follow_up")


class ReviewStats(db.Model):
    """A product's published reviews, summed: moved by relative UPDATEs (`count = count + 1`) in
    the same transaction as every change that publishes, withholds or re-rates a review, so it is
    never stale and concurrent reviews never lose a count. `reviews.stats.recount` rebuilds it
    from the rows (and a test checks the two agree)."""

    __tablename__ = "review_stats"
    __table_args__ = (
        sa.CheckConstraint("review_count >= 0 AND rating_sum >= 0 AND rated_1 >= 0 AND rated_2 >= 0 "
                           "AND rated_3 >= 0 AND rated_4 >= 0 AND rated_5 >= 0 AND fit_small >= 0 "
                           "AND fit_true >= 0 AND fit_large >= 0", name="counts_not_negative"),
        sa.CheckConstraint("review_count = rated_1 + rated_2 + rated_3 + rated_4 + rated_5",
                           name="histogram_adds_up"),
    )

    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"),
                                                  primary_key=True)
    review_count: so.Mapped[int] = so.mapped_column(default=0)
    rating_sum: so.Mapped[int] = so.mapped_column(default=0)
    rated_1: so.Mapped[int] = so.mapped_column(default=0)
    rated_2: so.Mapped[int] = so.mapped_column(default=0)
    rated_3: so.Mapped[int] = so.mapped_column(default=0)
    rated_4: so.Mapped[int] = so.mapped_column(default=0)
    rated_5: so.Mapped[int] = so.mapped_column(default=0)
    fit_small: so.Mapped[int] = so.mapped_column(default=0)
    fit_true: so.Mapped[int] = so.mapped_column(default=0)
    fit_large: so.Mapped[int] = so.mapped_column(default=0)


class ReviewRequest(db.Model):
    """The e-mail asking a buyer to review an order: one per order, a reminder at most once.

    The link's token opens the review form for the order's delivered lines without an account,
    until `expires_at`; each line can be reviewed once (the unique line on `reviews`)."""

    __tablename__ = "review_requests"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    locale: so.Mapped[str] = so.mapped_column(sa.String(5), default="en")
    token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, default=new_token)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime)
    reminder_due_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime, index=True)
    reminded_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)

    items: so.Mapped[list[ReviewRequestItem]] = so.relationship(cascade="all, delete-orphan")


class ReviewRequestItem(db.Model):
    """A product a request asked about: a buyer is never asked twice about one product in a year."""

    __tablename__ = "review_request_items"
    __table_args__ = (sa.Index("ix_review_request_items_email_product", "email", "product_id", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("review_requests.id", ondelete="CASCADE"),
                                                  index=True)
    order_line_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("order_lines.id", ondelete="CASCADE"))
    product_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("products.id", ondelete="SET NULL"))
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class ReviewMailOptOut(db.Model):
    """An address that unsubscribed from review and answer requests."""

    __tablename__ = "review_mail_opt_outs"

    email: so.Mapped[str] = so.mapped_column(sa.String(254), primary_key=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class QuestionStatus(StrEnum):
    PUBLISHED = "published"
    WITHHELD = "withheld"


class Question(db.Model):
    """A shopper's question about a product (name and e-mail, no account). It shows on the product
    page once it has an answer."""

    __tablename__ = "questions"
    __table_args__ = (
        sa.CheckConstraint("status IN ('published', 'withheld')", name="status_known"),
        sa.CheckConstraint("answer_count >= 0", name="answer_count_not_negative"),
        sa.Index("ix_questions_product_status_answers", "product_id", "status", "answer_count"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    author_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    email: so.Mapped[str] = so.mapped_column(sa.String(254))  # never shown
    language: so.Mapped[str] = so.mapped_column(sa.String(5))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default=QuestionStatus.PUBLISHED)
    withheld_reason: so.Mapped[str | None] = so.mapped_column(sa.String(30))
    answer_count: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    answers: so.Mapped[list[Answer]] = so.relationship(
        back_populates="question", order_by="Answer.id", cascade="all, delete-orphan")


class Answer(db.Model):
    """An answer: the brand's (staff, `author_id`) or a buyer's (from an invitation)."""

    __tablename__ = "answers"
    __table_args__ = (sa.CheckConstraint("helpful_count >= 0", name="helpful_count_not_negative"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    question_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    by_brand: so.Mapped[bool] = so.mapped_column(default=False)
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    invitation_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("question_invitations.id", ondelete="SET NULL"), unique=True)
    author_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    language: so.Mapped[str] = so.mapped_column(sa.String(5))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    helpful_count: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    question: so.Mapped[Question] = so.relationship(back_populates="answers")


class AnswerVote(db.Model):
    __tablename__ = "answer_votes"
    __table_args__ = (sa.UniqueConstraint("answer_id", "voter_key", name="uq_answer_votes_voter"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    answer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("answers.id", ondelete="CASCADE"))
    voter_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class QuestionInvitation(db.Model):
    """A buyer of the product invited by e-mail to answer a question; the token lets them answer
    once (the unique `answers.invitation_id`)."""

    __tablename__ = "question_invitations"
    __table_args__ = (sa.UniqueConstraint("question_id", "email", name="uq_question_invitations_email"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    question_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("questions.id", ondelete="CASCADE"))
    order_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="SET NULL"))
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    locale: so.Mapped[str] = so.mapped_column(sa.String(5), default="en")
    token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, default=new_token)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime)


class InboxKind(StrEnum):
    NEGATIVE_REVIEW = "negative_review"
    REPORTED_REVIEW = "reported_review"
    QUESTION = "question"


class ClosedReason(StrEnum):
    """Why an inbox item was closed without a response (it needs none)."""

    WITHHELD = "withheld"   # staff withheld the review or question it is about
    ANSWERED_BY_BUYER = "answered_by_buyer"  # a buyer answered the question before we did
    # The reviewer raised a negative review's rating above INBOX_NEGATIVE_MAX_RATING before anyone
    # answered it: it is no longer a negative review owed a reply (lowered again, it reopens).
    RATING_RAISED = "rating_raised"


class Clock(StrEnum):
    BUSINESS = "business"   # the deadline counts the shop's opening hours only
    CALENDAR = "calendar"   # the deadline counts every hour


class InboxItem(db.Model):
    """Something support must answer, with its deadline. The item records the clock it was given
    (`clock`, `due_at`) when it arrived; the first public reply or private message to the customer
    stops it (`first_response_at`), never a note or an assignment.

    An item can also be closed without a response (`closed_at`, `closed_reason`): when staff
    withhold the review or question it is about, or when its reviewer raised a negative review's
    rating before anyone answered, nobody owes it an answer. A closed item is not
    waiting, gets no alerts and is never a breach; `first_response_at` stays empty (it means only
    "a response stopped the clock"), and the two never both hold."""

    __tablename__ = "inbox_items"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('negative_review', 'reported_review', 'question')", name="kind_known"),
        sa.CheckConstraint("clock IN ('business', 'calendar')", name="clock_known"),
        sa.CheckConstraint("(review_id IS NULL) <> (question_id IS NULL)", name="one_subject"),
        sa.CheckConstraint("closed_reason IS NULL OR closed_reason IN ('withheld', 'answered_by_buyer', 'rating_raised')",
                           name="closed_reason_known"),
        sa.CheckConstraint("(closed_at IS NULL) = (closed_reason IS NULL)", name="closed_has_reason"),
        sa.CheckConstraint("closed_at IS NULL OR first_response_at IS NULL", name="closed_without_response"),
        sa.UniqueConstraint("kind", "review_id", name="uq_inbox_items_review"),
        sa.UniqueConstraint("kind", "question_id", name="uq_inbox_items_question"),
        sa.Index("ix_inbox_items_open_due", "first_response_at", "due_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    review_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"))
    question_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("questions.id", ondelete="CASCADE"))
    arrived_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime)
    clock: so.Mapped[str] = so.mapped_column(sa.String(10))
    due_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime)
    assignee_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                          index=True)
    first_response_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)
    # How the clock stopped: "public_reply" | "private_message".
    response_kind: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    # Alerts go once each: set by a conditional UPDATE (… WHERE warned_at IS NULL).
    warned_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)
    breach_alerted_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)
    # Closed without a response (`ClosedReason`), by a conditional UPDATE (… WHERE closed_at IS
    # NULL AND first_response_at IS NULL); cleared again only if the subject is published again,
    # or (closed as rating_raised) its rating is lowered to a negative one again.
    closed_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)
    closed_reason: so.Mapped[str | None] = so.mapped_column(sa.String(30))

    events: so.Mapped[list[InboxEvent]] = so.relationship(order_by="InboxEvent.id", cascade="all, delete-orphan")


class InboxEvent(db.Model):
    """The inbox's event log, from which the figures are computed when they are read: arrived,
    assigned, note, public_reply, private_message, warned, breached, closed, reopened."""

    __tablename__ = "inbox_events"
    __table_args__ = (sa.Index("ix_inbox_events_kind_created", "kind", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("inbox_items.id", ondelete="CASCADE"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    details: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class CannedReply(db.Model):
    """A prepared answer support can start from, in one language (the same `key` in each)."""

    __tablename__ = "canned_replies"
    __table_args__ = (sa.UniqueConstraint("key", "language", name="uq_canned_replies_key_language"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(60))
    language: so.Mapped[str] = so.mapped_column(sa.String(5))
    title: so.Mapped[str] = so.mapped_column(sa.String(120))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
