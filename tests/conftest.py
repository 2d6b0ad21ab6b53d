"""Test fixtures: one app per run, a clean database per test, on SQLite or PostgreSQL.

The database comes from TEST_DATABASE_URL. For PostgreSQL, a throwaway database is created on that
server for this run (and each xdist worker) and dropped at the end. The schema is built by the
Alembic migrations, as in production. Under CI=true, a test that needs PostgreSQL or Chromium and
cannot have it fails instead of skipping (see `skip_or_fail`).
"""
from __future__ import annotations

import json
import os
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from storefront import config, create_app, page_cache
from storefront.extensions import db, limiter
from storefront.orders.models import Order

IN_CI = os.environ.get("CI", "").lower() == "true"
WEBHOOK_SECRET = "whsec_local_test_secret"
TEST_PASSWORD_HASH = "scrypt:1024:8:1"  # ~1 ms; the shop's default is werkzeug's scrypt:32768:8:1
ARTIFACTS = Path(__file__).parent / "artifacts"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "database_independent: checks nothing that differs between SQLite and PostgreSQL "
        "(pure functions, the message catalogs, the browser sweeps' HTML/CSS and axe checks); the "
        "PostgreSQL pass of `make test` deselects these tests (-m 'not database_independent')")
    config.addinivalue_line(
        "markers", "browser_ui: drives Chromium through back-office or reading pages whose server side "
        "(every query, write and limit) the HTTP tests cover on both databases; the PostgreSQL pass "
        "leaves these out too. A shopper's way to paying (cart, checkout, card, social tab, offers) "
        "runs in the browser on both.")


# Tests that drive Chromium or start servers take seconds each, the rest milliseconds.
SLOW_FIXTURES = frozenset({"browser", "page", "live_server", "gunicorn_server"})


