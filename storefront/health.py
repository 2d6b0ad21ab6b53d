"""Whether this node can serve: `GET /healthz` for load balancers, and shedding what waited too long.

`/healthz` answers 200 when the app and its database answer; 503 with Retry-After while the
database is away, so a balancer takes the node out until it is back (the body says which:
`{"status": "error", "database": "unavailable"}`). Never cached, never shed.

Shedding. Under overload requests wait in the server's queue, and one that waited long is
probably from a shopper who already gave up; rendering it anyway only makes the next one wait
longer. So a page read (GET, HEAD) that waited too long since its last bytes arrived is answered
at once with 503, Retry-After and the friendly page in the shopper's language, having done
nothing. "Too long" (`QueueWatch`) is MAX_QUEUE_WAIT_MS for a burst; but once the queue *stands*
(CoDel's test: every request of an interval waited longer than QUEUE_TARGET_MS), anything that
waited longer than the target, until an interval passes in which none did. The queue then stays
short, so the pages the page cache answers (which wait in the same queue) stay fast, and the
refusals come fast. The wait is the kernel's own figure for the request's connection (TCP_INFO's
time since data last arrived), read from the socket gunicorn puts in the WSGI environ; a server
that does not hand over its socket (the development server, the test client) sheds nothing.

What is shed is the crowd's browsing. Buying never is: the cart, the checkout, the order's pages
and their API, and any form post or write (checkout work has its own bound,
storefront/checkout/admission.py); nor /healthz, nor static files.

A refusal must cost next to nothing, or refusing nine shoppers in ten would eat the CPU the tenth
needs. `Shedding`, a WSGI middleware between the page cache and Flask, answers a refused page from
a copy of the refusal page that Flask rendered once per language in this process, with the
shopper's own address put in as the "try again" link: no session, no template, no query. The API
is marked instead and refused by Flask in its error body (`shed_what_waited_too_long`). Pages the
page cache holds are answered before either and never shed. Without the middleware the same hook
measures the wait itself, at a full request's cost.
"""
from __future__ import annotations

import html
import socket
import struct
import threading
import time
from urllib.parse import parse_qsl, quote

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_cookie
from werkzeug.test import EnvironBuilder

from . import i18n
from .checkout import admission
from .checkout.admission import CheckoutBusy
from .errors import Unavailable
from .extensions import db
from .page_cache import run_whole
from .shop_settings.runtime import applied_version

bp = Blueprint("health", __name__)
NEVER_CACHED = {"Cache-Control": "no-store"}
# Half a second in a queue already doubles the time most pages take; shoppers give up after a few.
DEFAULT_MAX_QUEUE_WAIT_MS = 500
# A queue that stands longer than a page takes to render (a few renders sharing a worker's GIL)
# is overload, not a burst: CoDel's target and interval, scaled from packets to pages.
QUEUE_TARGET_MS = 150
QUEUE_INTERVAL = 0.5
# struct tcp_info (linux/tcp.h): eight one-byte fields, then 32-bit ones; tcpi_last_data_recv
# (milliseconds since data last arrived on the connection) is the 12th of those.
_LAST_DATA_RECV = struct.Struct("=I")
_LAST_DATA_RECV_OFFSET = 8 + 11 * 4
_TCP_INFO_LENGTH = 104
# Blueprints (or endpoints) whose pages are never shed: buying, and what keeps the node in service.
# The deferred form token is asked for as a form is being sent: it is part of that form's post.
NEVER_SHED = frozenset({"health", "static", "cart", "checkout", "tracking", "carts", "orders",
                        "review_pages.form_token"})
SHED_METHODS = frozenset({"GET", "HEAD"})
SHED = "storefront.shed"  # in the WSGI environ: the refusal Flask is asked to render
UNAVAILABLE, BUSY = "unavailable", "busy"
CHECKED = "storefront.queue_checked"  # the wait was judged once already (by the middleware)
# The address the refusal page is rendered for; each copy gets the shopper's own address instead.
PLACEHOLDER_PATH = "/__refused_request_path_5f3c9a__"


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        try:
            db.session.rollback()
        except sa.exc.SQLAlchemyError:
            pass  # the connection is gone; the app context's teardown closes the session
        current_app.logger.warning("health check: database unavailable: %s",
                                   str(getattr(error, "orig", None) or error).strip().partition("\n")[0])
        headers = NEVER_CACHED | {"Retry-After": str(current_app.config["RETRY_AFTER_SECONDS"])}
        return {"status": "error", "database": "unavailable"}, 503, headers
    return {"status": "ok", "database": "ok"}, 200, NEVER_CACHED


