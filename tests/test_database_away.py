"""While the database is briefly away, every page answers 503 with Retry-After and the friendly page
in the shopper's language, the API its error body, and /healthz says so; once it is back the shop
answers again, and no order, unit or mail was lost or doubled by the shopper trying again.

A real outage of the pass's own database, under a real HTTP server (werkzeug, in this process, so
that a test can cut the database at an exact point of a checkout):
- PostgreSQL: a TCP proxy (below) sits between the shop and the server; cutting it closes every
  connection through it and turns new ones away, as a restarting server does.
- SQLite: the folder holding the database file disappears (the shop reaches the file through a
  link that is removed and put back). An open SQLite connection keeps its file, so this shop opens
  one per checkout (NullPool) to meet the outage at its next request, as a new process would.
"""
from __future__ import annotations

import json
import re
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from storefront import create_app
from storefront.cart.models import CartLine
from storefront.catalog.models import Variant
from storefront.checkout import service as checkout_service
from storefront.errors import DATABASE_AWAY_MESSAGE, HTTP_MESSAGES
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.orders.models import Order
from tests.conftest import LiveServer
from tests.factories import checkout_form, make_product, make_user
from tests.social.test_launch import signed_request

# Generous: a page answers in milliseconds during an outage; this only turns a hang into a failure.
TIMEOUT = 30
SHOPPER = checkout_form(email="liga@example.com", full_name="Līga Ozola")


class TcpProxy:
    """127.0.0.1:<port> forwarded to `upstream`, until cut: then every connection through it is
    closed and new ones are accepted and closed at once, until restored."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._up = threading.Event()
        self._up.set()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if not self._up.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=10)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        self._close(source, target)

    def _close(self, *sockets: socket.socket) -> None:
        for sock in sockets:
            with self._lock:
                self._open.discard(sock)
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def cut(self) -> None:
        self._up.clear()
        with self._lock:
            sockets = list(self._open)
        self._close(*sockets)

    def restore(self) -> None:
        self._up.set()

    def close(self) -> None:
        self.cut()
        self.listener.close()


@dataclass
class Outage:
    """The database the shop under test (`url`) reaches, and the switch that takes it away."""

    kind: str
    server_app: object
    url: str
    cut: callable
    restore: callable


def _outage_for(database_url: str, tmp_path: Path):
    """(kind, the URL the shop uses, its engine options, cut, restore, close)."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        return ("postgresql", proxied, {"pool_pre_ping": True}, proxy.cut, proxy.restore, proxy.close)
    real_folder = Path(url.database).parent
    link = tmp_path / "database-folder"
    link.symlink_to(real_folder, target_is_directory=True)

    def cut() -> None:
        if link.is_symlink():
            link.unlink()

    def restore() -> None:
        if not link.is_symlink():
            link.symlink_to(real_folder, target_is_directory=True)

    shop_url = f"sqlite:///{link / Path(url.database).name}"
    return ("sqlite", shop_url, {"pool_pre_ping": True, "poolclass": NullPool}, cut, restore, restore)


@pytest.fixture(scope="module")
def outage(app, database_url, tmp_path_factory):
    """The shop on the test database, reached through something a test can cut, served over HTTP."""
    folder = tmp_path_factory.mktemp("database-away")
    kind, url, engine_options, cut, restore, close = _outage_for(database_url, folder)
    server_app = create_app({
        **{key: app.config[key] for key in (
            "TESTING", "SECRET_KEY", "UPLOAD_FOLDER", "WTF_CSRF_ENABLED", "TASKS_IMMEDIATE", "HUEY_URL",
            "PUBLIC_BASE_URL", "FRAME_ANCESTORS", "EMBEDDED_COOKIES", "DEMO_PAGE", "SOCIAL_APPS", "SMTP_HOST",
            "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE",
            "SERVER_NAME", "PAGE_CACHE_URL")},
        "INSTANCE_PATH": str(folder / "instance"),
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
    })
    server = LiveServer(server_app).start()
    yield Outage(kind, server_app, server.url, cut, restore)
    restore()
    server.stop()
    with server_app.app_context():
        db.engine.dispose()
    close()


@pytest.fixture
def away(outage):
    """The outage, always ended by the end of the test (the test's cleanup needs the database)."""
    yield outage
    outage.restore()


# --- a shopper with a cookie jar ----------------------------------------------------------------

