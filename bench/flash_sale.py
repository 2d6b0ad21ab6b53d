"""`python -m bench.flash_sale`: a flash sale on one product, many shoppers at once, nothing oversold.

One product with one variant of 100 units and a tab-visitor offer (20 % off, capped at 50
redemptions), served by gunicorn with several worker processes on PostgreSQL (a throwaway
database made and dropped here; SQLite when PostgreSQL cannot be reached, said so in the output).
2,000 shoppers then check out at once, each through the real page flow, because the offer is
for tab visitors only: the Meta page tab launch (a signed_request signed with the demo app's
secret, deep-linked to the product), the product page, add to cart, the details form, the
review page, and "place order" with the total shown. A shopper told the total changed (the offer
ran out between the review and the order) looks at the review again and places the order at the
new total, as a person would.

Afterwards the database is checked: units sold never exceed the 100 in stock, the stock never goes
below zero, the offer's counter never exceeds its cap and equals the redemptions standing, and
every order's discount is the sum of the redemptions standing for it. The exit status is 1 if any
of these fails.

`--base-url` aims the rush at a shop that is already running instead, e.g. the balancer of
`make cluster` (two app nodes behind HAProxy): the sale is then seeded into that shop's database
(`--database-url`) under names of this run's own, and only this run's orders are checked. When the
answers carry `X-Served-By` (HAProxy's node name, which `make cluster` adds), the output counts the
requests each node served.

A step answered 503 (the shop shedding load, or its checkout admission check: nothing was done)
is sent again after its Retry-After, as a person would; such answers are counted. Forms on pages
every visitor shares get their CSRF token from /forms/token, as the browser's script does.

The shoppers are asyncio tasks over aiohttp, each with its own cookies and connection, in this one
process: the client shares the machine's CPUs with the shop it measures, and a thread per
shopper with `requests` took a third of them (11 ms of CPU an attempt; this takes ~2). The output
says the CPU the shop, PostgreSQL (when it runs here) and this client used during the rush, and
the whole attempt's latency for the first `--concurrency` shoppers, who start at once, find stock
and all check out together, apart from the others.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import aiohttp

from .run import format_load, run_isolated
from .seed import BENCH_SECRET_KEY
from .servers import Gunicorn, ServerFailed, local_postgres_cpu_seconds

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/"
# The demo Meta app and page (storefront.config.DEMO_SOCIAL_APPS, on with DEMO_PAGE=true).
META_SECRET, META_PAGE = "demo-meta-secret", "1001"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
# A shopper told "busy" (503) waits as Retry-After says (at most this long) and tries again, at most
# this often in one attempt before giving up.
MAX_RETRY_AFTER, MAX_BUSY_RETRIES = 5.0, 10
SHOWN_TOTAL = re.compile(r'name="shown_total"[^>]*value="(-?\d+)"|value="(-?\d+)"[^>]*name="shown_total"')


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.flash_sale", description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=2000, help="checkout attempts (default 2,000)")
    parser.add_argument("--concurrency", type=int, default=150, help="shoppers at once (default 150)")
    parser.add_argument("--stock", type=int, default=100, help="units of the product (default 100)")
    parser.add_argument("--cap", type=int, default=50, help="the offer's total cap (default 50)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument("--postgres", default=os.environ.get("FLASH_SALE_POSTGRES", DEFAULT_POSTGRES),
                        help=f"the PostgreSQL server to make a throwaway database on (default {DEFAULT_POSTGRES})")
    parser.add_argument("--sqlite", action="store_true", help="use SQLite even if PostgreSQL is reachable")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server log, SQLite file)")
    parser.add_argument("--base-url", help="rush a shop already running there (e.g. make cluster's balancer, "
                                           "http://127.0.0.1:5000) instead of starting gunicorn")
    parser.add_argument("--database-url", help="with --base-url: the database that shop runs on (seeded and "
                                               "checked here)")
    args = parser.parse_args(argv)
    if args.base_url and not args.database_url:
        parser.error("--base-url needs --database-url, the database that shop runs on")
    if args.base_url:
        args.base_url = args.base_url.rstrip("/")
    return args


# --- the database -------------------------------------------------------------------------------

class Database:
    """A throwaway PostgreSQL database on the server, or a SQLite file if the server is not there."""

    def __init__(self, args: argparse.Namespace, workdir: Path):
        self.url, self.note, self._drop = None, "", None
        self.shared = bool(args.base_url)  # the running shop's own database: seeded into, never dropped
        if self.shared:
            self.url = args.database_url
        elif not args.sqlite:
            self._postgres(args.postgres)
        if self.url is None:
            self.url = f"sqlite:///{workdir / 'shop.db'}"
            if not args.sqlite:
                self.note = f"PostgreSQL is not reachable at {args.postgres}: fell back to SQLite"
        self.kind = "PostgreSQL" if self.url.startswith("postgresql") else "SQLite"

    def _postgres(self, base: str) -> None:
        import sqlalchemy as sa
        from sqlalchemy.engine import make_url

        url = make_url(base)
        admin = sa.create_engine(url.set(database=url.database or "postgres"), isolation_level="AUTOCOMMIT",
                                 connect_args={"connect_timeout": 3})
        name = f"flash_sale_{uuid.uuid4().hex[:12]}"
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        except sa.exc.OperationalError:
            admin.dispose()
            return

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        self.url = url.set(database=name).render_as_string(hide_password=False)
        self._drop = drop

    def drop(self) -> None:
        if self._drop is not None:
            self._drop()
            self._drop = None


@dataclass
class Sale:
    product_id: int
    variant_id: int
    product_slug: str
    product_path: str
    offer_id: int
    price: int


def seed(database: Database, workdir: Path, args: argparse.Namespace) -> Sale:
    """Migrate, then one product (one variant of `stock` units) and the tab-visitor offer.

    In a running shop's database (--base-url) nothing is migrated, and the category, product, SKU
    and offer get names of this run's own, so that runs never meet; the flash-sale offers of earlier
    runs are ended, so that only this run's offer can be redeemed by its shoppers besides the
    shop's own offers."""
    import datetime as dt

    import sqlalchemy as sa
    from flask import url_for

    from promotions.models import Offer
    from storefront import create_app
    from storefront.catalog.models import Category, Product, Variant
    from storefront.extensions import db

    from .seed import _migrate

    app = create_app({"INSTANCE_PATH": str(workdir / "instance"), "SQLALCHEMY_DATABASE_URI": database.url,
                      "UPLOAD_FOLDER": str(workdir / "instance" / "uploads"), "SECRET_KEY": BENCH_SECRET_KEY})
    now = dt.datetime.now(dt.timezone.utc)
    run = f"-{uuid.uuid4().hex[:8]}" if database.shared else ""
    with app.app_context():
        if database.shared:
            for earlier in db.session.scalars(sa.select(Offer).where(Offer.slug.like("flash-sale-%"),
                                                                     Offer.ends_at > now)):
                earlier.ends_at = now
        else:
            _migrate(app)
        category = Category(name="Flash sale", slug=f"flash-sale{run}")
        product = Product(title="Dzintars Flash Sale Scarf", slug=f"dzintars-flash-sale-scarf{run}",
                          description="A scarf in amber wool, this week only.", category=category,
                          option_names=["Size"], price_min=3900)
        product.variants.append(Variant(position=0, sku=f"FLASH-1{run}".upper(), options={"Size": "One size"},
                                        price=3900, stock=args.stock))
        offer = Offer(name="Flash sale for our Facebook page", slug=f"flash-sale{run}", benefit="percent", percent=20,
                      target="order", audience="tab_visitors", audience_pages=[f"meta:{META_PAGE}"],
                      starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=3),
                      timezone="Europe/Riga", state="scheduled", cap_total=args.cap)
        db.session.add_all([category, product, offer])
        db.session.commit()
        with app.test_request_context():
            path = url_for("catalog.product", slug=product.slug)
        sale = Sale(product.id, product.variants[0].id, product.slug, path, offer.id, 3900)
        assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == sale.variant_id)) == args.stock
        db.engine.dispose()
    return sale