def queue_wait_ms(environ) -> int | None:
    """How long ago this request's last bytes arrived, by the kernel's count; None when the server
    does not hand over its socket or the socket cannot say (not TCP, not Linux)."""
    sock = environ.get("gunicorn.socket")
    if sock is None or not hasattr(socket, "TCP_INFO"):
        return None
    try:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return None
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_LENGTH)
    except (OSError, AttributeError):
        return None
    if len(info) < _LAST_DATA_RECV_OFFSET + _LAST_DATA_RECV.size:
        return None
    return _LAST_DATA_RECV.unpack_from(info, _LAST_DATA_RECV_OFFSET)[0]


class QueueWatch:
    """Whether a request waited too long (see the module's docstring); one per process."""

    def __init__(self, limit_ms: int, target_ms: int = QUEUE_TARGET_MS, interval: float = QUEUE_INTERVAL,
                 clock=time.monotonic):
        self.limit_ms, self.target_ms, self.interval, self.clock = limit_ms, target_ms, interval, clock
        self.standing = False  # the queue stands: shed what waited longer than the target
        self._lock = threading.Lock()
        self._ends = clock() + interval
        self._least = self._most = None  # the shortest and longest wait seen in this interval

    def too_long(self, waited_ms: int) -> bool:
        with self._lock:
            now = self.clock()
            if now >= self._ends:
                if self._least is not None and self._least > self.target_ms:
                    self.standing = True
                elif self._most is not None and self._most <= self.target_ms:
                    self.standing = False
                self._least = self._most = None
                self._ends = now + self.interval
            self._least = waited_ms if self._least is None else min(self._least, waited_ms)
            self._most = waited_ms if self._most is None else max(self._most, waited_ms)
            return waited_ms > (self.target_ms if self.standing else self.limit_ms)


def queue_watch(app: Flask) -> QueueWatch | None:
    """This process's watch for `app`; None when shedding is off (MAX_QUEUE_WAIT_MS 0)."""
    limit = app.config.get("MAX_QUEUE_WAIT_MS", DEFAULT_MAX_QUEUE_WAIT_MS)
    if not limit or limit <= 0:
        return None
    watch = app.extensions.get("queue_watch")
    if watch is None or watch.limit_ms != limit:
        watch = app.extensions["queue_watch"] = QueueWatch(limit, min(QUEUE_TARGET_MS, limit))
    return watch


def waited_too_long(environ, app: Flask) -> bool:
    """Whether this request waited too long; every request with a socket counts towards the
    watch's view of the queue, whatever is done with it."""
    environ[CHECKED] = True
    watch = queue_watch(app)
    waited = queue_wait_ms(environ) if watch is not None else None
    return waited is not None and watch.too_long(waited)


def sheddable(blueprint: str | None, endpoint: str | None, method: str) -> bool:
    return method in SHED_METHODS and blueprint not in NEVER_SHED and endpoint not in NEVER_SHED


@bp.before_app_request
def shed_what_waited_too_long() -> None:
    """:raise Unavailable: (503) for a request the middleware marked, or that waited too long."""
    environ = request.environ
    marked = environ.get(SHED)
    if marked:
        raise CheckoutBusy() if marked == BUSY else Unavailable()
    if environ.get(CHECKED):
        return
    if waited_too_long(environ, current_app) and sheddable(request.blueprint, request.endpoint, request.method):
        raise Unavailable()


