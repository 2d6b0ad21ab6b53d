"""Test data for the reviews area: delivered orders and reviews written the way buyers write them."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from reviews.models import CollectionMethod, Review
from reviews.service import ReviewDraft, write_verified_review
from storefront.accounts.models import User
from storefront.extensions import db
from storefront.orders import staff
from storefront.orders.models import Order
from storefront.payments.service import mark_manual_payment_received
from tests.factories import make_order, make_user

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.timezone.utc)


def make_delivered_order(variant=None, quantity: int = 1, *, now: dt.datetime = NOW, **details) -> Order:
    """An order placed, paid by bank transfer, shipped and delivered through the staff use cases,
    at `now` (a day apart each). Needs a request context (the order mail's language)."""
    actor = staff_member()
    order = make_order(variant, quantity, now=now, **dict({"payment_method": "bank_transfer"}, **details))
    mark_manual_payment_received(order.id, actor=actor, now=now + dt.timedelta(hours=1))
    staff.fulfil(order.id, actor=actor, now=now + dt.timedelta(hours=2))
    staff.ship(order.id, carrier="Omniva", tracking_number="CC123456789EE", actor=actor,
               now=now + dt.timedelta(days=1))
    return staff.deliver(order.id, actor=actor, now=now + dt.timedelta(days=2))


def make_review(order: Order, rating: int, *, line_index: int = 0, now: dt.datetime | None = None,
                method: CollectionMethod = CollectionMethod.POST_FULFILLMENT, **draft) -> Review:
    """The buyer's review of one line of a delivered order, through the write path."""
    fields = dict({"language": "en", "author_name": "Anna K."}, **draft)
    return write_verified_review(order.lines[line_index].id, ReviewDraft(rating=rating, **fields),
                                 collection_method=method, now=now or NOW + dt.timedelta(days=5))


def staff_member(email: str = "fulfilment@example.com", role: str = "admin") -> User:
    """The staff account with that e-mail, made on first use."""
    return db.session.scalar(sa.select(User).where(User.email == email)) or make_user(email, role=role)
