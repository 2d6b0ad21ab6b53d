"""Whole storefront pages, answered before Flask for every visitor who shares them.

A viral post sends thousands of shoppers to the same few pages; rendering each one for each of
them is what brought the shop down. A storefront page carries nothing per visitor (forms fetch
their CSRF token when sent, the beacon counts the visit after load), so its bytes depend only on
- the page: path and query, without tracking tags (`utm_*`, `fbclid`, …), which no page shows;
- the language: `?lang=`, then the session's, then Accept-Language (`i18n.page_language`);
- the audience class: what decides which offers and prices the shopper is shown — direct, a tab
  visitor of one platform page (a member of it or not), the holder of a code.
That triple is the cache key, behind a release fingerprint (templates, catalogs, static files and
configuration), so a node running other code never serves another's pages.

Who is served from the cache: visitors without a session, and visitors whose session holds only
what the key already says (language, the tab's launch, a code, attribution, the CSRF token).
A session with anything else (a cart, flashed messages, a signed-in user, a store code, a vote)
gets its pages rendered for it, marked `private`. Flask decides what may be stored (`mark`): a
page named in `SHARED_PAGES`, answered 200 to a GET, that neither changed the session nor put a
CSRF token or a CSP nonce into its HTML. Anything else passes through untouched.

Freshness. One version number in the store; the key's entry remembers the version it was
rendered under. Any committed change to a table a page shows (catalog, prices, offers, reviews,
questions) bumps the version (`SQLAlchemy` session events below), and so does a change of the
settings an admin edits (storefront.shop_settings, once every process can see them), so the very
next request on any node renders afresh. Stock is the exception, as
every sale changes it: a sale bumps the version only when a variant's stock state changes
(in stock, low, sold out), and an offer's or a code's counter only when it fills up or reopens;
the figure "3 left" may lag by at most PAGE_CACHE_TTL. The cart and checkout always read live
stock. A fresh entry is answered with an ETag (304 when the browser has it) and
`Cache-Control: public, s-maxage=TTL, stale-while-revalidate=STALE`, so a CDN or Varnish in front
may hold the same pages; after TTL one request renders the page again while the others are
answered the stale copy; and when Flask answers 503 (the database is away, or the shop is
shedding load), the last copy still stored is answered instead.

Time changes pages too: an offer starts or ends at a set moment without any write. Areas register
a horizon (`add_horizon`: promotions names the next start or end of an offer); a page is stored
no longer than the nearest one, so a flash sale's price appears at its first second.

Stores: Redis (every node shares it), a SQLite file (the workers of one machine: `make run`), or
memory (one process). A store that fails is logged and the page is rendered as if uncached.
Each store also keeps small named numbers (`read_marker`, `write_marker`) that every process
sharing it may read cheaply: the version of the settings an admin changed (storefront.shop_settings).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import redis
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from sqlalchemy import event
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_cookie, parse_etags, quote_etag

from . import i18n
from .extensions import db

log = logging.getLogger(__name__)

# The pages every visitor of a key shares (the catalog, offers, reviews and questions as read),
# each with the query arguments it reads. A request with any other argument is rendered for itself
# and not stored: `?x=<random>` must not fill the store with copies of one page.
SHARED_PAGES: dict[str, frozenset[str]] = {
    "catalog.home": frozenset({"lang"}),
    "catalog.category": frozenset({"lang", "sort", "page"}),
    "catalog.search": frozenset({"lang", "q", "sort", "page"}),
    "catalog.product": frozenset({"lang", "variant"}),
    "offers.show": frozenset({"lang"}),
    "review_pages.product_reviews": frozenset({"lang", "sort", "rating", "fit", "page"}),
    "review_pages.ledger": frozenset({"lang"}),
    "review_pages.how_they_work": frozenset({"lang"}),
    "question_pages.product_questions": frozenset({"lang", "q", "page"}),
    "legal.page": frozenset({"lang"}),
}
# Session keys that do not make a page personal: the key says them already (language, launch,
# code), or no page shows them (attribution, the CSRF token forms fetch when sent).
SHARED_SESSION_KEYS = frozenset({
    "lang", "launch", "offer_code", "channel", "embedded", "utm_source", "utm_campaign", "visit_id",
    "visit_touch", "offer_seen", "csrf_token", "_permanent", "_fresh",
})
# Query arguments that only say where a link was posted; no page shows them.
TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "msclkid", "mc_cid", "mc_eid", "_ga", "yclid")
# Tables whose rows no storefront page shows: a change to them leaves every page as it was.
QUIET_TABLES = frozenset({
    "api_idempotency_keys", "audit_entries", "canned_replies", "cart_lines", "carts", "funnel_counts",
    "import_jobs", "inbox_events", "inbox_items", "offer_customer_uses", "offer_daily_stats",
    "offer_redemptions", "order_discounts", "order_events", "order_lines", "orders", "outbound_emails",
    "processed_webhook_events", "question_invitations", "remembered_launches", "review_mail_opt_outs",
    "review_reports", "review_request_items", "review_requests", "staff_invitations", "staff_sessions",
    "users", "visits",
    # Settings bump the version themselves, after the processes can see the new settings'
    # version (storefront.shop_settings.service): bumped at commit, a page could be rendered
    # again with the old settings under the new version.
    "shop_settings",
})
# Response headers a stored page keeps (the rest are per response or per visitor).
STORED_HEADERS = ("Content-Type", "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                  "X-Frame-Options")
# Parts of a page stored on their own (`section`), and values each process keeps in memory
# (`remembered`), each with the tables whose rows it shows: a write to one of them renders the
# section (or reads the value) again; any other write leaves it as it was.
SECTION_TABLES: dict[str, frozenset[str]] = {
    # The category tree with its counts of active products (catalog.browse.all_categories): read
    # by every page (navigation), changed by the catalog's editors; the counts are kept by
    # triggers on `products`, so any write to a product bumps it too. A sale writes neither.
    "categories": frozenset({"categories", "products"}),
    # A product page's product, its variants and pictures, stock aside (catalog.kept): written by
    # the catalog's editors. A sale's stock statements (catalog.stock) say `stock_only`, and count
    # as STOCK_ONLY, which no section lists: the pages read stock live.
    "products": frozenset({"products", "variants", "product_images"}),
    # Product cards (catalog.browse.run_cards: listings, shelves, related products), which show
    # a product's stock only as "sold out": a sale counts when a variant runs out or comes back
    # (SOLD_OUT, noted by catalog.stock), which may turn a product's card.
    "cards": frozenset({"products", "variants", "product_images", "variants.sold_out"}),
    # The live offers as the promotion engine's rules (promotions.service.live_rules): read by
    # every page (the free-shipping promise, banners, prices), changed by the marketers, and by a
    # redemption only when it fills the offer up or a release reopens it (promotions.redemptions:
    # the counter's statements say `counter_only`).
    "offers": frozenset({"offers", "offer_products", "offer_categories"}),
    # A product page's reviews and questions (reviews.sections). The inbox's clocks, which the
    # reply figures count, change without a page write, so those figures lag by PAGE_CACHE_TTL,
    # as on a stored page.
    "reviews": frozenset({
        "reviews", "review_photos", "review_replies", "review_reply_versions", "review_follow_ups",
        "review_versions", "review_votes", "review_stats", "questions", "answers", "answer_votes",
    }),
}
SECTION_PREFIX = "section:"  # the store's keys of sections
STOCK_ONLY = "variants.stock"  # among a transaction's changed tables: stock was taken or returned
SOLD_OUT = "variants.sold_out"  # … and a variant ran out or came back (`note_sold_out_changed`)
COUNTER_ONLY = ".counter"  # after a table's name: only a counter of its rows moved (`counter_only`)
CHANGED_TABLES = "changed_tables"  # in the SQLAlchemy session's info: the tables this transaction wrote
MARK_HEADER = "X-Page-Cache"  # from Flask to the middleware: this response may be stored (until when)
PAGES_CHANGED = "pages_changed"  # in the SQLAlchemy session's info: bump the version on commit
KEPT_VALUES = 2048  # values `remembered` keeps per process, whatever their keys
REVALIDATE_SECONDS = 30  # one request per key renders a stale page again; the claim lapses after this


def first_marker() -> int:
    """Where a marker's count starts in a new or emptied store: anywhere, so that a process still
    holding a value under a count from before (`remembered`) does not meet that count again."""
    return secrets.randbits(40)


class StoreError(Exception):
    """The page store could not be reached; the page is rendered as if it were not cached."""


# --- the stores ------------------------------------------------------------------------------

class MemoryStore:
    """One process's pages (tests, a single-process server)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages: dict[str, tuple[float, bytes]] = {}
        self._claims: dict[str, float] = {}
        self._version = 0
        self._markers: dict[str, int] = {}

    def get(self, key: str) -> tuple[int, bytes | None]:
        with self._lock:
            found = self._pages.get(key)
            if found and found[0] < time.time():
                del self._pages[key]
                found = None
            return self._version, found[1] if found else None

    def put(self, key: str, entry: bytes, lifetime: int) -> None:
        with self._lock:
            self._pages[key] = (time.time() + lifetime, entry)

    def claim(self, key: str, seconds: int) -> bool:
        with self._lock:
            now = time.time()
            if self._claims.get(key, 0) > now:
                return False
            self._claims[key] = now + seconds
            return True

    def bump(self) -> int:
        with self._lock:
            self._version += 1
            # Pages of the old version are never answered again; sections have versions of their own.
            now = time.time()
            self._pages = {key: entry for key, entry in self._pages.items()
                           if key.startswith(SECTION_PREFIX) and entry[0] >= now}
            return self._version

    def read_marker(self, name: str) -> int | None:
        return self._markers.get(name)

    def write_marker(self, name: str, value: int) -> None:
        self._markers[name] = value

    def bump_marker(self, name: str) -> int:
        with self._lock:
            self._markers[name] = self._markers.get(name, first_marker()) + 1
            return self._markers[name]


