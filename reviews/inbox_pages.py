"""What the inbox and review moderation pages read: the queue by deadline with each item's badge,
one item with its history, the paged list of reviews by status, and one review with everything
staff need beside it (its product, photos, earlier versions, follow-up, the official reply and
its earlier texts, the inbox items about it). Read-only; a fixed number of queries per page,
however many items or reviews."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from storefront.accounts.models import User
from storefront.catalog.browse import Page
from storefront.catalog.models import Product
from storefront.extensions import db

from . import clock, inbox, replies
from .models import Answer, InboxEvent, InboxItem, Question, Reply, ReplyVersion, Review, ReviewStatus

# --- the queue -------------------------------------------------------------------------------

class BadgeState(StrEnum):
    ON_TIME = "on_time"        # green: more than INBOX_WARNING_MINUTES left
    DUE_SOON = "due_soon"      # amber: less than that
    OVERDUE = "overdue"        # red, with the time overdue
    ANSWERED = "answered"      # the clock stopped in time
    ANSWERED_LATE = "answered_late"
    CLOSED = "closed"          # closed without a response (its review or question withheld)


@dataclass(frozen=True)
class Badge:
    """An item's deadline as staff see it; `time` is what is left, how long overdue, how long
    the item waited for its answer, or how long it had waited when it was closed without one, on
    the item's own clock (`reason`: why it was closed)."""

    state: BadgeState
    time: dt.timedelta
    reason: str | None = None

    @property
    def colour(self) -> str:
        return {BadgeState.ON_TIME: "green", BadgeState.DUE_SOON: "amber", BadgeState.OVERDUE: "red",
                BadgeState.ANSWERED: "green", BadgeState.ANSWERED_LATE: "red", BadgeState.CLOSED: "grey"}[self.state]

    @property
    def minutes(self) -> int:
        """Whole minutes of `time` (rounded down: "14 min left" when 14 min 59 s are)."""
        return int(self.time.total_seconds() // 60)


def badge(item: InboxItem, now: dt.datetime, sched: clock.Schedule | None = None,
          warning_minutes: int | None = None) -> Badge:
    """The item's badge at `now`: green while more than the warning's minutes are left, amber for
    the last ones, red once due (with the time overdue); answered items show how long they waited,
    items closed without a response (grey) how long they had waited then."""
    sched = sched or inbox.shop_schedule()
    if item.closed_at is not None:
        return Badge(BadgeState.CLOSED, clock.elapsed(item.arrived_at, item.closed_at, item.clock, sched),
                     item.closed_reason)
    if item.first_response_at is not None:
        took = clock.elapsed(item.arrived_at, item.first_response_at, item.clock, sched)
        late = item.first_response_at > item.due_at
        return Badge(BadgeState.ANSWERED_LATE if late else BadgeState.ANSWERED, took)
    if warning_minutes is None:
        warning_minutes = current_app.config["INBOX_WARNING_MINUTES"]
    if now >= item.due_at:
        return Badge(BadgeState.OVERDUE, clock.elapsed(item.due_at, now, item.clock, sched))
    left = clock.elapsed(now, item.due_at, item.clock, sched)
    if left > dt.timedelta(minutes=warning_minutes):
        return Badge(BadgeState.ON_TIME, left)
    return Badge(BadgeState.DUE_SOON, left)


@dataclass(frozen=True)
class Row:
    item: InboxItem
    badge: Badge
    review: Review | None
    question: Question | None
    product: Product | None
    assignee: User | None

    @property
    def text(self) -> str:
        """What the customer says now: a reviewer's update after our reply, beside the rating of now."""
        if self.review is not None:
            update = self.review.follow_up
            return (update.body if update is not None and update.body else "") or self.review.title or self.review.body
        return self.question.body if self.question is not None else ""


@dataclass(frozen=True)
class Queue:
    open: list[Row]
    closed: list[Row]


CLOSED_SHOWN = 30


def _rows(items: list[InboxItem], now: dt.datetime) -> list[Row]:
    if not items:
        return []
    sched = inbox.shop_schedule()
    warning = current_app.config["INBOX_WARNING_MINUTES"]
    review_ids = {i.review_id for i in items if i.review_id is not None}
    question_ids = {i.question_id for i in items if i.question_id is not None}
    user_ids = {i.assignee_id for i in items if i.assignee_id is not None}
    reviews = {r.id: r for r in db.session.scalars(sa.select(Review).where(Review.id.in_(review_ids))
                                                   .options(so.selectinload(Review.follow_up)))} \
        if review_ids else {}
    questions = {q.id: q for q in db.session.scalars(sa.select(Question).where(Question.id.in_(question_ids)))} \
        if question_ids else {}
    product_ids = {r.product_id for r in reviews.values()} | {q.product_id for q in questions.values()}
    products = {p.id: p for p in db.session.scalars(sa.select(Product).where(Product.id.in_(product_ids)))} \
        if product_ids else {}
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    rows = []
    for item in items:
        review = reviews.get(item.review_id)
        question = questions.get(item.question_id)
        subject = review or question
        rows.append(Row(item, badge(item, now, sched, warning), review, question,
                        products.get(subject.product_id) if subject else None, users.get(item.assignee_id)))
    return rows


def queue(now: dt.datetime, *, assignee_id: int | None = None, closed_limit: int = CLOSED_SHOWN) -> Queue:
    """The inbox at `now`: open items by deadline (soonest first), and apart the most recently
    answered or closed without a response (their review or question withheld). A fixed number of
    queries, however many items."""
    mine = [InboxItem.assignee_id == assignee_id] if assignee_id is not None else []
    open_items = list(db.session.scalars(
        sa.select(InboxItem).where(inbox.waiting(), *mine)
        .order_by(InboxItem.due_at, InboxItem.id)))
    done_at = sa.func.coalesce(InboxItem.first_response_at, InboxItem.closed_at)
    closed_items = list(db.session.scalars(
        sa.select(InboxItem).where(~inbox.waiting(), *mine)
        .order_by(done_at.desc(), InboxItem.id.desc()).limit(closed_limit)))
    return Queue(_rows(open_items, now), _rows(closed_items, now))


@dataclass(frozen=True)
class ItemPage:
    row: Row
    events: list[InboxEvent]
    actors: dict[int, User]
    related: list[InboxItem]   # other items about the same review or question


def item_page(item_id: int, now: dt.datetime) -> ItemPage:
    """One item with its subject, history (oldest first) and the people in it. :raise InboxItemNotFound:"""
    item = db.session.get(InboxItem, item_id)
    if item is None:
        raise inbox.InboxItemNotFound()
    [row] = _rows([item], now)
    events = list(db.session.scalars(sa.select(InboxEvent).where(InboxEvent.item_id == item.id)
                                     .order_by(InboxEvent.created_at, InboxEvent.id)))
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    actors = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(actor_ids)))} if actor_ids else {}
    related = list(db.session.scalars(sa.select(InboxItem).where(
        inbox.subject_of(item), InboxItem.id != item.id).order_by(InboxItem.id)))
    return ItemPage(row, events, actors, related)