@dataclass
class Answer:
    status: int
    headers: dict
    text: str

    @property
    def json(self):
        return json.loads(self.text)

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Shopper:
    """A browser in one language: cookies kept, redirects shown rather than followed."""

    def __init__(self, base: str, language: str = "lv"):
        self.base, self.language = base, language
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirects)

    def request(self, method: str, path: str, *, form: dict | None = None, body: dict | None = None,
                headers: dict | None = None) -> Answer:
        data, sent = None, {"Accept-Language": self.language, **(headers or {})}
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                return Answer(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read().decode())

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Answer:
        return self.request("POST", path, **kwargs)

    def ready_to_place(self, product) -> str:
        """Cart, details and the review page: the total shown, to place the order with."""
        assert self.post("/cart/add", form={"variant_id": product.variants[0].id, "quantity": 2}).status == 303
        assert self.post("/checkout", form=SHOPPER).location.endswith("/checkout/review")
        review = self.get("/checkout/review")
        assert review.status == 200
        return re.search(r'name="shown_total"[^>]*value="(\d+)"', review.text).group(1)


def translated(server_app, text, language: str) -> str:
    with server_app.test_request_context(), force_locale(language):
        return str(text)


def assert_friendly_503(answer: Answer, server_app, language: str, message=DATABASE_AWAY_MESSAGE) -> None:
    assert answer.status == 503, answer.text[:500]
    assert answer.headers["Retry-After"] == str(server_app.config["RETRY_AFTER_SECONDS"])
    assert "no-store" in answer.headers["Cache-Control"].split(", ")
    assert "text/html" in answer.headers["Content-Type"]
    assert f'<html lang="{language}"' in answer.text
    assert translated(server_app, HTTP_MESSAGES[503][0], language) in answer.text
    assert translated(server_app, message, language) in answer.text


# --- what the database holds ----------------------------------------------------------------------

def facts(variant_id: int) -> dict:
    db.session.commit()  # a fresh snapshot: the server wrote in its own session
    count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
    return {"orders": count(Order), "mails": count(OutboundEmail), "cart lines": count(CartLine),
            "stock": db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id))}


@pytest.fixture
def product():
    return make_product(title="Dzintars pullover", variants=[{"price": 8900, "stock": 5}])


# --- pages, the API and the health check --------------------------------------------------------

def test_every_page_answers_503_in_the_shoppers_language_while_the_database_is_away(away, product):
    app = away.server_app
    category_slug, product_slug = product.category.slug, product.slug  # read in the test's own session
    with app.test_request_context():
        pages = [url_for("catalog.category", slug=category_slug), url_for("catalog.product", slug=product_slug),
                 "/search?q=pullover"]
    latvian, tab_visitor = Shopper(away.url, "lv"), Shopper(away.url, "en")
    # Launched from the shop's Facebook tab in Spanish: the language is in the session.
    assert tab_visitor.post("/tab", form={"signed_request": signed_request(locale="es_ES")}).status == 303
    assert tab_visitor.post("/cart/add", form={"variant_id": product.variants[0].id, "quantity": 1}).status == 303
    assert latvian.get("/").status == 200  # now in the page cache, for every Latvian visitor
    assert latvian.get("/cart/").status == 200  # the live offers are kept by the server from here on

    away.cut()
    cached = latvian.get("/")
    assert (cached.status, cached.headers["X-Cache"]) == (200, "HIT")  # a cached page still answers
    for path in pages:
        answer = latvian.get(path)
        assert_friendly_503(answer, app, "lv")
        assert f'href="{path}"' in answer.text  # "try again"
        assert_friendly_503(tab_visitor.get(path), app, "es")  # the session's language
    assert_friendly_503(Shopper(away.url, "en").get("/search?q=hat&lang=es"), app, "es")  # ?lang= first
    assert_friendly_503(tab_visitor.get("/cart/"), app, "es")  # a cart to read
    assert latvian.get("/cart/").status == 200  # none: an empty cart reads nothing
    assert_friendly_503(Shopper(away.url, "en-GB,en;q=0.8").get(pages[1]), app, "en")

    api = latvian.get("/api/v1/products")
    assert api.status == 503 and api.headers["Retry-After"] == str(app.config["RETRY_AFTER_SECONDS"])
    assert api.json == {"error": {"code": "database_unavailable", "field": None,
                                  "message": translated(app, DATABASE_AWAY_MESSAGE, "lv")}}
    health = latvian.get("/healthz")
    assert (health.status, health.json) == (503, {"status": "error", "database": "unavailable"})
    assert health.headers["Retry-After"] == str(app.config["RETRY_AFTER_SECONDS"])

    away.restore()
    for path in pages:
        assert latvian.get(path).status == 200, path
    assert latvian.get("/healthz").json == {"status": "ok", "database": "ok"}


# --- checking out across an outage --------------------------------------------------------------

def test_placing_an_order_while_the_database_is_away_writes_nothing_and_the_retry_orders_once(away, product):
    shopper = Shopper(away.url, "lv")
    shown_total = shopper.ready_to_place(product)
    before = facts(product.variants[0].id)

    away.cut()
    refused = shopper.post("/checkout/place", form={"shown_total": shown_total},
                           headers={"Referer": f"{away.url}/checkout/review"})
    assert_friendly_503(refused, away.server_app, "lv")
    assert 'href="/checkout/review"' in refused.text  # "try again" goes back to the form
    away.restore()
    assert facts(product.variants[0].id) == before == {"orders": 0, "mails": 0, "cart lines": 1, "stock": 5}

    again = shopper.get("/checkout/review")
    placed = shopper.post("/checkout/place", form={"shown_total": shown_total})
    assert again.status == 200 and "/orders/" in placed.location, placed.status
    pressed_twice = shopper.post("/checkout/place", form={"shown_total": shown_total})
    assert pressed_twice.location == placed.location
    assert facts(product.variants[0].id) == {"orders": 1, "mails": 1, "cart lines": 0, "stock": 3}