@pytest.hookimpl(trylast=True)  # after `-m` has deselected
def pytest_collection_modifyitems(config, items):
    """Order the run so that neither test process ends on a long queue of slow tests.

    pytest-xdist's worksteal hands each of the two processes a contiguous half of this order, and
    a process that runs out takes tests from the end of the other's queue. The modules with slow
    tests (kept whole, for their module-scoped fixtures) go at the start of each half, dealt
    alternately from the slowest; the fast ones fill the rest, so the run ends on tests that take
    milliseconds, whichever process has them."""
    modules: dict[object, list] = {}
    for item in items:
        modules.setdefault(item.module, []).append(item)

    def slow_count(tests) -> int:
        return sum(1 for test in tests if SLOW_FIXTURES & set(test.fixturenames))

    slow = sorted((tests for tests in modules.values() if slow_count(tests)), key=slow_count, reverse=True)
    fast = [test for tests in modules.values() if not slow_count(tests) for test in tests]
    first = [test for tests in slow[0::2] for test in tests]
    second = [test for tests in slow[1::2] for test in tests]
    split = max(0, len(items) // 2 - len(first))
    items[:] = first + fast[:split] + second + fast[split:]


def skip_or_fail(reason: str) -> None:
    """Skip a test whose real part is missing here; in CI, the missing part is a failure."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def _postgres_test_database(base_url: str):
    """Create a fresh database on the server named by `base_url`; return its URL and a dropper."""
    from sqlalchemy.engine import make_url

    url = make_url(base_url.replace("postgresql://", "postgresql+psycopg://", 1)
                   if base_url.startswith("postgresql://") else base_url)
    name = f"shop_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session", autouse=True)
def default_instance_folder(tmp_path_factory):
    """What falls back to the default instance folder (a secret key, an upload, a queue file)
    writes into a temporary one: a test run leaves nothing in the repository's instance/."""
    patch = pytest.MonkeyPatch()
    folder = tmp_path_factory.mktemp("default-instance")
    patch.setattr(config, "INSTANCE_PATH", folder)
    patch.setenv("INSTANCE_PATH", str(folder))  # for the servers tests start in subprocesses
    yield folder
    patch.undo()


@pytest.fixture(scope="session", autouse=True)
def servers_shed_nothing():
    """The servers tests start in subprocesses (gunicorn nodes of their own) shed no page read that
    waited in the accept queue: on a loaded 2-core machine a test's lone GET of a sign-in or
    settings page can wait past MAX_QUEUE_WAIT_MS (or past the 150 ms target, once the queue
    looks standing), and its 503 is the machine's doing, not what the test is about. Shedding has
    its own tests (tests/test_shedding.py), which set the limit on the app they use."""
    patch = pytest.MonkeyPatch()
    patch.setenv("MAX_QUEUE_WAIT_MS", "0")
    yield
    patch.undo()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = os.environ.get("TEST_DATABASE_URL", "")
    if base.startswith("postgres"):
        url, drop = _postgres_test_database(base)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "WTF_CSRF_ENABLED": False,
        "TASKS_IMMEDIATE": True,
        "HUEY_URL": "memory://",  # tasks run in-process; never a queue file in the repo's instance/
        # The page cache is on, as in production, in the instance folder's SQLite file that the
        # servers tests start (gunicorn_server) also open by default: a test's writes bump the
        # version they read (the cache's own tests are in tests/test_page_cache.py).
        "PAGE_CACHE_URL": f"sqlite:///{instance / 'page_cache.db'}",
        "PUBLIC_BASE_URL": "http://shop.test",
        # Pinned, so that a developer's REDIS_URL never puts the tests' counters (which they reset)
        # or files in a shared store: the tests of those stores set them up themselves.
        "RATELIMIT_STORAGE_URI": "memory://",
        "MEDIA_STORAGE": "local",
        # Pinned, so that a developer's environment (or make run's settings) cannot leak in.
        "FRAME_ANCESTORS": [],
        "EMBEDDED_COOKIES": False,
        "DEMO_PAGE": True,
        "SOCIAL_APPS": config.DEMO_SOCIAL_APPS,
        "SMTP_HOST": "",
        "STRIPE_SECRET_KEY": "", "STRIPE_PUBLISHABLE_KEY": "", "STRIPE_WEBHOOK_SECRET": "",
        "STRIPE_API_BASE": "",
        "SERVER_NAME": None,
        # Werkzeug's scrypt costs ~100-250 ms a hash; some 150 tests create staff members. A
        # stored hash names its own cost, so signing in checks these at theirs
        # (tests/accounts/test_passwords_hash.py checks the production default).
        "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH,
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _empty_all_tables() -> None:
    # DELETE, children first: the tables hold a handful of rows, and PostgreSQL's TRUNCATE of
    # twenty tables costs about a second per test (it rewrites files), DELETE a few milliseconds.
    # Both databases check categories.parent_id's RESTRICT row by row: unlink first.
    # Plain SQL on the session's connection: fifty ORM-level `table.delete()`s cost ~130 ms a test
    # (most of it SQLAlchemy's, not the database's); PostgreSQL takes them in one round trip.
    connection = db.session.connection()
    quote = connection.dialect.identifier_preparer.quote
    statements = ["UPDATE categories SET parent_id = NULL",
                  *(f"DELETE FROM {quote(table.name)}" for table in reversed(db.metadata.sorted_tables))]
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(";\n".join(statements))
    else:  # sqlite3 runs one statement per call
        for statement in statements:
            connection.exec_driver_sql(statement)
    db.session.commit()
    # Plain SQL passes by the session events that bump the page cache's version on a commit
    # that changed what pages show: bump it here, so no test is served a page of the last one.
    page_cache.bump()


@pytest.fixture(autouse=True)
def app_context(app):
    """Each test runs in an app context over an empty database, with fresh rate-limit counters."""
    with app.app_context():
        limiter.reset()
        yield
        db.session.rollback()
        db.session.remove()
        _empty_all_tables()
        db.session.remove()


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Flask reuses an app context that is already pushed (the test's own, see `app_context`), which
    would share `g` and the database session between the test and its requests: stale objects
    and hidden N+1 queries. Each request here starts clean.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_enabled(app):
    """CSRF protection on, as in production, for tests about forms' protection."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter:` … `counter.count` is the number of SQL statements run.

    Counting measures what a page costs to render, so the page cache answers nothing meanwhile
    (a cache hit runs no statement at all, and every count would be an empty 0 == 0).
    """

    class Counter:
        count = 0
        statements: list[str] = []

    @contextmanager
    def counting():
        counter = Counter()
        counter.statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            counter.count += 1
            counter.statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        app.extensions["page_cache_paused"] = True
        try:
            yield counter
        finally:
            app.extensions["page_cache_paused"] = False
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return counting


class LiveServer:
    def __init__(self, app, host: str = "127.0.0.1"):
        self._server = make_server(host, 0, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over real HTTP on a free loopback port, for browsers and concurrent clients."""
    server = LiveServer(app).start()
    yield server
    server.stop()


CHROMIUM_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
EXPECT_TIMEOUT_MS = 15_000
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    executable = next((p for p in CHROMIUM_PATHS if os.path.exists(p)), None)
    if executable is None:
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    # An expect() waits for its condition and returns as soon as it holds: its timeout only bounds
    # how long a broken page takes to fail. Playwright's 5 s is too short for one step of a loaded
    # 2-core machine whose server work is heavy: placing an order (stock, offer counters, the
    # order's mail rendered inline, as TASKS_IMMEDIATE runs tasks) then the tracking page took
    # longer than that on PostgreSQL under load.
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Save a screenshot under tests/artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# A port free_port() found free may be taken (by another test process's server, or a client's
# connection) before the server started on it binds it: a server that died at its start is started
# again on another port, this many times in all.
PORT_TRIES = 3


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sign_in_on_page(page, base_url: str, email: str, password: str) -> None:
    """Sign a staff member in through the sign-in form in the browser `page`, and wait for the
    back office."""
    page.goto(f"{base_url}/account/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/**")


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    """Poll until `predicate()` is truthy; return its value, or fail after `timeout` seconds.

    It returns as soon as the condition holds, so the default is generous: what is waited for is
    another process's work (a Stripe test server's webhook reaching the live server, a server's
    start), which on a loaded 2-core machine can take longer than the 10 s this once gave it."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting after {timeout} s")
        time.sleep(interval)


def fresh(order_id: int) -> Order:
    """The order as the database has it now. Requests, webhooks and other processes write in
    their own sessions: this ends the test's snapshot first."""
    db.session.commit()
    return db.session.get(Order, order_id)


@pytest.fixture(scope="session")
def stripe_server():
    """A local Stripe test server (localstripe) on a free loopback port, for the whole run."""
    import subprocess
    import sys
    import urllib.request

    for _ in range(PORT_TRIES):
        port = free_port()
        process = subprocess.Popen([sys.executable, "-m", "tests.stripe_server", str(port)],
                                   cwd=Path(__file__).parent.parent)
        url = f"http://127.0.0.1:{port}"

        def answers():
            try:
                urllib.request.urlopen(f"{url}/js.stripe.com/v3/", timeout=1)
                return True
            except OSError:
                return process.poll() is not None  # stop waiting if it died

        # Importing localstripe and aiohttp on a loaded 2-core machine can take a while.
        wait_for(answers, timeout=120)
        if process.poll() is None:
            break
    else:
        pytest.fail("the local Stripe test server did not start")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_shop(app, stripe_server, live_server):
    """The shop with card payments on, talking to the local Stripe server, whose signed webhooks
    are delivered to the live server. Stripe's data is reset for each test."""
    import urllib.parse
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{stripe_server}/_config/data", method="DELETE"))
    body = urllib.parse.urlencode({"url": f"{live_server.url}/webhooks/stripe", "secret": WEBHOOK_SECRET})
    urllib.request.urlopen(urllib.request.Request(f"{stripe_server}/_config/webhooks/shop", data=body.encode()))
    settings = {"STRIPE_SECRET_KEY": "sk_test_local", "STRIPE_PUBLISHABLE_KEY": "pk_test_local",
                "STRIPE_API_BASE": stripe_server, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "STRIPE_MAX_NETWORK_RETRIES": 0}
    saved = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    yield stripe_server
    app.config.update(saved)


class SMTPInbox:
    """Messages received by the loopback SMTP server, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on a free loopback port; the app sends its mail there."""
    from aiosmtpd.controller import Controller

    inbox = SMTPInbox()
    for attempt in range(PORT_TRIES):
        # aiosmtpd gives its thread 5 s to start by default: a loaded machine may need longer.
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ready_timeout=60)
        try:
            controller.start()
            break
        except OSError:  # the port was taken since free_port() found it free
            if attempt == PORT_TRIES - 1:
                raise
    saved = (app.config["SMTP_HOST"], app.config["SMTP_PORT"])
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    inbox.controller = controller
    yield inbox
    controller.stop()
    app.config.update(SMTP_HOST=saved[0], SMTP_PORT=saved[1])


