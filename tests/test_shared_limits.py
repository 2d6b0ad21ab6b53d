"""Several app nodes share one Redis (REDIS_URL): the rate limits count across them, and a task one
node queues is run by a worker elsewhere.

Two real server processes (gunicorn) play the nodes, on the test database, with REDIS_URL pointing
at database 15 of the local Redis; nothing else is configured, so the settings' fallbacks to
REDIS_URL are what is tested. Each test has a loopback address of its own to send from (the rate
limits count per address) and removes the keys it made.

Without Redis (`make run`), the limits count in a SQLite file of the instance folder that every
worker process opens: two processes on one folder, and the four-worker gunicorn_server, show the
per-address and per-account sign-in limits holding across processes, under concurrent requests.
"""
from __future__ import annotations

import http.client
import os
import random
import re
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa

from storefront.extensions import SqliteLimitStorage, db
from storefront.mail.models import OutboundEmail
from storefront.orders.models import Order
from tests.concurrency import at_once
from tests.conftest import free_port, skip_or_fail, wait_for
from tests.factories import make_order, make_user

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
QUEUE = "huey.redis.storefront"  # huey's list of waiting tasks for the queue named "storefront"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis is not reachable at {REDIS_URL} ({error})")
    yield client
    client.close()


@pytest.fixture
def new_address(redis_client):
    """Makes loopback addresses of this test's own to send from; the rate-limit keys counted for
    them are removed afterwards."""
    made = []

    def new() -> str:
        made.append(f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}")
        return made[-1]

    yield new
    for address in made:
        for key in redis_client.scan_iter(match=f"*/{address}/*"):
            redis_client.delete(key)
    # The per-account sign-in counts (keyed by a hash of the e-mail tried) are this module's too.
    for key in redis_client.scan_iter(match="*/account:*"):
        redis_client.delete(key)


def node_env(app, database_url: str, **extra: str) -> dict[str, str]:
    """A node's environment: the shared database, secret key and Redis; the fallbacks to REDIS_URL
    decide where rate limits and tasks go (an empty setting falls back)."""
    return dict(os.environ, DATABASE_URL=database_url, INSTANCE_PATH=app.instance_path,
                SECRET_KEY=app.config["SECRET_KEY"], UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"],
                REDIS_URL=REDIS_URL, RATELIMIT_STORAGE_URI="", HUEY_URL="", TASKS_IMMEDIATE="false",
                PAGE_CACHE_URL="memory://", MEDIA_STORAGE="local", SMTP_HOST="") | extra