# --- one shopper --------------------------------------------------------------------------------

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_request(user_id: str, app_data: str) -> str:
    """A Meta page tab launch, as Facebook posts it, signed with the demo app's secret."""
    payload = {"algorithm": "HMAC-SHA256", "issued_at": int(time.time()), "user_id": user_id,
               "user": {"locale": "en_GB"}, "page": {"id": META_PAGE}, "app_data": app_data}
    body = b64url(json.dumps(payload).encode())
    return b64url(hmac.new(META_SECRET.encode(), body.encode(), hashlib.sha256).digest()) + "." + body


def _match(pattern: re.Pattern, text: str) -> str | None:
    found = pattern.search(text)
    return (found.group(1) or found.group(2)) if found else None


@dataclass
class Attempt:
    outcome: str = "error"  # ordered | sold_out | error
    number: int = 0  # the order it started in: the first `--concurrency` start at once
    looked_again: int = 0
    seconds: float = 0.0
    place_seconds: list[float] = field(default_factory=list)
    detail: str = ""
    busy: int = 0  # answers 503 (load shed, checkout admission), each sent again after Retry-After
    # Every answer of the flow: (step, seconds, status), the step named by method and path.
    answers: list[tuple[str, float, int]] = field(default_factory=list)
    served_by: Counter = field(default_factory=Counter)  # X-Served-By of every answer (- when absent)


