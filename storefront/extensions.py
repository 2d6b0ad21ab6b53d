"""Unbound extension instances, bound to the app in `create_app` (cookiecutter-flask's idiom)."""
from __future__ import annotations

import ipaddress
import os
import sqlite3
import threading
import time
from pathlib import Path

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from limits.storage import Storage
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .api_errors import ApiErrorSchema

# Constraint names are fixed so that Alembic migrations name them the same on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def client_network() -> str:
    """Whom a rate limit counts: the client's IPv4 address, or its IPv6 address's /64 network.
    A home line or a server is given a whole /64 (RFC 6177) and may send from any address in it,
    so a count per IPv6 address gave a guesser 2^64 fresh starts. An IPv4 address written as
    IPv6 (`::ffff:203.0.113.7`, a dual-stack socket) counts as that IPv4 address."""
    remote = request.remote_addr or "127.0.0.1"
    try:
        address = ipaddress.ip_address(remote.split("%", 1)[0])  # without an IPv6 zone ("fe80::1%eth0")
    except ValueError:
        return remote
    if address.version == 4:
        return remote
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((address, 64), strict=False))


limiter = Limiter(key_func=client_network, default_limits=[])


class SqliteLimitStorage(Storage):
    """Rate-limit counters in a SQLite file, for `RATELIMIT_STORAGE_URI=sqlite:///path`.

    `make run` serves with several gunicorn worker processes and, by default, no Redis. With
    `memory://` each worker counted on its own, so a guesser got the limit once per worker (10
    wrong passwords before the first 429 with two workers, and a right one let in after a 429). A
    file every worker of the machine opens gives one count, with nothing to install; several
    machines share Redis instead (REDIS_URL). Each increment is one `INSERT … ON CONFLICT DO
    UPDATE … RETURNING` statement, atomic in SQLite, so concurrent requests never both see a
    count under the limit. Fixed windows only (Flask-Limiter's default strategy).
    """

    STORAGE_SCHEME = ["sqlite"]
    PRUNE_EVERY = 500  # increments between two sweeps of expired counters

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._path = (uri or "")[len("sqlite:///"):]
        if not self._path:
            raise ValueError("RATELIMIT_STORAGE_URI=sqlite:///… needs a file path")
        self._local = threading.local()
        self._increments = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread and process: the app may be imported before gunicorn forks.
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self._path, timeout=60, isolation_level=None, check_same_thread=False)
            self._use_wal(connection)
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("CREATE TABLE IF NOT EXISTS counters"
                               " (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)")
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    @staticmethod
    def _use_wal(connection: sqlite3.Connection, attempts: int = 100) -> None:
        """Put the file in WAL mode (readers never wait for the writer), once for every process.
        Asking for WAL takes the file's exclusive lock, and SQLite answers "database is locked" at
        once, without its busy timeout, while another process holds the file: so a file already in
        WAL mode (every connection after the first) is only read, and the first switch is retried
        while the other workers, starting at the same moment, open it too."""
        for attempt in range(attempts):
            try:
                if connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                    return
                connection.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == attempts - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        # A counter whose window has passed starts again from `amount` (the right-hand sides see
        # the row as it was, so both CASEs test the old expiry).
        count = self._connection().execute(
            "INSERT INTO counters (key, count, expires) VALUES (?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET"
            " count = CASE WHEN counters.expires <= ? THEN excluded.count ELSE counters.count + excluded.count END,"
            " expires = CASE WHEN counters.expires <= ? THEN excluded.expires ELSE counters.expires END"
            " RETURNING count", (key, amount, now + expiry, now, now)).fetchone()[0]
        self._increments += 1
        if self._increments % self.PRUNE_EVERY == 0:
            self._connection().execute("DELETE FROM counters WHERE expires <= ?", (now,))
        return int(count)

    def get(self, key: str) -> int:
        row = self._connection().execute("SELECT count FROM counters WHERE key = ? AND expires > ?",
                                         (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute("SELECT expires FROM counters WHERE key = ? AND expires > ?",
                                         (key, time.time())).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))


class ShopApi(Api):
    """flask-smorest's Api, documenting our error body instead of its own."""

    ERROR_SCHEMA = ApiErrorSchema  # flask-smorest's attribute name