# --- reviews -----------------------------------------------------------------------------------

REVIEWS_PER_PAGE = 25


@dataclass(frozen=True)
class ReviewRow:
    review: Review
    product: Product | None
    replied: bool
    open_items: int


def review_list(status: ReviewStatus | None = None, page: int = 1, per_page: int = REVIEWS_PER_PAGE) -> Page[ReviewRow]:
    """Reviews newest first, optionally of one status, with their product, whether the brand
    replied, and how many inbox items about them still wait (not answered, not closed)."""
    page = max(1, page)
    conditions = [Review.status == status] if status else []
    total = db.session.scalar(sa.select(sa.func.count(Review.id)).where(*conditions)) or 0
    replied = sa.select(Reply.id).where(Reply.review_id == Review.id).exists()
    waiting = (sa.select(sa.func.count(InboxItem.id))
               .where(InboxItem.review_id == Review.id, inbox.waiting()).scalar_subquery())
    rows = db.session.execute(
        sa.select(Review, Product, replied, waiting).join(Product, Product.id == Review.product_id, isouter=True)
        .where(*conditions).order_by(Review.created_at.desc(), Review.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    return Page([ReviewRow(review, product, bool(has_reply), count or 0) for review, product, has_reply, count in rows],
                total, page, per_page)


@dataclass(frozen=True)
class ReviewDetail:
    review: Review
    product: Product | None
    reply: Reply | None
    reply_versions: list[ReplyVersion]
    items: list[InboxItem]


def items_about_review(review_id: int) -> list[InboxItem]:
    return list(db.session.scalars(sa.select(InboxItem).where(InboxItem.review_id == review_id)
                                   .order_by(InboxItem.id)))


def review_detail(review_id: int) -> ReviewDetail:
    """:raise replies.ReviewNotFound:"""
    review = db.session.scalar(sa.select(Review).where(Review.id == review_id).options(
        so.selectinload(Review.photos), so.selectinload(Review.versions), so.selectinload(Review.follow_up)))
    if review is None:
        raise replies.ReviewNotFound()
    reply = replies.reply_for_review(review.id)
    return ReviewDetail(review, db.session.get(Product, review.product_id), reply,
                        replies.reply_versions(reply.id) if reply else [], items_about_review(review.id))


@dataclass(frozen=True)
class QuestionDetail:
    question: Question
    product: Product | None
    answers: list[Answer]


def question_detail(question_id: int) -> QuestionDetail:
    question = db.session.get(Question, question_id)
    answers = list(db.session.scalars(sa.select(Answer).where(Answer.question_id == question_id).order_by(Answer.id)))
    return QuestionDetail(question, db.session.get(Product, question.product_id), answers)