class RedisStore:
    """Pages in Redis, shared by every app node; entries expire on their own."""

    def __init__(self, url: str, prefix: str = "shop:pages:") -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._errors = (redis.RedisError, OSError)
        self._prefix = prefix
        self._version_key = f"{prefix}version"

    def get(self, key: str) -> tuple[int, bytes | None]:
        try:
            version, entry = self._redis.mget([self._version_key, self._prefix + key])
        except self._errors as error:
            raise StoreError(str(error)) from error
        return int(version or 0), entry

    def put(self, key: str, entry: bytes, lifetime: int) -> None:
        try:
            self._redis.set(self._prefix + key, entry, ex=max(1, lifetime))
        except self._errors as error:
            raise StoreError(str(error)) from error

    def claim(self, key: str, seconds: int) -> bool:
        try:
            return bool(self._redis.set(f"{self._prefix}claim:{key}", b"1", nx=True, ex=seconds))
        except self._errors as error:
            raise StoreError(str(error)) from error

    def bump(self) -> int:
        try:
            return int(self._redis.incr(self._version_key))
        except self._errors as error:
            raise StoreError(str(error)) from error

    def read_marker(self, name: str) -> int | None:
        try:
            value = self._redis.get(f"{self._prefix}marker:{name}")
        except self._errors as error:
            raise StoreError(str(error)) from error
        return None if value is None else int(value)

    def write_marker(self, name: str, value: int) -> None:
        try:
            self._redis.set(f"{self._prefix}marker:{name}", value)
        except self._errors as error:
            raise StoreError(str(error)) from error

    def bump_marker(self, name: str) -> int:
        key = f"{self._prefix}marker:{name}"
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.set(key, first_marker(), nx=True)
            pipe.incr(key)
            return int(pipe.execute()[1])
        except self._errors as error:
            raise StoreError(str(error)) from error