@dataclass(frozen=True)
class Answer:
    """What the flow reads of one response."""

    status: int
    headers: Mapping[str, str]
    text: str
    url: str


async def shop(http: ClientSessions, base: str, sale: Sale, n: int) -> Attempt:
    """One shopper's attempt, with a browser's state of its own (cookies, one keep-alive connection)."""
    attempt = Attempt(number=n)
    started = time.perf_counter()
    try:
        async with http.shopper() as s:
            await _checkout(s, base, sale, n, attempt)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        attempt.outcome, attempt.detail = "error", f"{type(exc).__name__}: {exc}"[:200]
    attempt.seconds = time.perf_counter() - started
    return attempt


class ClientSessions:
    """The shoppers' HTTP client: asyncio and aiohttp (its parser in C), all shoppers in one thread.
    The client shares the machine's CPUs with the shop it measures: a thread per shopper with
    `requests` cost ~11 ms of CPU an attempt, a third of what the rush used, taken from the shop;
    this costs a fraction of that, and does what a browser does in the same requests."""

    def __init__(self, timeout: float = 120):
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    def shopper(self) -> aiohttp.ClientSession:
        # unsafe: keep cookies of an IP address (127.0.0.1), as a browser does.
        return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=self.timeout,
                                     connector=aiohttp.TCPConnector(limit=1))


class StillBusy(ValueError):
    pass


async def _exchange(s: aiohttp.ClientSession, attempt: Attempt, method: str, url: str, **kwargs) -> Answer:
    started = time.perf_counter()
    async with s.request(method, url, allow_redirects=False, **kwargs) as response:
        text = await response.text()
    attempt.answers.append((f"{method} {urlsplit(url).path}", time.perf_counter() - started, response.status))
    attempt.served_by.update([response.headers.get("X-Served-By", "-")])
    return Answer(response.status, response.headers, text, url)


