"""The demo shop for tests that need its data, not its loader: loaded for real (through the
checkout, the review services and the mail queue, as `flask demo load` does) the first time a test
process asks for it at a given moment, and put back from memory, table by table, for the next
test that asks for the same one.

A real load costs ~3 s on SQLite and ~6.5 s on PostgreSQL (some 1,900 statements); putting its
rows back costs one insert per table. The loader's own tests (tests/demo/test_demo_data.py) still
load it for real; so does the first test of each process, and any test whose database is not empty
when it asks, whose configuration differs, or whose pictures are no longer in the store.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from storefront import page_cache
from storefront.catalog.models import ProductImage
from storefront.database import utcnow
from storefront.demo.data import load_demo
from storefront.extensions import db
from storefront.storage import storage


@dataclass(frozen=True)
class _Snapshot:
    message: str
    rows: dict[str, list[dict]]  # table name: its rows, in the metadata's insert order
    pictures: tuple[str, ...]


_SNAPSHOTS: dict[tuple, _Snapshot] = {}
# For tests of pages that read the clock (the dashboard's "today"): the moment this process first
# loaded the demo "now", a few minutes before the test at most.
_FIRST_NOW: list[dt.datetime] = []


def _configuration() -> str:
    """What of the app's configuration a load depends on, as a digest (the database, the store,
    languages, currency, rates: everything plainly printable)."""
    plain = sorted((key, repr(value)) for key, value in current_app.config.items()
                   if isinstance(value, (str, int, float, bool, list, tuple, dict, type(None))))
    return hashlib.sha256(repr(plain).encode()).hexdigest()


def _empty() -> bool:
    counts = [sa.select(sa.func.count()).select_from(table) for table in db.metadata.sorted_tables]
    return not any(db.session.scalar(count) for count in counts)


def load_demo_shop(now: dt.datetime | None = None) -> str:
    """The demo shop as `load_demo(now=now)` leaves an empty database; what it tells the operator.
    Without `now`, the demo as loaded at the first such call of this test process."""
    if now is None:
        now = _FIRST_NOW[0] if _FIRST_NOW else _FIRST_NOW.append(utcnow()) or _FIRST_NOW[0]
    key = (now, _configuration())
    snapshot = _SNAPSHOTS.get(key)
    if snapshot is not None and _empty() and all(storage().exists(name) for name in snapshot.pictures):
        _restore(snapshot)
        return snapshot.message
    was_empty = _empty()
    message = load_demo(now=now)
    db.session.commit()
    if was_empty:
        _SNAPSHOTS[key] = _take(message)
    return message


def _take(message: str) -> _Snapshot:
    rows = {}
    for table in db.metadata.sorted_tables:
        order = [column for column in table.primary_key.columns]
        rows[table.name] = [dict(row) for row in db.session.execute(sa.select(table).order_by(*order)).mappings()]
    pictures = tuple(db.session.scalars(sa.select(ProductImage.filename)))
    return _Snapshot(message, rows, pictures)


def _restore(snapshot: _Snapshot) -> None:
    connection = db.session.connection()
    for table in db.metadata.sorted_tables:
        rows = snapshot.rows[table.name]
        if table.name == "categories":  # a parent before its children: insert, then link
            connection.execute(table.insert(), [{**row, "parent_id": None} for row in rows])
            for row in rows:
                if row["parent_id"] is not None:
                    connection.execute(table.update().where(table.c.id == row["id"]).values(parent_id=row["parent_id"]))
        elif rows:
            connection.execute(table.insert(), rows)
    db.session.commit()
    # Rows written in plain SQL pass by the session events that bump the page cache's version.
    page_cache.bump()
