"""Helpers of the tests of what each process keeps between requests (`page_cache.remembered`):
the statements a page runs, and a second app as another node or process on the same database
and store."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask

from storefront import create_app
from storefront.extensions import db

SHARED_SETTINGS = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "UPLOAD_FOLDER", "TASKS_IMMEDIATE",
                   "HUEY_URL", "PAGE_CACHE_URL", "RATELIMIT_STORAGE_URI")


@contextmanager
def statements_like(pattern: str = "") -> Iterator[list[str]]:
    """The statements run meanwhile that `pattern` finds (every one by default), as they run."""
    found = re.compile(pattern)
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if found.search(statement):
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


@contextmanager
def another_process(app: Flask) -> Iterator[Flask]:
    """A second app on the same database and page store, in an app context of its own: what it
    commits bumps the versions in the shared store, as another node's writes do. This test's
    session is rolled back afterwards, so that it reads what the other wrote."""
    other = create_app({key: app.config[key] for key in SHARED_SETTINGS} | {"INSTANCE_PATH": app.instance_path})
    try:
        with other.app_context():
            yield other
    finally:
        with other.app_context():
            db.engine.dispose()
        db.session.rollback()