async def _send(s, attempt: Attempt, method: str, url: str, *, follow: bool = True, **kwargs) -> Answer:
    """One request of the flow, and the page a 303 leads to (`follow`), each timed as an answer.
    A 503 (the shop shedding load, or its database briefly away: nothing was done) is sent again
    after its Retry-After, as a person shown the "try again in a few seconds" page would.
    :raise StillBusy: after MAX_BUSY_RETRIES such answers in one attempt."""
    while True:
        answer = await _exchange(s, attempt, method, url, **kwargs)
        if follow and answer.status in (301, 302, 303):
            answer = await _exchange(s, attempt, "GET", urljoin(url, answer.headers["Location"]))
        if answer.status != 503:
            return answer
        if attempt.busy >= MAX_BUSY_RETRIES:
            raise StillBusy(f"{urlsplit(url).path} still answered 503 after {attempt.busy} tries")
        attempt.busy += 1
        try:
            wait = float(answer.headers.get("Retry-After") or 1)
        except ValueError:  # an HTTP date: not what the shop sends
            wait = 1.0
        await asyncio.sleep(min(wait, MAX_RETRY_AFTER))


async def _token(s, attempt: Attempt, base: str, page_text: str) -> str | None:
    """The form's CSRF token; on a page every visitor shares the form's is empty, and the visitor's
    browser fetches one when the form is sent (static/js/deferred-csrf.js): so does this."""
    token = _match(CSRF, page_text)
    if token:
        return token
    answer = await _send(s, attempt, "GET", f"{base}/forms/token")
    if answer.status != 200:
        raise ValueError(f"the form token answered {answer.status}")
    return json.loads(answer.text)["csrf_token"]


async def _checkout(s, base: str, sale: Sale, n: int, attempt: Attempt) -> None:
    # The tab launch: a verified session, deep-linked to the product page (303, followed).
    page = await _send(s, attempt, "POST", f"{base}/tab",
                       data={"signed_request": signed_request(f"9{n:07d}", f"p:{sale.product_slug}")})
    if page.status != 200 or sale.product_path not in page.url:
        raise ValueError(f"launch answered {page.status} at {page.url}")
    added = await _send(s, attempt, "POST", f"{base}/cart/add", follow=False, data={
        "csrf_token": await _token(s, attempt, base, page.text), "product_id": str(sale.product_id),
        "variant_id": str(sale.variant_id), "quantity": "1"})
    if added.status == 409:  # the product page again: not enough stock left
        attempt.outcome = "sold_out"
        return
    if added.status != 303:
        raise ValueError(f"add to cart answered {added.status}")
    details = await _send(s, attempt, "GET", f"{base}/checkout")
    if details.status != 200:
        raise ValueError(f"checkout answered {details.status}")
    filled = await _send(s, attempt, "POST", f"{base}/checkout", follow=False, data={
        "csrf_token": await _token(s, attempt, base, details.text), "email": f"shopper{n}@example.com",
        "full_name": "Flash Shopper", "address_line1": "Tērbatas iela 2", "city": "Rīga", "postal_code": "LV-1011",
        "country": "LV", "shipping_method": "standard", "payment_method": "bank_transfer"})
    if filled.status != 303 or not filled.headers["Location"].endswith("/checkout/review"):
        raise ValueError(f"details answered {filled.status}")
    for _ in range(3):
        review = await _send(s, attempt, "GET", f"{base}/checkout/review", follow=False)
        if review.status != 200:
            raise ValueError(f"review answered {review.status}")
        shown = _match(SHOWN_TOTAL, review.text)
        placed = await _send(s, attempt, "POST", f"{base}/checkout/place", follow=False,
                             data={"csrf_token": await _token(s, attempt, base, review.text), "shown_total": shown})
        # The placing that got an answer (not the busy refusals before it, nor the waits).
        attempt.place_seconds.append(attempt.answers[-1][1])
        where = placed.headers.get("Location", "")
        if placed.status != 303:
            raise ValueError(f"place answered {placed.status}")
        if "/orders/" in where:
            attempt.outcome = "ordered"
            return
        if where.endswith("/checkout/review"):  # the total changed: the offer ran out meanwhile
            attempt.looked_again += 1
            continue
        if "/cart" in where:  # sold out while checking out
            attempt.outcome = "sold_out"
            return
        raise ValueError(f"place sent the shopper to {where}")
    raise ValueError("the total kept changing")


