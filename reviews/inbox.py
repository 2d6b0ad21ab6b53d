"""The staff inbox: negative and reported reviews and open questions, each with a deadline.

`open_item` adds an item (once per kind and subject) in the caller's transaction; `record_response`
stops the clock of the subject's open items on the first public reply or private message.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from storefront.extensions import db

from .models import Clock, InboxEvent, InboxItem, InboxKind


def open_item(kind: InboxKind, *, now: dt.datetime, review_id: int | None = None,
              question_id: int | None = None) -> InboxItem | None:
    """Add an item for the review or question, due on the shop's clock; None if it is already
    in the inbox under this kind (a savepoint absorbs a concurrent twin)."""
    existing = db.session.scalar(sa.select(InboxItem).where(
        InboxItem.kind == kind, InboxItem.review_id == review_id if review_id is not None
        else InboxItem.question_id == question_id))
    if existing is not None:
        return None
    clock = Clock(current_app.config["INBOX_CLOCK"])
    item = InboxItem(kind=kind, review_id=review_id, question_id=question_id, arrived_at=now, clock=clock,
                     due_at=now + dt.timedelta(minutes=current_app.config["INBOX_RESPONSE_MINUTES"]))
    try:
        with db.session.begin_nested():
            db.session.add(item)
            db.session.flush()
    except sa.exc.IntegrityError:
        return None
    db.session.add(InboxEvent(item_id=item.id, kind="arrived", created_at=now))
    return item


def record_response(*, now: dt.datetime, response_kind: str, actor_id: int | None,
                    review_id: int | None = None, question_id: int | None = None) -> int:
    """Stop the clock of the subject's items still waiting for a first response; returns how
    many stopped. `response_kind` is "public_reply" or "private_message"."""
    assert response_kind in ("public_reply", "private_message"), response_kind
    subject = InboxItem.review_id == review_id if review_id is not None else InboxItem.question_id == question_id
    item_ids = list(db.session.scalars(sa.select(InboxItem.id).where(subject, InboxItem.first_response_at.is_(None))))
    stopped = 0
    for item_id in item_ids:
        result = db.session.execute(
            sa.update(InboxItem).where(InboxItem.id == item_id, InboxItem.first_response_at.is_(None))
            .values(first_response_at=now, response_kind=response_kind)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            stopped += 1
            db.session.add(InboxEvent(item_id=item_id, kind=response_kind, actor_id=actor_id, created_at=now))
    return stopped