class Node:
    """One app node: gunicorn, one worker process, on a free loopback port."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "2", "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)

    @classmethod
    def at(cls, url: str) -> "Node":
        """A server started elsewhere (the gunicorn_server fixture), to send to like a node."""
        node = cls.__new__(cls)
        node.url = url
        return node

    def ready(self) -> bool:
        try:
            return urllib.request.urlopen(f"{self.url}/healthz", timeout=1).status == 200
        except OSError:
            return self.process.poll() is not None

    def stop(self) -> None:
        self.process.send_signal(2)  # SIGINT: gunicorn's quick shutdown
        self.process.wait(timeout=15)


@pytest.fixture(scope="module")
def two_nodes(app, database_url, redis_client):
    env = node_env(app, database_url, LOGIN_RATE_LIMIT="3 per hour", LOGIN_ACCOUNT_RATE_LIMIT="100 per hour")
    nodes = [Node(env), Node(env)]
    try:
        for node in nodes:
            # Two processes importing the app on a loaded 2-core machine can take a while.
            wait_for(node.ready, timeout=120)
            if node.process.poll() is not None:
                pytest.fail("an app node did not start")
        yield nodes
    finally:
        for node in nodes:
            node.stop()


class Visitor:
    """A browser sending from its own loopback address, keeping its cookies."""

    def __init__(self, address: str):
        self.address, self.cookies = address, {}

    def send(self, url: str, method: str = "GET", form: dict | None = None) -> tuple[int, str]:
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30,
                                                source_address=(self.address, 0))
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body,
                               headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return response.status, text

    def token(self, url: str) -> str:
        status, page = self.send(url)
        assert status == 200, (url, status)
        found = CSRF.search(page)
        assert found, f"no form token on {url}"
        return found.group(1) or found.group(2)

    def sign_in(self, node: Node, email: str, password: str) -> int:
        token = self.token(f"{node.url}/account/login")
        return self.send(f"{node.url}/account/login", "POST",
                         {"csrf_token": token, "email": email, "password": password})[0]


def test_the_sign_in_limit_counts_across_two_app_nodes(two_nodes, new_address):
    first, second = two_nodes
    make_user("staff@example.com", "admin", PASSWORD)
    db.session.commit()
    visitor = Visitor(new_address())
    # Three wrong passwords, spread over both nodes: each node alone has seen fewer than its limit.
    assert [visitor.sign_in(node, "staff@example.com", "wrong") for node in (first, second, first)] == [401] * 3
    # The fourth try is refused wherever it lands, the right password included: one count.
    assert visitor.sign_in(second, "staff@example.com", "wrong") == 429
    assert visitor.sign_in(first, "staff@example.com", PASSWORD) == 429
    # Another address still signs in: the count is per address, not the shop's.
    assert Visitor(new_address()).sign_in(second, "staff@example.com", PASSWORD) == 302


@pytest.fixture
def empty_queue(redis_client):
    """The queue's keys in Redis, emptied before and after (they are this module's alone)."""
    names = [QUEUE, "huey.schedule.storefront", "huey.results.storefront"]
    redis_client.delete(*names)
    yield
    redis_client.delete(*names)


def test_a_task_queued_by_one_node_is_run_by_a_worker(app, database_url, two_nodes, new_address, redis_client,
                                                      empty_queue, smtp_server):
    node = two_nodes[1]
    with app.test_request_context("/"):
        order = make_order()
    make_user("orders@example.com", "admin", PASSWORD)
    db.session.commit()
    order_id, number = order.id, order.number
    staff = Visitor(new_address())
    assert staff.sign_in(node, "orders@example.com", PASSWORD) == 302
    token = staff.token(f"{node.url}/admin/orders/{order_id}")

    status, _ = staff.send(f"{node.url}/admin/orders/{order_id}/mark-paid", "POST", {"csrf_token": token})
    assert status == 303
    db.session.commit()
    receipt = db.session.scalar(sa.select(OutboundEmail).where(OutboundEmail.order_id == order_id,
                                                               OutboundEmail.kind == "receipt"))
    assert receipt is not None and receipt.status == "pending"
    # The node handed the mail to the queue in Redis; no worker runs yet, so it waits there.
    queued = redis_client.lrange(QUEUE, 0, -1)
    assert len(queued) == 1

    worker = subprocess.Popen(
        [sys.executable, "-m", "huey.bin.huey_consumer", "storefront.worker.huey", "--workers", "1",
         "--worker-type", "thread", "--quiet"], cwd=ROOT,
        env=node_env(app, database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.controller.port)))
    try:
        def receipt_sent() -> bool:
            db.session.rollback()  # see what the worker committed
            status = db.session.scalar(sa.select(OutboundEmail.status).where(OutboundEmail.id == receipt.id))
            return status == "sent" or worker.poll() is not None

        wait_for(receipt_sent, timeout=60)
        assert worker.poll() is None, "the worker exited"
    finally:
        worker.send_signal(2)
        worker.wait(timeout=30)
    # The worker took it off the queue. (Its scheduler may have queued the every-minute periodic
    # tasks meanwhile, as a minute began: those may still wait, and are not this test's.)
    assert queued[0] not in redis_client.lrange(QUEUE, 0, -1)
    assert any(number in message["Subject"] and message["To"] == receipt.recipient
               for message in smtp_server.messages)
    assert db.session.get(Order, order_id).status == "paid"


# --- one machine without Redis: `make run`'s workers share a SQLite file -------------------------

_addresses = iter(range(1, 10**6))


def own_address() -> str:
    """A loopback address no other test sends from (the rate limits count per address)."""
    n = next(_addresses) + random.randint(0, 200) * 10**4
    return f"127.{200 + n % 50}.{(n // 50) % 250 + 1}.{(n // 12500) % 250 + 2}"


@pytest.fixture(scope="module")
def two_nodes_without_redis(app, database_url):
    """Two server processes on one instance folder and no Redis, as `make run`'s workers are: the
    limits' only common ground is the SQLite file the default setting names there."""
    env = node_env(app, database_url, REDIS_URL="", LOGIN_RATE_LIMIT="3 per hour",
                   LOGIN_ACCOUNT_RATE_LIMIT="100 per hour")
    nodes = [Node(env), Node(env)]
    try:
        for node in nodes:
            wait_for(node.ready, timeout=120)
            if node.process.poll() is not None:
                pytest.fail("an app node did not start")
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def test_without_redis_the_sign_in_limit_counts_across_processes(two_nodes_without_redis):
    first, second = two_nodes_without_redis
    make_user("file@example.com", "admin", PASSWORD)
    db.session.commit()
    visitor = Visitor(own_address())
    assert [visitor.sign_in(node, "file@example.com", "wrong") for node in (first, second, first)] == [401] * 3
    # Each process alone has seen at most two: only a shared count refuses the fourth.
    assert visitor.sign_in(second, "file@example.com", "wrong") == 429
    assert visitor.sign_in(first, "file@example.com", PASSWORD) == 429
    assert Visitor(own_address()).sign_in(second, "file@example.com", PASSWORD) == 302


