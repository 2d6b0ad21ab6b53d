"""Idempotency keys for the API's writes: a client that retries gets the answer it missed.

A client sends `Idempotency-Key: <its own unique value>` with a write (Stripe's convention,
https://docs.stripe.com/api/idempotent_requests). The first request with a key runs; the answer it
got is stored with a fingerprint of the request body, in the same transaction as the work, for
`KEEP_FOR` (24 hours). Sending the key again with the same body returns the stored answer without
doing anything (`Idempotent-Replayed: true`); with another body it is refused (422
`idempotency_key_reused`). A request that was refused stored nothing (it wrote nothing), so the
same request sent again is simply evaluated afresh.

Concurrent requests with one key run one at a time: the key's row is the first thing the use case
writes, so a second request waits on it (PostgreSQL's unique index; SQLite's write lock) until the
first commits, then finds the answer. Because key and work commit together, a crash in between
leaves neither, and no key is ever stuck "in progress".
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response
from flask_babel import lazy_gettext as _l

from .database import UTCDateTime, conflict_insert
from .errors import ShopError
from .extensions import db

KEEP_FOR = dt.timedelta(hours=24)
HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 255
# 1 to 255 visible ASCII characters, as Stripe allows (a UUID is the usual choice).
KEY_PATTERN = r"[!-~]{1,255}"


class IdempotencyKey(db.Model):
    """The answer a keyed request got, kept for a day."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("scope", "key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    scope: so.Mapped[str] = so.mapped_column(sa.String(80))  # "POST /api/v1/orders"
    key: so.Mapped[str] = so.mapped_column(sa.String(KEY_MAX_LENGTH))
    fingerprint: so.Mapped[str] = so.mapped_column(sa.String(64))  # SHA-256 of the canonical body
    status: so.Mapped[int | None] = so.mapped_column()
    body: so.Mapped[str | None] = so.mapped_column(sa.Text)  # the JSON answer, as sent
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime)
    expires_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, index=True)


class IdempotencyKeyReused(ShopError):
    code = "idempotency_key_reused"
    status = 422
    default_message = _l("This Idempotency-Key was already used with a different request. Use a new key "
                         "for a new request.")


class InvalidIdempotencyKey(ShopError):
    code = "invalid_idempotency_key"
    default_message = _l("An Idempotency-Key has 1 to 255 visible ASCII characters.")


class AnsweredBefore(Exception):
    """The key was used with this request already: `response()` is the answer it got then."""

    def __init__(self, status: int, body: str):
        super().__init__(status)
        self.status, self.body = status, body

    def response(self) -> Response:
        return Response(self.body, status=self.status, mimetype="application/json",
                        headers={"Idempotent-Replayed": "true", "Cache-Control": "no-store"})


@dataclass(frozen=True)
class KeyedRequest:
    """A request sent with a key: what identifies it, and how its result becomes the answer."""

    scope: str
    key: str
    fingerprint: str
    answer: Callable[[object], tuple[int, dict]]  # the use case's result -> (status, JSON body)


def keyed_request(scope: str, key: str | None, body,
                  answer: Callable[[object], tuple[int, dict]]) -> KeyedRequest | None:
    """The request's key and fingerprint, or None when no key was sent.

    :raise InvalidIdempotencyKey: for an empty, over-long or non-ASCII key.
    """
    if key is None:
        return None
    if not re.fullmatch(KEY_PATTERN, key):
        raise InvalidIdempotencyKey(field=HEADER)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return KeyedRequest(scope, key, hashlib.sha256(canonical.encode()).hexdigest(), answer)


def _insert(values: dict):
    return conflict_insert(IdempotencyKey).values(**values).on_conflict_do_nothing(index_elements=["scope", "key"])


def claim(request: KeyedRequest, *, now: dt.datetime) -> None:
    """Take the key for this request, first thing in the use case's write transaction.

    An expired row for the key is replaced. A concurrent request holding the key makes this wait
    until it commits (or rolls back, and then the key is ours).
    :raise AnsweredBefore: the key has an answer for this same request.
    :raise IdempotencyKeyReused: the key has an answer for another request.
    """
    where = (IdempotencyKey.scope == request.scope, IdempotencyKey.key == request.key)
    db.session.execute(sa.delete(IdempotencyKey).where(*where, IdempotencyKey.expires_at <= now))
    _forget_some_expired(now)
    taken = db.session.execute(_insert({
        "scope": request.scope, "key": request.key, "fingerprint": request.fingerprint,
        "created_at": now, "expires_at": now + KEEP_FOR}).returning(IdempotencyKey.id)).first()
    if taken is not None:
        return
    earlier = db.session.scalars(sa.select(IdempotencyKey).where(*where)).one()
    if earlier.fingerprint != request.fingerprint:
        raise IdempotencyKeyReused(field=HEADER)
    raise AnsweredBefore(earlier.status, earlier.body)


def remember(request: KeyedRequest, result) -> None:
    """Store the answer `result` gets, in the transaction that produced it."""
    status, body = request.answer(result)
    db.session.execute(
        sa.update(IdempotencyKey)
        .where(IdempotencyKey.scope == request.scope, IdempotencyKey.key == request.key)
        .values(status=status, body=json.dumps(body, separators=(",", ":"))))


def _forget_some_expired(now: dt.datetime, batch: int = 100) -> None:
    """Each keyed request deletes a few expired answers, so the table needs no sweeper. Rows
    another request is deleting are skipped (SKIP LOCKED), never waited for."""
    expired = (sa.select(IdempotencyKey.id).where(IdempotencyKey.expires_at <= now).limit(batch)
               .with_for_update(skip_locked=True))
    db.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.id.in_(expired.scalar_subquery())))