# --- the rush and the checks --------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Spent:
    """CPU seconds used during the rush: by this client, and (when known) by the shop's server
    processes and by PostgreSQL on this machine."""

    client: float
    shop: float | None = None
    postgres: float | None = None


def rush(base: str, sale: Sale, args: argparse.Namespace) -> tuple[list[Attempt], float, Spent]:
    cpu = time.process_time()
    attempts, seconds = asyncio.run(_rush(base, sale, args))
    return attempts, seconds, Spent(client=time.process_time() - cpu)


async def _rush(base: str, sale: Sale, args: argparse.Namespace) -> tuple[list[Attempt], float]:
    done = Counter()
    http = ClientSessions()
    at_once = asyncio.Semaphore(args.concurrency)

    async def one(n: int) -> Attempt:
        async with at_once:
            result = await shop(http, base, sale, n)
        done[result.outcome] += 1
        total = sum(done.values())
        if total % 500 == 0:
            say(f"  {total:,} attempts done: {dict(done)}")
        return result

    started = time.perf_counter()
    attempts = await asyncio.gather(*(one(n) for n in range(args.attempts)))
    return list(attempts), time.perf_counter() - started


def audit(database: Database, sale: Sale, args: argparse.Namespace) -> dict:
    """What the database says happened, read after the rush."""
    import sqlalchemy as sa

    engine = sa.create_engine(database.url)
    try:
        with engine.connect() as conn:
            def one(sql: str, **params):
                return conn.execute(sa.text(sql), params).scalar()

            # This run's orders: those with a line of the sale's variant (a shop's database has others).
            ours = ("SELECT o.* FROM orders o WHERE o.status != 'cancelled' AND EXISTS (SELECT 1 FROM order_lines l "
                    "WHERE l.order_id = o.id AND l.variant_id = :v)")
            return {
                "orders": one(f"SELECT count(*) FROM ({ours}) o", v=sale.variant_id),
                "units_sold": one("SELECT coalesce(sum(l.quantity), 0) FROM order_lines l JOIN orders o "
                                  "ON o.id = l.order_id WHERE o.status != 'cancelled' AND l.variant_id = :v",
                                  v=sale.variant_id),
                "stock": one("SELECT stock FROM variants WHERE id = :v", v=sale.variant_id),
                "discounted_orders": one(f"SELECT count(*) FROM ({ours}) o WHERE o.discount > 0", v=sale.variant_id),
                # Orders whose discount is not what the redemptions standing for them add up to: a
                # discount given without being counted against its offer's cap, or the reverse.
                "discount_mismatches": one(
                    f"SELECT count(*) FROM ({ours}) o WHERE o.discount + o.shipping_discount != coalesce(("
                    "SELECT sum(r.discount) FROM offer_redemptions r WHERE r.order_id = o.id "
                    "AND r.status IN ('held', 'confirmed')), 0)", v=sale.variant_id),
                "redemptions_count": one("SELECT redemptions_count FROM offers WHERE id = :o", o=sale.offer_id),
                "redemption_rows": one("SELECT count(*) FROM offer_redemptions WHERE offer_id = :o "
                                       "AND status IN ('held', 'confirmed')", o=sale.offer_id),
                "discount_given": one("SELECT coalesce(sum(discount), 0) FROM offer_redemptions "
                                      "WHERE offer_id = :o AND status IN ('held', 'confirmed')", o=sale.offer_id),
            }
    finally:
        engine.dispose()


