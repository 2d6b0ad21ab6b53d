"""What the inbox tests share: a support team, reviews and questions arriving at chosen moments
through the real write paths, and reading an item back."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from reviews.models import InboxEvent, InboxItem, InboxKind, Question, Review
from reviews.questions import ask_question
from storefront.accounts.models import User
from storefront.catalog.models import Variant
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from tests.factories import make_product, make_user
from tests.reviews.factories import make_delivered_order, make_review

RIGA = ZoneInfo("Europe/Riga")
UTC = dt.timezone.utc


def riga(*args) -> dt.datetime:
    """A wall-clock time in the shop's zone, as an aware UTC datetime."""
    return dt.datetime(*args, tzinfo=RIGA).astimezone(UTC)


class Team:
    """The staff: an admin and a support agent (both may answer), a marketer (may not), and a
    support agent whose account was disabled."""

    def __init__(self):
        self.admin = make_user("admin@example.com", "admin")
        self.sofia = make_user("sofia@example.com", "support")
        self.marketer = make_user("marketer@example.com", "marketer")
        self.retired = make_user("retired@example.com", "support")
        self.retired.active = False
        db.session.commit()


def sweater() -> Variant:
    return make_product("Dzintars pullover", slug="dzintars", variants=[{"price": 8900, "stock": 500}]).variants[0]


def review_at(variant: Variant, rating: int, at: dt.datetime, *, body: str = "Not what I hoped for.",
              email: str = "anna@example.com", language: str = "en", **draft) -> Review:
    """A buyer's review written at `at`, of a line delivered some days before."""
    order = make_delivered_order(variant, now=at - dt.timedelta(days=10), email=email)
    return make_review(order, rating, now=at, body=body, language=language, **draft)


def question_at(variant: Variant, at: dt.datetime, body: str = "Does it shrink in the wash?", *,
                email: str = "jonas@example.com", language: str = "en") -> Question:
    return ask_question(variant.product_id, author_name="Jonas", email=email, body=body, language=language, now=at)


def item_of(*, review: Review | None = None, question: Question | None = None,
            kind: InboxKind | None = None) -> InboxItem:
    db.session.expire_all()
    conditions = [InboxItem.review_id == review.id] if review else [InboxItem.question_id == question.id]
    if kind:
        conditions.append(InboxItem.kind == kind)
    return db.session.scalar(sa.select(InboxItem).where(*conditions))


def events_of(item: InboxItem) -> list[str]:
    return list(db.session.scalars(sa.select(InboxEvent.kind).where(InboxEvent.item_id == item.id)
                                   .order_by(InboxEvent.id)))


def mails(kind: str) -> list[OutboundEmail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.kind == kind)
                                   .order_by(OutboundEmail.id)))


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))