def post_sign_ins(server_url: str, attempts: list[tuple[Visitor, str, str]]) -> list[int]:
    """Each visitor fetches the form (its token and cookie), then all send at once."""
    url = f"{server_url}/account/login"
    tokens = [visitor.token(url) for visitor, _, _ in attempts]

    def attempt(visitor: Visitor, token: str, email: str, password: str):
        return lambda: visitor.send(url, "POST", {"csrf_token": token, "email": email, "password": password})[0]

    return at_once([attempt(visitor, token, email, password)
                    for (visitor, email, password), token in zip(attempts, tokens)])


def test_wrong_passwords_from_many_addresses_hit_the_per_account_limit_on_every_worker(gunicorn_server):
    """Credential stuffing: one account, a different address for each guess, four worker processes."""
    make_user("stuffed@example.com", "admin", PASSWORD)
    db.session.commit()
    statuses = post_sign_ins(gunicorn_server, [(Visitor(own_address()), "stuffed@example.com", f"guess {n}")
                                               for n in range(14)])
    # LOGIN_ACCOUNT_RATE_LIMIT's default: 10 per 10 minutes, counted once across the workers.
    assert sorted(statuses) == [401] * 10 + [429] * 4, statuses
    # The right password from yet another address waits too.
    assert Visitor(own_address()).sign_in(Node.at(gunicorn_server), "stuffed@example.com", PASSWORD) == 429


def test_wrong_passwords_from_one_address_hit_the_per_address_limit_on_every_worker(gunicorn_server):
    make_user("target@example.com", "admin", PASSWORD)
    db.session.commit()
    address = own_address()
    statuses = post_sign_ins(gunicorn_server, [(Visitor(address), f"someone{n}@example.com", "wrong password")
                                               for n in range(9)])
    # LOGIN_RATE_LIMIT's default: 5 per minute from one address, whichever worker answers.
    assert sorted(statuses) == [401] * 5 + [429] * 4, statuses
    assert Visitor(address).sign_in(Node.at(gunicorn_server), "target@example.com", PASSWORD) == 429


def test_the_sqlite_store_counts_every_hit_once_and_starts_a_new_window_when_one_ends(tmp_path):
    store = SqliteLimitStorage(f"sqlite:///{tmp_path / 'limits.db'}")
    jobs = [lambda: [store.incr("LIMITER/a", 600) for _ in range(25)] for _ in range(8)]
    at_once(jobs)
    assert store.get("LIMITER/a") == 200  # eight threads, no hit lost to a race
    assert store.get_expiry("LIMITER/a") > 0
    # A window that has ended (its expiry in the past) counts from one again.
    assert store.incr("LIMITER/b", -1) == 1
    assert store.get("LIMITER/b") == 0
    assert store.incr("LIMITER/b", 600) == 1
    assert store.incr("LIMITER/b", 600) == 2
    store.clear("LIMITER/b")
    assert store.get("LIMITER/b") == 0 and store.check()
    assert store.reset() == 1 and store.get("LIMITER/a") == 0


class LockedAtFirst:
    """A connection whose first statements meet "database is locked" at once, as when several
    gunicorn workers open a new counters file together and each asks for WAL mode (SQLite finds
    the deadlock and refuses one of them without waiting)."""

    def __init__(self, connection, refusals: int):
        self.connection, self.refusals = connection, refusals

    def execute(self, sql: str, *args):
        if self.refusals:
            self.refusals -= 1
            raise sqlite3.OperationalError("database is locked")
        return self.connection.execute(sql, *args)


def test_the_sqlite_store_puts_a_new_file_in_wal_mode_though_another_worker_holds_it_a_moment(tmp_path):
    connection = sqlite3.connect(tmp_path / "limits.db", isolation_level=None)
    SqliteLimitStorage._use_wal(LockedAtFirst(connection, refusals=3))
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(sqlite3.OperationalError):  # a lock that never goes is an error, not a hang
        SqliteLimitStorage._use_wal(LockedAtFirst(sqlite3.connect(tmp_path / "other.db"), refusals=5), attempts=5)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):  # any other error is not waited out
        SqliteLimitStorage._use_wal(Broken())


class Broken:
    def execute(self, sql: str, *args):
        raise sqlite3.OperationalError("disk I/O error")