@contextmanager
def serving_with_gunicorn(options: list[str], env: dict[str, str], *, stop_timeout: float = 15):
    """`gunicorn OPTIONS wsgi:app` on a free loopback port, with `env` added to this process's
    environment; yields its base URL once /healthz answers, and stops it afterwards (killed if it
    takes more than `stop_timeout` seconds)."""
    import subprocess
    import sys
    import urllib.request

    for _ in range(PORT_TRIES):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
             "wsgi:app"], cwd=Path(__file__).parent.parent, env={**os.environ, **env})
        url = f"http://127.0.0.1:{port}"

        def answers():
            try:
                return urllib.request.urlopen(f"{url}/healthz", timeout=1).status == 200
            except OSError:
                return process.poll() is not None

        # Several processes importing the app on a loaded 2-core machine can take a while: wait
        # long, since a slow start is not what these tests are about.
        wait_for(answers, timeout=120)
        if process.poll() is None:
            break
    else:
        pytest.fail("gunicorn did not start")
    try:
        yield url
    finally:
        process.send_signal(2)  # SIGINT: gunicorn's quick shutdown; TERM waits for idle keep-alives
        try:
            process.wait(timeout=stop_timeout)
        except subprocess.TimeoutExpired:  # a loaded machine: how it stops is not what is tested
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def gunicorn_server(app, database_url):
    """The shop under gunicorn with four worker processes on the test database: for races that
    must cross processes, as in production."""
    env = dict(DATABASE_URL=database_url, INSTANCE_PATH=app.instance_path,
               SECRET_KEY=app.config["SECRET_KEY"], TASKS_IMMEDIATE="true", HUEY_URL="memory://",
               PASSWORD_HASH_METHOD=TEST_PASSWORD_HASH,
               UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"], SMTP_HOST="", PAGE_CACHE_URL=app.config["PAGE_CACHE_URL"],
               # Races fire more checkouts at once than the admission check lets in: they test
               # the limits behind it (tests/checkout/test_admission.py tests the check itself).
               CHECKOUT_MAX_CONCURRENT="0", MAX_QUEUE_WAIT_MS="0",
               STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
               # The same social apps as the test app, so launches signed in tests verify there.
               SOCIAL_APPS=json.dumps(app.config["SOCIAL_APPS"]))
    with serving_with_gunicorn(["--workers", "4", "--threads", "4"], env) as url:
        yield url
