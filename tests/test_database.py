"""`write_transaction`, the one way the shop writes: it commits, rolls back on any error, refuses to
start inside another write, and on SQLite holds the write lock from its first statement."""
from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from storefront.catalog.models import Category, Variant
from storefront.database import NestedWriteError, write_transaction
from storefront.extensions import db
from tests.factories import make_category, make_product


def names_seen_by_another_connection() -> set[str]:
    """Category names as a separate connection sees them: only what was committed."""
    with db.engine.connect() as connection:
        return set(connection.scalars(sa.select(Category.name)))


class Refused(Exception):
    pass


def test_the_block_commits_when_it_ends():
    with write_transaction():
        db.session.add(Category(name="Hats", slug="hats"))
    assert names_seen_by_another_connection() == {"Hats"}


def test_any_error_rolls_everything_back_and_is_raised_again():
    with pytest.raises(Refused):
        with write_transaction():
            db.session.add(Category(name="Hats", slug="hats"))
            db.session.flush()
            db.session.execute(sa.update(Category).values(name="Caps"))
            raise Refused()
    assert names_seen_by_another_connection() == set()
    assert db.session.scalar(sa.select(sa.func.count(Category.id))) == 0
    with write_transaction():  # and the session is ready for the next use case
        db.session.add(Category(name="Gloves", slug="gloves"))
    assert names_seen_by_another_connection() == {"Gloves"}


def test_it_is_also_a_decorator():
    @write_transaction()
    def add_category(name: str) -> None:
        db.session.add(Category(name=name, slug=name.lower()))

    add_category("Hats")
    add_category("Scarves")
    assert names_seen_by_another_connection() == {"Hats", "Scarves"}


def test_a_write_inside_a_write_is_refused_and_the_outer_one_still_owns_its_transaction():
    with write_transaction():
        db.session.add(Category(name="Hats", slug="hats"))
        with pytest.raises(NestedWriteError):
            with write_transaction():
                db.session.add(Category(name="Inner", slug="inner"))  # never runs
        assert names_seen_by_another_connection() == set()  # the inner one committed nothing
    assert names_seen_by_another_connection() == {"Hats"}


@pytest.mark.parametrize("left_open", ["added", "flushed", "changed", "updated", "deleted"])
def test_a_write_is_refused_while_the_session_holds_writes_nobody_committed(left_open):
    category = make_category("Hats", slug="hats")
    if left_open == "added":
        db.session.add(Category(name="Stray", slug="stray"))
    elif left_open == "flushed":
        db.session.add(Category(name="Stray", slug="stray"))
        db.session.flush()
    elif left_open == "changed":
        category.name = "Caps"
    elif left_open == "updated":
        db.session.execute(sa.update(Category).values(name="Caps"))
    else:
        db.session.delete(category)
    with pytest.raises(NestedWriteError):
        with write_transaction():
            pass
    # Nothing was committed (nor rolled back) on behalf of whoever left the writes open.
    assert names_seen_by_another_connection() == {"Hats"}
    db.session.rollback()


def test_a_read_only_transaction_the_request_had_open_is_no_obstacle():
    make_category("Hats", slug="hats")
    assert db.session.scalar(sa.select(Category.name)) == "Hats"  # a read opens a transaction
    with write_transaction():
        db.session.add(Category(name="Scarves", slug="scarves"))
    assert names_seen_by_another_connection() == {"Hats", "Scarves"}


def test_a_refused_use_case_leaves_nothing_written(app):
    variant_id = make_product(variants=[{"stock": 3}]).variants[0].id

    def sell_two_then_refuse():
        with write_transaction():
            db.session.execute(sa.update(Variant).where(Variant.id == variant_id)
                               .values(stock=Variant.stock - 2))
            db.session.add(Category(name="Half-written", slug="half"))
            db.session.flush()
            raise Refused()

    with pytest.raises(Refused):
        sell_two_then_refuse()
    with db.engine.connect() as connection:
        assert connection.scalar(sa.select(Variant.stock).where(Variant.id == variant_id)) == 3
        assert connection.scalar(sa.select(sa.func.count()).select_from(Category).where(
            Category.slug == "half")) == 0


def test_on_sqlite_the_write_lock_is_held_from_the_first_statement(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("BEGIN IMMEDIATE is SQLite's; PostgreSQL writers lock rows, not the database")
    path = db.engine.url.database
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with write_transaction():
            # Nothing written yet, nothing read: the lock is already taken, so a check made now
            # and the write it allows happen under one lock.
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            assert db.session.scalar(sa.select(sa.func.count(Category.id))) == 0
        other.execute("BEGIN IMMEDIATE")  # released at the commit
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_on_sqlite_an_ordinary_read_takes_no_lock(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("about SQLite's locking")
    make_category("Hats", slug="hats")
    assert db.session.scalar(sa.select(Category.name)) == "Hats"
    other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
