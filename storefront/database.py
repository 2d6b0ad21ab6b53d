"""Database plumbing shared by every model: aware UTC timestamps and per-dialect connection setup.

Timestamps are stored in UTC and always come back timezone-aware, on SQLite (which keeps no zone)
as on PostgreSQL (`timestamptz`). Column defaults are callables, evaluated per row.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import DateTime, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from .extensions import db


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


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


class casefold(FunctionElement):  # noqa: N801 - used as a SQL function, like sa.func.lower
    """Text in lower case in every script, for searches staff type: "ķemeri" finds "Ķemeri".
    PostgreSQL's lower() folds by the database's locale; SQLite's only A–Z, so there it is the
    `unicode_lower` each connection registers (Python's str.lower)."""

    type = sa.String()
    inherit_cache = True


@compiles(casefold)
def _casefold_default(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(casefold, "sqlite")
def _casefold_sqlite(element, compiler, **kw):
    return f"unicode_lower({compiler.process(element.clauses, **kw)})"


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    # SQLite enforces foreign keys only when asked, per connection; WAL lets readers work while a
    # writer commits, and busy_timeout makes concurrent writers wait instead of failing at once.
    # A minute, not seconds: SQLite's busy handler is not first come, first served, so under a
    # rush one unlucky writer can wait many times the average hold (200 checkouts at once on a
    # loaded 2-core machine saw a 500 after 15 s). PostgreSQL queues lock waiters fairly.
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    # SQLite's own lower() folds A–Z only ("Ķemeri" stays "Ķemeri"): `casefold` uses this one.
    dbapi_connection.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")
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


class NestedWriteError(RuntimeError):
    """A write use case was started inside another one: a programming error, never user input."""


def _note_write(session) -> None:
    session.info["wrote"] = True


def _forget_writes(session) -> None:
    session.info.pop("wrote", None)


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context) -> None:
    _note_write(session)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _note_write(state.session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: committed, rolled back or closed
        _forget_writes(session)


def conflict_insert(table):
    """An INSERT into `table` that can say what a conflict does (`on_conflict_do_nothing`,
    `on_conflict_do_update`): PostgreSQL's or SQLite's, by the session's database; both spell it
    alike, and the database decides under its own lock, so concurrent writers never both win."""
    return (postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert)(table)


@contextmanager
def write_transaction() -> Iterator[Session]:
    """Run one write use case in its own transaction: the one way the shop writes.

    Opens a transaction that, on SQLite, holds the write lock from its first statement (`BEGIN
    IMMEDIATE`, so a check and the write it allows happen under one lock); on PostgreSQL it is an
    ordinary transaction, where row locks and conditional UPDATEs do the work. Commits when the
    block ends; rolls back and re-raises on any exception, so a refused use case leaves nothing
    behind. A read-only transaction the request had open is ended first (a rollback: it holds no
    writes). Use it as `with write_transaction():` or as a decorator.

    :raise NestedWriteError: when a write is already open in this session (it would otherwise be
        committed, or rolled back, by a use case that does not own it).
    """
    session = db.session()
    if session.info.get("writing") or session.info.get("wrote") or session.new or session.dirty or session.deleted:
        raise NestedWriteError("a write use case was started while another write is open in this session")
    if session.in_transaction():
        session.rollback()
    session.info["writing"] = True
    try:
        session.connection(execution_options={"sqlite_immediate": True})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop("writing", None)

