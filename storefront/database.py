"""Database plumbing shared by every model: aware UTC timestamps and per-dialect connection setup.

Timestamps are stored in UTC and always come back timezone-aware, on SQLite (which keeps no zone)
as on PostgreSQL (`timestamptz`). Column defaults are callables, evaluated per row.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every database; naive values are refused, not guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the shop stores aware UTC datetimes only")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    # SQLite enforces foreign keys only when asked, per connection; WAL lets readers work while a
    # writer commits, and busy_timeout makes concurrent writers wait instead of failing at once.
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return
    # Ordinary transactions keep the driver's behaviour: reads run outside a transaction and the
    # driver opens one just before the first write, so a read-then-write never holds an old
    # snapshot (upgrading a stale read transaction fails at once with "database is locked",
    # whatever busy_timeout says). Use cases that must check and write under one lock ask for
    # BEGIN IMMEDIATE, which takes the write lock first and waits for it.
    if conn.get_execution_options().get("sqlite_immediate", False):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def begin_write() -> None:
    """Start the use case's writing transaction; call it before the use case reads anything.

    Ends whatever transaction the request had open (committing nothing of substance: views call
    services before changing anything), then opens one that holds SQLite's write lock from its
    first statement. On PostgreSQL this is an ordinary transaction; row locks and conditional
    UPDATEs do the work there.
    """
    from .extensions import db

    session = db.session()
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={"sqlite_immediate": True})