def check(facts: dict, attempts: list[Attempt], args: argparse.Namespace) -> list[str]:
    failures = []
    ordered = sum(a.outcome == "ordered" for a in attempts)
    if facts["units_sold"] > args.stock:
        failures.append(f"oversold: {facts['units_sold']} units sold of {args.stock}")
    if facts["stock"] < 0:
        failures.append(f"stock went below zero: {facts['stock']}")
    if facts["stock"] + facts["units_sold"] != args.stock:
        failures.append(f"stock {facts['stock']} + sold {facts['units_sold']} != {args.stock}")
    if facts["redemptions_count"] > args.cap:
        failures.append(f"over-redeemed: counter {facts['redemptions_count']} above the cap {args.cap}")
    if facts["redemption_rows"] != facts["redemptions_count"]:
        failures.append(f"the counter {facts['redemptions_count']} differs from the "
                        f"{facts['redemption_rows']} redemptions held or confirmed")
    if not args.base_url and facts["discounted_orders"] != facts["redemption_rows"]:
        # (A running shop has offers of its own that may discount these orders too.)
        failures.append(f"{facts['discounted_orders']} discounted orders but {facts['redemption_rows']} redemptions")
    if facts["discount_mismatches"]:
        failures.append(f"{facts['discount_mismatches']} orders' discounts differ from their redemptions standing")
    if ordered != facts["orders"]:
        failures.append(f"{ordered} shoppers were shown an order but the database has {facts['orders']}")
    return failures


def report(database: Database, sale: Sale, args: argparse.Namespace, attempts: list[Attempt], seconds: float,
           facts: dict, failures: list[str]) -> None:
    outcomes = Counter(a.outcome for a in attempts)
    whole = [a.seconds * 1000 for a in attempts]
    place = [s * 1000 for a in attempts for s in a.place_seconds]
    over_redeemed = max(0, facts["redemptions_count"] - args.cap,
                        facts["redemption_rows"] - args.cap)
    print()
    print(f"Flash sale: {args.attempts:,} checkout attempts, {args.concurrency} at once, on one product of "
          f"{args.stock} units with a tab-visitor offer (20 % off, cap {args.cap})")
    if args.base_url:
        print(f"The shop running at {args.base_url} (its own servers) on {database.kind}; the client runs on "
              f"the same {os.cpu_count()}-CPU machine")
    else:
        print(f"gunicorn --workers {args.workers} --threads {args.threads} on {database.kind}; the client runs on "
              f"the same {os.cpu_count()}-CPU machine")
    print(f"Load average before the rush: {facts['load_before']}; after: {format_load()} (other work on the "
          f"machine competes for the same CPUs)")
    if database.note:
        print(f"NOTE: {database.note}")
    print()
    print(f"  attempts                {len(attempts):>8,}")
    print(f"  orders placed           {outcomes['ordered']:>8,}   "
          f"({facts['redemption_rows']} with the offer, {facts['orders'] - facts['redemption_rows']} without it "
          f"after it ran out; {sum(a.looked_again for a in attempts)} reviews re-shown)")
    print(f"  sold out                {outcomes['sold_out']:>8,}")
    print(f"  errors                  {outcomes['error']:>8,}")
    busy = sum(a.busy for a in attempts)
    if busy:
        print(f"  busy (503), sent again  {busy:>8,}   (to {sum(a.busy > 0 for a in attempts):,} shoppers; "
              f"each waited its Retry-After)")
    print(f"  units sold / stock left {facts['units_sold']:>4} / {facts['stock']}")
    print(f"  oversells               {max(0, facts['units_sold'] - args.stock):>8}")
    print(f"  redemptions / cap       {facts['redemptions_count']:>4} / {args.cap}   "
          f"({facts['redemption_rows']} rows held or confirmed, discount given {facts['discount_given'] / 100:.2f})")
    print(f"  over-redemptions        {over_redeemed:>8}")
    print(f"  discounts off their redemptions {facts['discount_mismatches']:>4}   "
          f"({facts['discounted_orders']} orders with a discount)")
    print(f"  throughput              {len(attempts) / seconds:>8.1f} attempts/s   ({seconds:.1f} s)")
    spent: Spent = facts["spent"]
    parts = [f"{name} {value:.1f} s ({1000 * value / len(attempts):.1f} ms an attempt)"
             for name, value in (("shop", spent.shop), ("PostgreSQL", spent.postgres), ("this client", spent.client))
             if value is not None]
    print(f"  CPU used in the rush    {', '.join(parts)}; the machine had {os.cpu_count()} × {seconds:.1f} s")
    print(f"  whole attempt           p50 {percentile(whole, 50):>7.0f} ms   p99 {percentile(whole, 99):>7.0f} ms")
    for outcome, name in (("ordered", "ordered"), ("sold_out", "sold out")):
        these = [a for a in attempts if a.outcome == outcome]
        if these:
            took = [a.seconds * 1000 for a in these]
            print(f"    of which {name:<14} p50 {percentile(took, 50):>7.0f} ms   p99 {percentile(took, 99):>7.0f} ms"
                  f"   ({len(these):,} attempts, {statistics.mean(len(a.answers) for a in these):.1f} answers each)")
    # The first `concurrency` shoppers start at once and find stock: all of them check out together.
    for name, these in ((f"the first {args.concurrency}", [a for a in attempts if a.number < args.concurrency]),
                        ("the others", [a for a in attempts if a.number >= args.concurrency])):
        if these:
            took = [a.seconds * 1000 for a in these]
            print(f"    {name:<23} p50 {percentile(took, 50):>7.0f} ms   p99 {percentile(took, 99):>7.0f} ms"
                  f"   ({sum(a.outcome == 'ordered' for a in these):,} of them ordered)")
    if place:
        print(f"  place order step        p50 {percentile(place, 50):>7.0f} ms   p99 {percentile(place, 99):>7.0f} ms"
              f"   ({len(place)} placings, mean {statistics.mean(place):.0f} ms)")
    print_steps(attempts)
    served = sum((a.served_by for a in attempts), Counter())
    nodes = {name: count for name, count in served.items() if name != "-"}
    if nodes:
        total = sum(served.values())
        split = ", ".join(f"{name} {count:,} ({100 * count / total:.1f} %)" for name, count in sorted(nodes.items()))
        unnamed = f", {served['-']:,} without the header" if served.get("-") else ""
        print(f"  requests per node       {split}{unnamed}   (X-Served-By of {total:,} answers)")
    errors = Counter(a.detail for a in attempts if a.outcome == "error")
    for detail, count in errors.most_common(5):
        print(f"  error × {count}: {detail}")
    print()
    if failures:
        print("INVARIANTS FAILED:")
        for failure in failures:
            print(f"  - {failure}")
    else:
        print("Invariants hold: no oversell, no over-redemption, counters equal the redemptions standing, "
              "every discount is a redemption standing.")
    sys.stdout.flush()