class Shedding:
    """The WSGI middleware (see the module's docstring): `wrap(app)` puts it in front of Flask.

    It refuses two kinds of request from ready copies: a page read that waited too long
    (Unavailable), and checkout work while this process's checkout slots are all taken
    (CheckoutBusy; the view's own admission check stays the rule, this only spares a refusal the
    cost of a request)."""

    def __init__(self, app: Flask, wsgi_app):
        self.flask = app
        self.wsgi_app = wsgi_app
        self.cookie_name = app.config["SESSION_COOKIE_NAME"]
        self.serializer = app.session_interface.get_signing_serializer(app)
        self.session_max_age = int(app.permanent_session_lifetime.total_seconds())
        # Each refusal's copy, with the monotonic second it is rendered again after.
        self._copies: dict[tuple, tuple[tuple[str, list[tuple[str, str]], bytes], float]] = {}
        self._copies_settings = None  # the settings' version the copies were rendered under
        self._rendering = threading.Lock()

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "")
        waited = waited_too_long(environ, self.flask)  # every request tells the watch about the queue
        if method in SHED_METHODS:
            if waited and self._sheddable_read(environ, method):
                return self.refuse(environ, start_response, UNAVAILABLE, self._own_address(environ))
        elif method == "POST":
            retry = self._busy_checkout(environ)
            if retry is not None:
                return self.refuse(environ, start_response, BUSY, retry)
        return self.wsgi_app(environ, start_response)

    def _endpoint(self, environ, method: str) -> str | None:
        try:
            endpoint, _ = self.flask.url_map.bind_to_environ(environ).match(method=method)
        except HTTPException:
            return None
        return endpoint

    def _sheddable_read(self, environ, method: str) -> bool:
        endpoint = self._endpoint(environ, method)
        if endpoint is None:  # no such page (or a redirect): as cheap to refuse as to answer
            return True
        return sheddable(endpoint.rpartition(".")[0] or None, endpoint, method)

    def _busy_checkout(self, environ) -> str | None:
        """Where to try again, when this is checkout work and every slot is taken; else None."""
        endpoint = self._endpoint(environ, "POST")
        view = self.flask.view_functions.get(endpoint) if endpoint else None
        mark = admission.admission_mark(view, "POST")
        if mark is None or not admission.checkout_gate(self.flask).full:
            return None
        return self.flask.url_map.bind("localhost").build(mark) if mark is not True else ""

    @staticmethod
    def _own_address(environ) -> str:
        address = quote(environ.get("PATH_INFO", "").encode("latin-1"), safe="/:@!$&'()*+,;=-._~%")
        return address + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")

    @staticmethod
    def _wants_json(environ) -> bool:
        # As errors.wants_json decides, cheaply: the API, webhooks, or a client asking for JSON.
        path = environ.get("PATH_INFO", "")
        return path.startswith(("/api/", "/webhooks/")) or "json" in environ.get("HTTP_ACCEPT", "")

    def refuse(self, environ, start_response, kind: str, retry: str):
        as_json = self._wants_json(environ)
        status, headers, body = self.copy(kind, self.language(environ), as_json)
        if not as_json:
            body = body.replace(PLACEHOLDER_PATH.encode(), html.escape(retry).encode())
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    def language(self, environ) -> str:
        """The shopper's language by the shop's one rule (i18n.page_language)."""
        query = environ.get("QUERY_STRING", "")
        requested = dict(parse_qsl(query)).get("lang") if "lang=" in query else None
        language, _ = i18n.page_language(requested, self._session_language(environ),
                                         environ.get("HTTP_ACCEPT_LANGUAGE"),
                                         # read per request: an admin may switch a language off
                                         self.flask.config["LANGUAGES"])
        return language

    def _session_language(self, environ) -> str | None:
        header = environ.get("HTTP_COOKIE")
        if not header or self.cookie_name not in header or self.serializer is None:
            return None
        try:
            data = self.serializer.loads(parse_cookie(header).get(self.cookie_name, ""), max_age=self.session_max_age)
        except Exception:  # an unreadable or expired cookie is no session, as Flask treats it
            return None
        return data.get("lang") if isinstance(data, dict) else None

    def copy(self, kind: str, language: str, as_json: bool) -> tuple[str, list[tuple[str, str]], bytes]:
        """The refusal of `kind` in `language`, page or API body, as Flask answers it: once under
        each version of the settings (the page says the shop's name and free-shipping threshold),
        for PAGE_CACHE_TTL at most (its free-shipping sentence follows the offers, as a stored
        page's does)."""
        key = (kind, language, as_json)
        settings = applied_version(self.flask)
        now = time.monotonic()
        kept = self._copies.get(key) if settings == self._copies_settings else None
        if kept is not None and now < kept[1]:
            return kept[0]
        with self._rendering:
            if settings != self._copies_settings:
                self._copies, self._copies_settings = {}, settings
            kept = self._copies.get(key)
            if kept is None or now >= kept[1]:
                found = self._render(kind, language, as_json)
                kept = (found, now + self.flask.config["PAGE_CACHE_TTL"])
                if not any(name == "Content-Security-Policy" and "'nonce-" in value for name, value in found[1]):
                    self._copies[key] = kept  # a page with a nonce is never sent twice
        return kept[0]

    def _render(self, kind: str, language: str, as_json: bool) -> tuple[str, list[tuple[str, str]], bytes]:
        path = "/api" + PLACEHOLDER_PATH if as_json else PLACEHOLDER_PATH
        environ = EnvironBuilder(path=path, headers={"Accept-Language": language}).get_environ()
        environ[SHED] = kind
        status, headers, body = run_whole(self.wsgi_app, environ)
        headers = [(name, value) for name, value in headers if name.lower() not in ("content-length", "set-cookie")]
        return status, headers, body


def wrap(app: Flask) -> None:
    """Put `Shedding` in front of Flask (the factory, before the page cache wraps both)."""
    app.wsgi_app = Shedding(app, app.wsgi_app)