class SqliteStore:
    """Pages in a SQLite file that every worker process of one machine opens (`make run`)."""

    PRUNE_EVERY = 200  # stores between two sweeps of expired entries

    def __init__(self, path: str) -> None:
        self._path = path
        self._local = threading.local()
        self._puts = 0
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.executescript("""
                CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, expires REAL NOT NULL, entry BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, expires REAL NOT NULL);
                CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
            """)

    def _connect(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._path, timeout=5, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            self._local.connection = connection
        return connection

    def _run(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        try:
            return self._connect().execute(sql, args)
        except sqlite3.Error as error:
            raise StoreError(str(error)) from error

    def get(self, key: str) -> tuple[int, bytes | None]:
        version, entry = self._run(
            "SELECT (SELECT value FROM meta WHERE name = 'version'),"
            " (SELECT entry FROM pages WHERE key = ? AND expires > ?)", (key, time.time())).fetchone()
        return int(version or 0), entry

    def put(self, key: str, entry: bytes, lifetime: int) -> None:
        now = time.time()
        self._run("INSERT OR REPLACE INTO pages (key, expires, entry) VALUES (?, ?, ?)", (key, now + lifetime, entry))
        self._puts += 1
        if self._puts % self.PRUNE_EVERY == 0:
            self._run("DELETE FROM pages WHERE expires <= ?", (now,))
            self._run("DELETE FROM claims WHERE expires <= ?", (now,))

    def claim(self, key: str, seconds: int) -> bool:
        now = time.time()
        cursor = self._run(
            "INSERT INTO claims (key, expires) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET expires = excluded.expires WHERE claims.expires <= ?",
            (key, now + seconds, now))
        return cursor.rowcount == 1

    def bump(self) -> int:
        return int(self._run(
            "INSERT INTO meta (name, value) VALUES ('version', 1)"
            " ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value").fetchone()[0])

    def read_marker(self, name: str) -> int | None:
        row = self._run("SELECT value FROM meta WHERE name = ?", (f"marker:{name}",)).fetchone()
        return None if row is None else int(row[0])

    def write_marker(self, name: str, value: int) -> None:
        self._run("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (f"marker:{name}", value))

    def bump_marker(self, name: str) -> int:
        return int(self._run(
            "INSERT INTO meta (name, value) VALUES (?, ?)"
            " ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
            (f"marker:{name}", first_marker() + 1)).fetchone()[0])


def open_store(url: str):
    """The store PAGE_CACHE_URL names; None when the cache is off."""
    if not url or url == "off":
        return None
    if url == "memory://":
        return MemoryStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url)
    if url.startswith("sqlite:///"):
        return SqliteStore(url[len("sqlite:///"):])
    raise ValueError(f"PAGE_CACHE_URL {url!r} is not redis://…, sqlite:///…, memory:// or off")


# --- who shares a page --------------------------------------------------------------------------

def audience_class(data: dict) -> str | None:
    """The audience a session's pages are rendered for, or None when its pages are its own."""
    if any(name not in SHARED_SESSION_KEYS for name in data):
        return None
    parts = []
    launch = data.get("launch")
    if isinstance(launch, dict):
        parts.append(f"tab:{launch.get('platform')}:{launch.get('page_id')}" + (":member" if launch.get("user_id") else ""))
    elif launch:
        return None
    if data.get("offer_code"):
        parts.append(f"code:{data['offer_code']}")
    return "|".join(parts) or "direct"


def is_tracking_arg(name: str) -> bool:
    return name.lower().startswith(TRACKING_PREFIXES)


def page_query(endpoint: str, query_string: str) -> str | None:
    """The query as a page sees it: tracking tags dropped, the rest in a fixed order; None when
    it holds an argument the page does not read (or one twice)."""
    pairs = [(name, value) for name, value in parse_qsl(query_string, keep_blank_values=True)
             if not is_tracking_arg(name)]
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names) or not set(names) <= SHARED_PAGES[endpoint]:
        return None
    return urlencode(sorted(pairs))


@dataclass(frozen=True)
class Page:
    key: str
    language: str
    from_accept_language: bool


def release_fingerprint(app: Flask) -> str:
    """What the bytes of a page depend on besides the data: templates, message catalogs, static
    files and settings. Nodes running the same release with the same settings share pages."""
    digest = hashlib.sha256()
    root = Path(app.root_path).parent
    for folder in ("templates", "translations", "static"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.suffix not in {".po", ".pot"}:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    settings = {name: value for name, value in app.config.items()
                if isinstance(value, (str, int, float, bool, list, tuple, type(None)))}
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


class PageCache:
    """The WSGI middleware in front of Flask (see the module's docstring)."""

    def __init__(self, app: Flask, store) -> None:
        self.flask = app
        self.wsgi_app = app.wsgi_app
        self.store = store
        self.ttl = app.config["PAGE_CACHE_TTL"]
        self.stale = app.config["PAGE_CACHE_STALE"]
        self.cookie_name = app.config["SESSION_COOKIE_NAME"]
        self.serializer = app.session_interface.get_signing_serializer(app)
        self.session_max_age = int(app.permanent_session_lifetime.total_seconds())
        self.release = app.extensions.get("page_cache_release") or release_fingerprint(app)

    # The session as Flask will see it: an unreadable or expired cookie is no session.
    def session_data(self, environ) -> dict:
        header = environ.get("HTTP_COOKIE")
        if not header or self.cookie_name not in header or self.serializer is None:
            return {}
        value = parse_cookie(header).get(self.cookie_name)  # Werkzeug's parser, as Flask's
        if not value:
            return {}
        try:
            data = self.serializer.loads(value, max_age=self.session_max_age)
        except Exception:  # a bad or expired cookie is no session, exactly as Flask treats it
            return {}
        return data if isinstance(data, dict) else {}

    def page_for(self, environ) -> Page | None:
        """The shared page this request asks for, or None when Flask must answer it alone."""
        try:
            endpoint, _ = self.flask.url_map.bind_to_environ(environ).match(method=environ["REQUEST_METHOD"])
        except HTTPException:
            return None
        if endpoint not in SHARED_PAGES:
            return None
        query = page_query(endpoint, environ.get("QUERY_STRING", ""))
        if query is None:
            return None
        data = self.session_data(environ)
        audience = audience_class(data)
        if audience is None:
            return None
        requested = dict(parse_qsl(query)).get("lang")
        language, from_header = i18n.page_language(requested, data.get("lang"), environ.get("HTTP_ACCEPT_LANGUAGE"),
                                                   self.flask.config["LANGUAGES"])
        scheme_host = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        raw = "\n".join([self.release, scheme_host, environ.get("PATH_INFO", ""), query, language, audience])
        return Page(hashlib.sha256(raw.encode()).hexdigest(), language, from_header)

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD") or self.flask.extensions.get("page_cache_paused"):
            return self.pass_through(environ, start_response)
        for hook in self.flask.extensions.get("page_cache_before_lookup", ()):
            hook(self.flask)  # the settings an admin changed, before the key reads LANGUAGES
        page = self.page_for(environ)
        if page is None:
            return self.pass_through(environ, start_response)
        try:
            version, raw = self.store.get(page.key)  # one round trip: the version and the page
        except StoreError:
            log.warning("page cache unavailable; rendering", exc_info=True)
            return self.pass_through(environ, start_response)
        entry = decode(raw)
        now = time.time()
        if entry is not None and entry["v"] == version and not (entry["u"] and now >= entry["u"]):
            age = now - entry["t"]
            if age <= self.ttl:
                return self.answer(environ, start_response, page, entry, "HIT", age)
            if age <= self.ttl + self.stale and not self.claimed(page.key):
                return self.answer(environ, start_response, page, entry, "STALE", age)
        return self.render(environ, start_response, page, version, fallback=entry)

    def claimed(self, key: str) -> bool:
        """Whether this request is the one that renders a stale page again."""
        try:
            return self.store.claim(key, REVALIDATE_SECONDS)
        except StoreError:
            return True

    def pass_through(self, environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [(k, v) for k, v in headers if k != MARK_HEADER], exc_info)

        return self.wsgi_app(environ, start)

    def render(self, environ, start_response, page: Page, version: int, fallback: dict | None = None):
        """Flask's answer, stored when Flask marked it. When Flask cannot answer (503: the
        database is away, or the shop is shedding load), the last copy is better than an apology:
        it is answered stale, whatever changed since (the checkout checks every price again)."""
        status, headers, body = run_whole(self.wsgi_app, environ)
        until = next((float(v) for k, v in headers if k == MARK_HEADER), None)
        now = time.time()
        lifetime = self.ttl + self.stale if not until else min(self.ttl + self.stale, until - now)
        storable = (status.startswith("200") and until is not None and lifetime >= 1
                    and environ["REQUEST_METHOD"] == "GET")
        if status.startswith("503") and fallback is not None:
            return self.answer(environ, start_response, page, fallback, "STALE-IF-ERROR", now - fallback["t"])
        if not storable:
            start_response(status, [(k, v) for k, v in headers if k != MARK_HEADER])
            return [body]
        kept = [(k, v) for k, v in headers if k in STORED_HEADERS]
        entry = {"v": version, "t": now, "u": until, "h": kept,
                 "e": quote_etag(hashlib.sha256(body).hexdigest()[:32]), "b": body}
        try:
            self.store.put(page.key, encode(entry), int(lifetime))
        except StoreError:
            log.warning("page cache unavailable; page not stored", exc_info=True)
        return self.answer(environ, start_response, page, entry, "MISS", 0)

    def answer(self, environ, start_response, page: Page, entry: dict, outcome: str, age: float):
        body = entry["b"]
        fresh_for = self.ttl if not entry["u"] else max(0, min(self.ttl, int(entry["u"] - time.time())))
        headers = list(entry["h"]) + [
            ("Cache-Control", f"public, max-age=0, s-maxage={fresh_for}, stale-while-revalidate={self.stale}"),
            ("Vary", "Accept-Language, Cookie" if page.from_accept_language else "Cookie"),
            ("Content-Language", page.language),
            ("ETag", entry["e"]),
            ("Age", str(int(age))),
            ("X-Cache", outcome),
        ]
        if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains_weak(entry["e"].strip('"')):
            start_response("304 Not Modified", [(k, v) for k, v in headers if k != "Content-Type"])
            return []
        start_response("200 OK", headers + [("Content-Length", str(len(body)))])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def run_whole(wsgi_app, environ) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run a WSGI app to the end: its status, headers and whole body (pages, never streams)."""
    captured = {}

    def start(status, headers, exc_info=None):
        captured.update(status=status, headers=headers)
        return lambda chunk: None  # pages do not write through start_response's writer

    result = wsgi_app(environ, start)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return captured["status"], captured["headers"], body


def encode(entry: dict) -> bytes:
    head = {name: value for name, value in entry.items() if name != "b"}
    return json.dumps(head).encode() + b"\n" + entry["b"]


def decode(raw: bytes | None) -> dict | None:
    if not raw:
        return None
    try:
        head, _, body = bytes(raw).partition(b"\n")
        entry = json.loads(head)
        entry["b"] = body
        entry["h"] = [tuple(pair) for pair in entry["h"]]
        return entry
    except (ValueError, KeyError, TypeError):
        return None


# --- Flask's side: what may be stored, and the version bump ----------------------------------

def mark(response):
    """`after_request`: let the middleware store this page when it holds nothing per visitor;
    a shared page rendered for one visitor is sent `private`."""
    if request.endpoint not in SHARED_PAGES or request.method not in ("GET", "HEAD"):
        return response
    shared = (page_query(request.endpoint, request.query_string.decode("latin-1")) is not None
              and response.status_code == 200 and audience_class(dict(session)) is not None and not session.modified
              and "csrf_token" not in g and "csp_nonce" not in g and "Set-Cookie" not in response.headers)
    if shared and current_app.extensions.get("page_cache") is not None:
        response.headers[MARK_HEADER] = str(horizon())
    elif not shared:
        response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


def add_horizon(app: Flask, horizon_of) -> None:
    """`horizon_of(now)` names the next moment (an aware datetime, or None) at which pages change
    without a write; a stored page stays fresh no longer than that."""
    app.extensions.setdefault("page_cache_horizons", []).append(horizon_of)


def horizon() -> float:
    """The epoch second until which this page may be stored (0: no limit)."""
    moments = []
    now = dt.datetime.now(dt.timezone.utc)
    for horizon_of in current_app.extensions.get("page_cache_horizons", []):
        moment = horizon_of(now)
        if moment is not None:
            moments.append(moment.timestamp())
    if "page_cache_sections_until" in g:  # a stored section the page shows is fresh until then
        moments.append(g.page_cache_sections_until)
    return min(moments) if moments else 0


def before_lookup(app: Flask, hook) -> None:
    """Run `hook(app)` before the middleware reads the configuration for a request (the settings
    an admin changes in the back office apply themselves to the config this way). A hook that
    fails is logged and the request goes on: Flask's own hooks will meet the same failure."""
    def guarded(flask_app: Flask) -> None:
        try:
            hook(flask_app)
        except Exception:
            log.exception("a hook before the page cache's lookup failed")

    app.extensions.setdefault("page_cache_before_lookup", []).append(guarded)


def mark_pages_changed(*tables: str) -> None:
    """What the current transaction writes changes what pages show: bump the version on commit,
    and the sections that show `tables`. For writes the session events cannot judge (a stock
    counter that crossed a state, an offer's counter that filled up)."""
    db.session.info[PAGES_CHANGED] = True
    db.session.info.setdefault(CHANGED_TABLES, set()).update(tables)


def note_sold_out_changed() -> None:
    """The current transaction's stock statements ran a variant out or brought one back: on
    commit, the sections that show "sold out" are bumped (SOLD_OUT)."""
    db.session.info.setdefault(CHANGED_TABLES, set()).add(SOLD_OUT)


def bump(app: Flask | None = None) -> None:
    """Every stored page and section is stale from the next request on, on every node: for a
    change the session events cannot see (settings, rows written in plain SQL)."""
    app = app or (current_app._get_current_object() if has_app_context() else None)
    for name in SECTION_TABLES:  # sections first, as after a commit
        bump_section(name, app)
    _bump_pages(app)


def _bump_pages(app: Flask | None) -> None:
    """A new version: every stored page is stale from the next request on, on every node."""
    store = app.extensions.get("page_cache") if app is not None else None
    if store is None:
        return
    try:
        store.bump()
    except StoreError:
        log.exception("could not bump the page cache's version; pages may lag by PAGE_CACHE_TTL")


def _table_of(statement):
    table = getattr(statement, "table", None)
    return getattr(table, "name", None)


def _note_flush(session: Session, flush_context) -> None:
    changed = session.info.setdefault(CHANGED_TABLES, set())
    for instance in (*session.new, *session.dirty, *session.deleted):
        table = getattr(getattr(instance, "__table__", None), "name", None)
        changed.add(table)  # None: a table of unknown kind, which may be any section's
        if table is None or table not in QUIET_TABLES:
            session.info[PAGES_CHANGED] = True


def _note_statement(state) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        if isinstance(state.statement, TextClause) and not _READS.match(state.statement.text):
            # Plain SQL through the session: what it writes is unknown, so it may be anything.
            state.session.info.setdefault(CHANGED_TABLES, set()).add(None)
            state.session.info[PAGES_CHANGED] = True
        return
    table = _table_of(state.statement)
    if table == "variants" and state.execution_options.get("stock_only"):
        table = STOCK_ONLY
    elif state.execution_options.get("counter_only"):
        # A counter no page or section shows (an offer's redemptions): the writer says when it
        # fills up or reopens (`mark_pages_changed`).
        table = f"{table}{COUNTER_ONLY}"
    state.session.info.setdefault(CHANGED_TABLES, set()).add(table)
    if state.execution_options.get("pages_unchanged"):
        return
    if table is None or table not in QUIET_TABLES:
        state.session.info[PAGES_CHANGED] = True


_READS = re.compile(r"\s*(SELECT|EXPLAIN|SHOW|PRAGMA|SET)\b", re.IGNORECASE)  # plain SQL that writes no row


def _after_commit(session: Session) -> None:
    # A savepoint released is not the commit: what it wrote is not visible yet, and a page or
    # section rendered now, under a new version, would keep the old rows.
    if session.in_nested_transaction():
        return
    changed = session.info.pop(CHANGED_TABLES, set())
    pages_changed = session.info.pop(PAGES_CHANGED, False)
    if not (pages_changed or changed):
        return
    if has_request_context():  # from now on this request reads its own writes (`shows_a_page`)
        request._get_current_object().shop_wrote = True
    app = current_app._get_current_object() if has_app_context() else None
    # Sections first: a page rendered between the two bumps would store the old section under the
    # pages' new version.
    for name, tables in SECTION_TABLES.items():
        if None in changed or not changed.isdisjoint(tables):
            bump_section(name, app)
    if pages_changed:
        _bump_pages(app)


def _after_rollback(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint rolled back: what came before it still stands
        return
    session.info.pop(PAGES_CHANGED, None)
    session.info.pop(CHANGED_TABLES, None)


# --- sections: a part of a page stored on its own clock -------------------------------------
#
# A page is stored whole, and a write to anything it shows renders it again. A product page's
# reviews and questions change far less often than the rest of it: a sale that changes a stock
# state, or an offer whose counter fills, renders every page again, and their reviews are as they
# were. A section is stored apart, keyed by its own version (bumped by writes to SECTION_TABLES
# only), the settings in force and the release, and is fresh for PAGE_CACHE_TTL like a page.
# The version is read before the section's rows: a write that commits in between makes the entry
# stored under the version before it, which no request asks for again.

def _section_marker(name: str) -> str:
    return f"{SECTION_PREFIX}{name}"


def bump_section(name: str, app: Flask | None = None) -> None:
    """Every stored copy of section `name` is stale from the next request on, on every node."""
    app = app or (current_app._get_current_object() if has_app_context() else None)
    store = app.extensions.get("page_cache") if app is not None else None
    if store is None:
        return
    try:
        store.bump_marker(_section_marker(name))
    except StoreError:
        log.exception("could not bump section %s; it may lag by PAGE_CACHE_TTL", name)


def section(name: str, key: tuple, render):
    """What `render()` returns (anything `json` can write: the section's HTML and data about it)
    for `key`, which says everything else the section depends on (the language, …) besides the
    page's address (`page_address`), from the store while fresh. A page that shows a stored copy is
    itself stored no longer than that copy is fresh. Rendered every time when the cache is off or
    paused, the store is away, or the request reads its own writes (`shows_a_page`)."""
    app = current_app._get_current_object()
    store = app.extensions.get("page_cache")
    if store is None or not shows_a_page() or app.extensions.get("page_cache_paused"):
        return render()
    settings = app.extensions.get("shop_settings")
    parts = json.dumps([app.extensions.get("page_cache_release"), getattr(settings, "version", None),
                        page_address(), key], default=str)
    try:
        version = store.read_marker(_section_marker(name)) or 0
        entry_key = f"{SECTION_PREFIX}{name}:{version}:{hashlib.sha256(parts.encode()).hexdigest()[:32]}"
        raw = store.get(entry_key)[1]
    except StoreError:
        return render()
    if raw is not None:
        try:
            entry = json.loads(raw)
            _shown_until(entry["expires"])
            return entry["value"]
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable stored section %s; rendering it again", name)
    lifetime = app.config["PAGE_CACHE_TTL"]
    entry = {"expires": time.time() + lifetime, "value": render()}
    try:
        store.put(entry_key, json.dumps(entry).encode(), lifetime)
    except StoreError:
        log.warning("could not store section %s", name)
    return entry["value"]


def keep_nothing() -> None:
    """This request shows stand-ins for what it could not read (an error page without the
    database, a navigation that fell back to none): nothing it computes from now on is kept."""
    if has_request_context():  # on the request, not `g`, which may outlive it (a test's app context)
        request._get_current_object().shop_keep_nothing = True


def shows_a_page() -> bool:
    """Whether this request shows what a page's GET shows, and so may use what is stored or kept
    for it: a GET, or a POST whose form was refused and that shows the GET page it came from
    (`g.page_endpoint`: a sold-out add to cart shows the product page) — as long as it has written
    nothing pages show. A request that has (committed, or is in the middle of a write) reads its
    own writes, which no version it read before them covers."""
    if not has_request_context():
        return False
    if request.method == "GET":
        return True
    if "page_endpoint" not in g or getattr(request, "shop_wrote", False):
        return False
    session = db.session()
    return not (session.info.get("wrote") or session.new or session.dirty or session.deleted)


def remembering() -> bool:
    """Whether `remembered` keeps values now: the cache is on and not paused, in a request that
    shows a page (`shows_a_page`) and has not fallen back to stand-ins (`keep_nothing`)."""
    if not has_request_context() or getattr(request, "shop_keep_nothing", False) or not shows_a_page():
        return False
    extensions = current_app.extensions
    return extensions.get("page_cache") is not None and not extensions.get("page_cache_paused")


def remembered(name: str, key, compute, *, still_good=None):
    """What `compute()` returns for `key` (anything hashable that says what else it depends on,
    such as the language), kept in this process's memory while section `name`'s version stands
    (a write to one of SECTION_TABLES[name], on any node, bumps it) and `still_good(value)` holds
    (a value that also depends on the clock says until when), for PAGE_CACHE_TTL at most, as a
    stored page: a write the version did not follow (a bump the store refused, plain SQL, a data
    migration) lags no longer than pages do. Computed every time when the cache is off or paused,
    the store is away, in a request that reads its own writes (`shows_a_page`), or after
    `keep_nothing`. The version is read before `compute` reads rows: a write committed in
    between bumps it again, so the value is read again by the next request."""
    if not remembering():
        return compute()
    app = current_app._get_current_object()
    store = app.extensions["page_cache"]
    marker = _section_marker(name)
    # Each marker is read once per request (the layout's fragments, the tree and the offers'
    # ancestry share one): on the request, not `g`, since an app context may outlive a request.
    this_request = request._get_current_object()
    read = getattr(this_request, "shop_markers", None)
    if read is None:
        read = this_request.shop_markers = {}
    version = read.get(marker)
    if version is None:
        try:
            version = store.read_marker(marker)
            if version is None:  # a new (or emptied) store: start its count where no old one was
                version = store.bump_marker(marker)
        except StoreError:
            return compute()
        read[marker] = version
    memos = app.extensions.setdefault("page_cache_memos", {})
    now = time.monotonic()
    entry = memos.get((name, key))
    if (entry is not None and entry[0] == version and now < entry[2]
            and (still_good is None or still_good(entry[1]))):
        if len(memos) > KEPT_VALUES // 2:  # the most recently used last: the oldest go first
            memos[(name, key)] = memos.pop((name, key), entry)
        return entry[1]
    value = compute()
    if getattr(this_request, "shop_keep_nothing", False):  # it fell back to stand-ins meanwhile
        return value
    if len(memos) >= KEPT_VALUES:  # the least recently used half goes
        for old in list(memos)[:KEPT_VALUES // 2]:
            memos.pop(old, None)
    memos[(name, key)] = (version, value, now + app.config["PAGE_CACHE_TTL"])
    return value


def kept_value(name: str, key, *, still_good=None):
    """What `remembered` keeps for `key` in this process while section `name`'s version stands, or
    None: never computed here, for a page rendered without the database (a 503), which may say
    what the shop's other pages said but must not read it again. Costs a read of the store's
    marker, no query."""
    app = current_app._get_current_object()
    store = app.extensions.get("page_cache")
    entry = app.extensions.get("page_cache_memos", {}).get((name, key))
    if store is None or app.extensions.get("page_cache_paused") or entry is None:
        return None
    try:
        version = store.read_marker(_section_marker(name))
    except StoreError:
        return None
    if entry[0] != version or time.monotonic() >= entry[2] or (still_good is not None and not still_good(entry[1])):
        return None
    return entry[1]


def _shown_until(expires: float) -> None:
    """The page shows a stored section fresh until `expires` (an epoch second): `horizon`."""
    g.page_cache_sections_until = min(g.get("page_cache_sections_until", expires), expires)


def page_address() -> str:
    """The address of the page being answered as every visitor of its key shares it: its path and
    the query arguments it reads, in their order, without tracking tags or arguments it does not
    read. Forms send the shopper back to it, and it is in a stored page or section: one with the
    first visitor's `utm_*` or junk would hand them on to everyone. A POST that shows a page (a
    refused form) is answered at its path alone: its query reads nothing."""
    if request.method != "GET":
        return request.path
    readable = SHARED_PAGES.get(request.endpoint)
    pairs = [(name, value) for name, value in parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True)
             if not is_tracking_arg(name) and (readable is None or name in readable)]
    return request.path + (f"?{urlencode(pairs)}" if pairs else "")


def listen_for_changes() -> None:
    """Watch every ORM session for writes to tables pages show (once per process)."""
    for name, handler in (("after_flush", _note_flush), ("do_orm_execute", _note_statement),
                          ("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not event.contains(Session, name, handler):
            event.listen(Session, name, handler)


def init_app(app: Flask) -> None:
    """Open the store PAGE_CACHE_URL names and judge every shared page. Registered before every
    other `after_request` hook, so it runs last and sees the session as it will be saved."""
    app.extensions["page_cache"] = open_store(app.config["PAGE_CACHE_URL"])
    listen_for_changes()
    app.after_request(mark)


def wrap(app: Flask) -> None:
    """Put the cache in front of Flask (the factory's last step, inside any proxy fix-up)."""
    store = app.extensions.get("page_cache")
    if store is not None:
        app.extensions["page_cache_release"] = release_fingerprint(app)
        app.wsgi_app = PageCache(app, store)