def print_steps(attempts: list[Attempt]) -> None:
    """Each step of the flow: how many answers, how long each took (from sending the request to
    the answer's whole body, as the client's event loop saw it; retries each counted on their
    own), and how many were 503."""
    times: dict[str, list[float]] = {}
    busy: Counter = Counter()
    for attempt in attempts:
        for step, seconds, status in attempt.answers:
            times.setdefault(step, []).append(seconds * 1000)
            busy[step] += status == 503
    print()
    print(f"  {'step':<40} {'answers':>8} {'p50 ms':>8} {'p99 ms':>8} {'503':>6}")
    for step, values in sorted(times.items(), key=lambda item: -len(item[1])):
        print(f"  {step[:40]:<40} {len(values):>8,} {percentile(values, 50):>8.0f} {percentile(values, 99):>8.0f} "
              f"{busy[step]:>6,}")
    print()


class Server(Gunicorn):
    """The shop's production gunicorn settings (storefront/gunicorn_conf.py, as the page bench and
    `make run` use them), with this run's worker and thread counts."""

    def __init__(self, *args, workers: int, threads: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.workers, self.threads = workers, threads

    @property
    def command(self) -> list[str]:
        app = super().command.pop()
        return [*super().command[:-1], "--workers", str(self.workers), "--threads", str(self.threads),
                "--log-level", "warning", app]


def run(args: argparse.Namespace, workdir: Path) -> int:
    database = Database(args, workdir)
    try:
        say(f"Database: {database.kind}" + (f" ({database.note})" if database.note else ""))
        started = time.perf_counter()
        sale = seed(database, workdir, args)
        say(f"  {'seeded' if database.shared else 'migrated and seeded'} in {time.perf_counter() - started:.1f} s")
        if args.base_url:
            attempts, seconds, load_before, spent = rush_running_shop(args.base_url, sale, args)
            log_hint = "the shop's own logs"
        else:
            attempts, seconds, load_before, spent = rush_own_server(database, sale, args, workdir)
            log_hint = f"the server log {workdir / 'gunicorn.log'}; --keep keeps it"
        facts = audit(database, sale, args) | {"load_before": load_before, "spent": spent}
        failures = check(facts, attempts, args)
        report(database, sale, args, attempts, seconds, facts, failures)
        if sum(a.outcome == "error" for a in attempts) and not failures:
            say(f"(errors above: see {log_hint})")
        return 1 if failures else 0
    finally:
        database.drop()


def rush_own_server(database: Database, sale: Sale, args: argparse.Namespace,
                    workdir: Path) -> tuple[list[Attempt], float, str, Spent]:
    env = {"DATABASE_URL": database.url, "INSTANCE_PATH": str(workdir / "instance"),
           "UPLOAD_FOLDER": str(workdir / "instance" / "uploads"),
           "HUEY_URL": f"sqlite:///{workdir / 'instance' / 'tasks.db'}", "SECRET_KEY": BENCH_SECRET_KEY,
           # The demo Meta app, whose launches this bench signs; plain cookies over http.
           "DEMO_PAGE": "true", "EMBEDDED_COOKIES": "false", "SMTP_HOST": "", "TASKS_IMMEDIATE": "false"}
    say(f"Serving with gunicorn, {args.workers} workers × {args.threads} threads")
    with Server("wsgi:app", env=env, ready_path="/healthz", log=workdir / "gunicorn.log",
                workers=args.workers, threads=args.threads) as server:
        base = f"http://127.0.0.1:{server.port}"
        for _ in range(args.workers * 4):  # each worker loads its templates once, before the clock
            server.get(sale.product_path)
        say(f"Rushing: {args.attempts:,} checkout attempts, {args.concurrency} at once")
        load_before = format_load()
        shop_cpu, postgres_cpu = server.cpu_seconds(), local_postgres_cpu_seconds()
        attempts, seconds, spent = rush(base, sale, args)
        spent.shop = server.cpu_seconds() - shop_cpu
        if postgres_cpu is not None and database.kind == "PostgreSQL":
            spent.postgres = (local_postgres_cpu_seconds() or 0) - postgres_cpu
    return attempts, seconds, load_before, spent


def rush_running_shop(base: str, sale: Sale, args: argparse.Namespace) -> tuple[list[Attempt], float, str, Spent]:
    """The rush against a shop someone else started (its settings must have DEMO_PAGE on, whose Meta
    app this bench signs launches for)."""
    import requests

    say(f"Rushing the shop at {base}")
    try:
        for _ in range(16):  # every worker behind it loads its templates once, before the clock
            requests.get(f"{base}{sale.product_path}", timeout=30)
    except requests.RequestException as error:
        raise ServerFailed(f"the shop at {base} does not answer: {error}") from None
    say(f"Rushing: {args.attempts:,} checkout attempts, {args.concurrency} at once")
    load_before = format_load()
    attempts, seconds, spent = rush(base, sale, args)
    return attempts, seconds, load_before, spent


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_isolated("shop-flash-sale-", lambda workdir: run(args, workdir), keep=args.keep,
                        interrupted="Interrupted; the server was stopped and the database dropped "
                                    "(a running shop's database keeps what was seeded).")


if __name__ == "__main__":
    sys.exit(main())