def test_an_order_committed_just_before_the_database_went_away_is_not_placed_again(away, product,
                                                                                   monkeypatch):
    """The worst moment: the order is written, then the database goes before the shopper hears of
    it. They see the 503, try again, and are shown the order they already have."""
    shopper = Shopper(away.url, "lv")
    shown_total = shopper.ready_to_place(product)
    place_order = checkout_service.place_order

    def place_then_lose_the_database(*args, **kwargs):
        order = place_order(*args, **kwargs)
        away.cut()
        return order

    monkeypatch.setattr(checkout_service, "place_order", place_then_lose_the_database)
    refused = shopper.post("/checkout/place", form={"shown_total": shown_total})
    monkeypatch.setattr(checkout_service, "place_order", place_order)
    assert_friendly_503(refused, away.server_app, "lv")
    away.restore()
    assert facts(product.variants[0].id) == {"orders": 1, "mails": 1, "cart lines": 0, "stock": 3}

    retried = shopper.post("/checkout/place", form={"shown_total": shown_total})
    [order] = db.session.scalars(sa.select(Order)).all()
    assert retried.status == 303 and retried.location.endswith(f"/orders/{order.tracking_token}?placed=1")
    assert facts(product.variants[0].id) == {"orders": 1, "mails": 1, "cart lines": 0, "stock": 3}


def test_a_checkout_cut_off_inside_its_transaction_leaves_nothing_half_written(away, product, monkeypatch):
    if away.kind != "postgresql":
        pytest.skip("a connection lost mid-transaction is PostgreSQL's; an open SQLite file keeps working")
    shopper = Shopper(away.url, "lv")
    shown_total = shopper.ready_to_place(product)
    add_event = checkout_service.add_event

    def lose_the_database_then_add_event(*args, **kwargs):
        # By now the stock is taken and the order row inserted, in the open transaction.
        away.cut()
        return add_event(*args, **kwargs)

    monkeypatch.setattr(checkout_service, "add_event", lose_the_database_then_add_event)
    refused = shopper.post("/checkout/place", form={"shown_total": shown_total})
    monkeypatch.setattr(checkout_service, "add_event", add_event)
    assert_friendly_503(refused, away.server_app, "lv")
    away.restore()
    assert facts(product.variants[0].id) == {"orders": 0, "mails": 0, "cart lines": 1, "stock": 5}

    assert "/orders/" in shopper.post("/checkout/place", form={"shown_total": shown_total}).location
    assert facts(product.variants[0].id) == {"orders": 1, "mails": 1, "cart lines": 0, "stock": 3}


def test_the_api_answers_503_in_its_error_shape_and_the_retried_order_is_placed_once(away, product):
    client = Shopper(away.url, "es")
    cart = client.post("/api/v1/carts", body={})
    token = cart.json["token"]
    assert client.post(f"/api/v1/carts/{token}/lines", body={"variant_id": product.variants[0].id,
                                                            "quantity": 1}).status in (200, 201)
    order_body = checkout_form(cart_token=token)

    away.cut()
    refused = client.post("/api/v1/orders", body=order_body)
    assert refused.status == 503
    assert refused.headers["Retry-After"] == str(away.server_app.config["RETRY_AFTER_SECONDS"])
    assert refused.json["error"] == {"code": "database_unavailable", "field": None,
                                     "message": translated(away.server_app, DATABASE_AWAY_MESSAGE, "es")}
    away.restore()
    assert facts(product.variants[0].id) == {"orders": 0, "mails": 0, "cart lines": 1, "stock": 5}

    placed = client.post("/api/v1/orders", body=order_body)
    assert placed.status == 201, placed.text
    assert facts(product.variants[0].id) == {"orders": 1, "mails": 1, "cart lines": 0, "stock": 4}


def test_a_staff_member_signed_in_still_gets_the_friendly_page(away, product):
    """The layout asks who is signed in; with the database away that question must not fail."""
    make_user("admin@example.com", "admin", "correct horse battery")
    staff = Shopper(away.url, "en")
    login = staff.get("/account/login")
    signed_in = staff.post("/account/login", form={"email": "admin@example.com",
                                                   "password": "correct horse battery"})
    assert login.status == 200 and signed_in.status in (302, 303), signed_in.status
    away.cut()
    assert_friendly_503(staff.get("/"), away.server_app, "en")
