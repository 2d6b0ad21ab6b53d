"""`python -m bench.overload`: the shop under ten times the load it can serve, then after it.

The demo shop on a throwaway SQLite database, under gunicorn with the shop's settings
(storefront/gunicorn_conf.py, through bench/gunicorn_conf.py, which also counts each worker's
requests). Two kinds of work that no cache answers:
- an uncached page: the product page of a shopper with a cart (such a page is rendered for them);
- checkout: `POST /api/v1/orders` (bank transfer), each from a cart of its own, made beforehand.

For each: the sustainable rate is measured first (8 clients, each sending its next request when
the last is answered), then shoppers *arrive* at ten times that rate for a while, whether or not
earlier ones were answered, as a crowd following a link does (an open loop; each gives up after
`--patience` seconds), while a few clients keep reading a page the page cache holds. Then the crowd
stops and the 8 clients measure again: the shop must be back at once. Printed: answers per second,
p50/p99 of the pages served, the share of 503s and how fast they came (time to first byte), how
many shoppers gave up, how the work was split over the workers, and, for checkout, what the
database holds afterwards (each refused cart whole, each placed one ordered exactly once).

The load comes from this process (asyncio, one connection per request), on the same machine as
the server: compare figures within one run. A bench, run by hand; never part of the test suite.
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from .run import format_load, run_isolated, say
from .seed import seed_demo
from .servers import Gunicorn, ServerFailed

PRODUCT_SLUG = "gauja-cable-knit-pullover"
CACHED_PATH = "/"
SHOPPER = {"email": "rush@example.com", "full_name": "Rush Shopper", "address_line1": "Tērbatas iela 2",
           "city": "Rīga", "postal_code": "LV-1011", "country": "LV", "shipping_method": "standard",
           "payment_method": "bank_transfer"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.overload", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="how long the crowd arrives (default 20)")
    parser.add_argument("--measure", type=float, default=8,
                        help="seconds of each 8-client measurement, before and after (default 8)")
    parser.add_argument("--factor", type=float, default=10, help="the crowd's rate ÷ the sustainable rate (default 10)")
    parser.add_argument("--patience", type=float, default=10,
                        help="seconds a shopper waits before giving up (default 10)")
    parser.add_argument("--clients", type=int, default=8, help="clients of the sustainable measurement (default 8)")
    parser.add_argument("--carts", type=int, default=6000, help="carts made for the checkout run (default 6,000)")
    parser.add_argument("--only", choices=("page", "checkout"), help="run one of the two")
    parser.add_argument("--checkout-max", type=int,
                        help="CHECKOUT_MAX_CONCURRENT for the server (default: the shop's setting)")
    parser.add_argument("--app", default="wsgi:app",
                        help="the WSGI app gunicorn serves (default wsgi:app, as `make run`)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, server log)")
    return parser.parse_args(argv)


# --- one request ----------------------------------------------------------------------------------

@dataclass
class Sample:
    status: int  # 0: no connection; -1: the shopper gave up
    ttfb: float = 0.0  # seconds to the status line
    seconds: float = 0.0  # to the last byte
    retry_after: bool = False
    body: bytes = b""


def raw_request(method: str, path: str, *, cookie: str = "", body: bytes = b"",
                content_type: str = "application/json") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", "Accept-Language: lv,en;q=0.5",
             "User-Agent: bench-overload"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    if body:
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def fetch(port: int, request: bytes, patience: float, keep_body: bool = False) -> Sample:
    started = time.perf_counter()
    writer = None

    async def exchange() -> Sample:
        nonlocal writer
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        status_line = await reader.readline()
        ttfb = time.perf_counter() - started
        head = await reader.readuntil(b"\r\n\r\n")
        body = await reader.read()
        status = int(status_line.split()[1]) if status_line.startswith(b"HTTP/") else 0
        return Sample(status, ttfb, time.perf_counter() - started, b"\nretry-after:" in head.lower(),
                      body if keep_body else b"")

    try:
        return await asyncio.wait_for(exchange(), patience)
    except asyncio.TimeoutError:
        return Sample(-1, seconds=time.perf_counter() - started)
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
        return Sample(0, seconds=time.perf_counter() - started)
    finally:
        if writer is not None:
            writer.close()


# --- the work -------------------------------------------------------------------------------------

class PageWork:
    """The product page, rendered for a shopper with a cart (the page cache does not answer it)."""

    name = "uncached page"

    def __init__(self, path: str, cookie: str):
        self.label = f"product page of a shopper with a cart ({path})"
        self.request = raw_request("GET", path, cookie=cookie)

    def next_request(self) -> bytes | None:
        return self.request

    def done(self, request: bytes, sample: Sample) -> None:
        pass


class CheckoutWork:
    """`POST /api/v1/orders` from the next unused cart; a refused cart goes back to the pool."""

    name = "checkout"
    label = "POST /api/v1/orders, one cart each (bank transfer)"

    def __init__(self, tokens: list[str]):
        self.pool = deque(tokens)
        self.token_of: dict[bytes, str] = {}
        self.ran_out = 0
        self.created = 0  # 201s, the warm-up's included

    def next_request(self) -> bytes | None:
        if not self.pool:
            self.ran_out += 1
            return None
        token = self.pool.popleft()
        request = raw_request("POST", "/api/v1/orders", body=json.dumps({**SHOPPER, "cart_token": token}).encode())
        self.token_of[request] = token
        return request

    def done(self, request: bytes, sample: Sample) -> None:
        token = self.token_of.pop(request)
        self.created += sample.status == 201
        if sample.status in (0, 503):  # nothing was done with it: another shopper may use it
            self.pool.append(token)


# --- loads ----------------------------------------------------------------------------------------

@dataclass
class Run:
    label: str
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    offered: str = ""
    workers: dict[int, int] = field(default_factory=dict)
    server_cpu: float = 0.0


async def closed_loop(port: int, work, clients: int, seconds: float, patience: float) -> list[Sample]:
    deadline = time.perf_counter() + seconds
    samples: list[Sample] = []

    async def client() -> None:
        while time.perf_counter() < deadline:
            request = work.next_request()
            if request is None:
                return
            sample = await fetch(port, request, patience)
            work.done(request, sample)
            samples.append(sample)

    await asyncio.gather(*(client() for _ in range(clients)))
    return samples


async def open_loop(port: int, work, rate: float, seconds: float, patience: float) -> list[Sample]:
    """`rate` arrivals a second for `seconds`, each waiting at most `patience` for its answer."""
    samples: list[Sample] = []
    started = time.perf_counter()
    tasks = []

    async def arrive(request: bytes) -> None:
        sample = await fetch(port, request, patience)
        work.done(request, sample)
        samples.append(sample)

    for i in range(int(rate * seconds)):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        request = work.next_request()
        if request is not None:
            tasks.append(asyncio.create_task(arrive(request)))
    await asyncio.gather(*tasks)
    return samples


def measured(server: Gunicorn, label: str, seconds: float, load) -> Run:
    """Run the coroutine `load`, noting the server's CPU and each worker's share meanwhile."""
    counts, cpu = server.worker_counts(), server.cpu_seconds()
    started = time.perf_counter()
    samples = asyncio.run(load)
    run = Run(label, time.perf_counter() - started, samples)
    after = server.worker_counts()
    run.workers = {pid: after[pid] - counts.get(pid, 0) for pid in after if after[pid] - counts.get(pid, 0)}
    run.server_cpu = server.cpu_seconds() - cpu
    return run


async def flood_with_probe(port: int, work, rate: float, args: argparse.Namespace,
                           probe_samples: list[Sample]) -> list[Sample]:
    """The crowd, while two clients keep reading a page the page cache holds."""

    class Probe:
        request = raw_request("GET", CACHED_PATH)

        def next_request(self):
            return self.request

        def done(self, request, sample):
            pass

    flood = asyncio.create_task(open_loop(port, work, rate, args.seconds, args.patience))
    probe = asyncio.create_task(closed_loop(port, Probe(), 2, args.seconds, args.patience))
    samples = await flood
    probe_samples.extend(await probe)
    return samples


def scenario(server: Gunicorn, work, args: argparse.Namespace) -> list[Run]:
    port = server.port
    say(f"  {work.name}: warming up, then {args.clients} clients for {args.measure:.0f} s")
    asyncio.run(closed_loop(port, work, args.clients, 2, args.patience))
    before = measured(server, f"{args.clients} clients", args.measure,
                      closed_loop(port, work, args.clients, args.measure, args.patience))
    sustainable = sum(200 <= s.status < 300 for s in before.samples) / before.seconds
    rate = max(1.0, sustainable * args.factor)
    before.offered = f"{args.clients} clients"
    say(f"  {work.name}: {sustainable:.0f}/s served; now {rate:.0f} arrivals/s for {args.seconds:.0f} s")
    probe: list[Sample] = []
    crowd = measured(server, f"{args.factor:g}× the crowd", args.seconds,
                     flood_with_probe(port, work, rate, args, probe))
    crowd.offered = f"{rate:.0f} arrivals/s"
    cached = Run(f"  cached {CACHED_PATH} meanwhile", crowd.seconds, probe, offered="2 clients")
    say(f"  {work.name}: the crowd has gone; {args.clients} clients for {args.measure:.0f} s")
    after = measured(server, "right after", args.measure,
                     closed_loop(port, work, args.clients, args.measure, args.patience))
    after.offered = f"{args.clients} clients"
    return [before, crowd, cached, after]


# --- setup ----------------------------------------------------------------------------------------

def make_carts(site, count: int) -> tuple[list[str], int, int, int]:
    """`count` carts of one unit each of the demo pullover's first size, whose stock is raised so
    that the run never sells out: (tokens, the first cart's id, variant id, stock)."""
    import sqlalchemy as sa

    from storefront.cart import service as carts
    from storefront.cart.models import Cart
    from storefront.catalog.models import Product, Variant
    from storefront.extensions import db

    from .seed import _app

    app = _app(site)
    stock = 1_000_000
    with app.app_context():
        product = db.session.scalar(sa.select(Product).where(Product.slug == PRODUCT_SLUG))
        variant = db.session.get(Variant, product.variants[0].id)
        variant.stock = stock
        db.session.commit()
        first_cart = (db.session.scalar(sa.select(sa.func.max(Cart.id))) or 0) + 1
        tokens = []
        for _ in range(count):
            cart = carts.create_cart()
            carts.add_item(cart, variant, 1)
            tokens.append(cart.token)
        variant_id = variant.id
        db.engine.dispose()
    return tokens, first_cart, variant_id, stock


def shopper_cookie(server: Gunicorn, variant_id: int) -> str:
    """A session with a cart, as a browser would get one: a CSRF token, then "add to cart"."""
    def call(method, path, cookie="", body=None):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        headers = {"Cookie": cookie} if cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        set_cookie = response.getheader("Set-Cookie") or ""
        connection.close()
        return response.status, data, set_cookie.split(";", 1)[0] or cookie

    from urllib.parse import urlencode

    status, data, cookie = call("GET", "/forms/token")
    token = json.loads(data)["csrf_token"]
    status, _, cookie = call("POST", "/cart/add", cookie, urlencode(
        {"csrf_token": token, "variant_id": variant_id, "quantity": 1}))
    if status != 303:
        raise ServerFailed(f"add to cart answered {status}; see {server.log_path}")
    _, _, cookie = call("GET", "/cart/", cookie)  # shows (and so ends) the "added" message
    return cookie


def audit(site, first_cart: int, variant_id: int) -> dict:
    """What the database holds (the demo's own orders and mail included; compare two audits)."""
    import sqlalchemy as sa

    engine = sa.create_engine(site.database_url)
    try:
        with engine.connect() as conn:
            def one(sql: str, **params):
                return conn.execute(sa.text(sql), params).scalar()

            return {
                "orders": one("SELECT count(*) FROM orders"),
                "mails": one("SELECT count(*) FROM outbound_emails"),
                "units sold": one("SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE variant_id = :v",
                                  v=variant_id),
                "stock": one("SELECT stock FROM variants WHERE id = :v", v=variant_id),
                "carts ordered twice": one("SELECT count(*) FROM (SELECT cart_id FROM orders GROUP BY cart_id "
                                           "HAVING count(*) > 1) AS twice"),
                "unordered carts not whole": one(
                    "SELECT count(*) FROM carts c WHERE c.id >= :first AND NOT EXISTS (SELECT 1 FROM orders o "
                    "WHERE o.cart_id = c.id) AND (SELECT coalesce(sum(quantity), 0) FROM cart_lines l "
                    "WHERE l.cart_id = c.id) != 1", first=first_cart),
                "ordered carts not emptied": one(
                    "SELECT count(*) FROM carts c WHERE c.id >= :first AND EXISTS (SELECT 1 FROM orders o "
                    "WHERE o.cart_id = c.id) AND EXISTS (SELECT 1 FROM cart_lines l WHERE l.cart_id = c.id)",
                    first=first_cart),
            }
    finally:
        engine.dispose()


# --- the report -----------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def row(run: Run) -> str:
    samples = run.samples
    statuses = Counter(s.status for s in samples)
    served = [s.seconds * 1000 for s in samples if 200 <= s.status < 400]
    refused = [s for s in samples if s.status == 503]
    ttfb = [s.ttfb * 1000 for s in refused]
    answered = sum(n for status, n in statuses.items() if status > 0)
    share = 100 * len(refused) / len(samples) if samples else 0.0
    other = sum(n for status, n in statuses.items() if status >= 400 and status != 503) + statuses[0]
    without_retry_after = sum(not s.retry_after for s in refused)
    cpu = f"{run.server_cpu / run.seconds:>6.2f}" if run.server_cpu else f"{'':>6}"
    text = (f"{run.label:<24} {run.offered:>16} {answered / run.seconds:>8.0f} {len(served) / run.seconds:>7.0f} "
            f"{percentile(served, 50):>7.0f} {percentile(served, 99):>7.0f} {share:>6.1f} "
            f"{percentile(ttfb, 50):>6.0f} {percentile(ttfb, 99):>6.0f} {statuses[-1]:>7} {other:>6} {cpu}")
    if without_retry_after:
        text += f"   ({without_retry_after} 503s without Retry-After!)"
    return text


def split(run: Run) -> str:
    if not run.workers:
        return "n/a"
    shares = sorted(run.workers.values(), reverse=True)
    total = sum(shares)
    return " / ".join(f"{100 * n / total:.0f} %" for n in shares)


def report(results: dict[str, tuple[object, list[Run]]], args: argparse.Namespace, meta: dict) -> None:
    print()
    print(f"Overload: the demo shop ({meta['app']}) on SQLite, gunicorn with {meta['settings']} "
          f"(CHECKOUT_MAX_CONCURRENT={meta['checkout_max']}); load from this process (asyncio, one "
          f"connection per request) on the same {os.cpu_count()}-CPU machine")
    print(f"Load average before: {meta['load_before']}; after: {format_load()}. A shopper gives up after "
          f"{args.patience:g} s; the crowd arrives at {args.factor:g}× the rate {args.clients} clients were served "
          f"at, for {args.seconds:g} s.")
    header = (f"{'':<24} {'offered':>16} {'answ/s':>8} {'2xx/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'503 %':>6} "
              f"{'503 TTFB p50':>6} {'p99':>6} {'gave up':>7} {'other':>6} {'CPUs':>6}")
    for name, (work, runs) in results.items():
        print()
        print(f"{name}: {work.label}")
        print(header)
        print("-" * len(header))
        for run in runs:
            print(row(run))
        print("  (p50/p99: of the requests served 2xx/3xx; 503 TTFB: time to the first byte of the refusals, ms; "
              "other: other errors and failed connections; CPUs: the server's CPU seconds per second)")
        crowd = runs[1]
        print(f"  requests per worker during the crowd: {split(crowd)}; before: {split(runs[0])}; "
              f"server CPU during the crowd {crowd.server_cpu:.1f} s in {crowd.seconds:.1f} s")
    if "checkout" in results:
        before, after = meta["audit before"], meta["audit after"]
        delta = {name: after[name] - before[name] for name in ("orders", "mails", "units sold", "stock")}
        created = results["checkout"][0].created
        print()
        print(f"Checkout, in the database afterwards: {delta['orders']} new orders ({created} answered 201; any "
              f"others were placed for shoppers who had given up), {delta['mails']} new mails, "
              f"{delta['units sold']} units sold, stock {before['stock']:,} → {after['stock']:,}")
        problems = [f"{name} ({after[name]})" for name in
                    ("carts ordered twice", "unordered carts not whole", "ordered carts not emptied") if after[name]]
        if -delta["stock"] != delta["units sold"]:
            problems.append("stock taken ≠ units sold")
        if delta["mails"] != delta["orders"]:
            problems.append("new mails ≠ new orders")
        if created > delta["orders"]:
            problems.append("more 201s than orders")
        print("  " + ("INVARIANTS FAILED: " + ", ".join(problems) if problems
                      else "every refused cart is whole, every placed cart ordered exactly once, stock and mail "
                           "match the orders"))
        if results["checkout"][0].ran_out:
            print(f"  (the {args.carts:,} carts ran out: {results['checkout'][0].ran_out} arrivals had none; "
                  f"use --carts)")
    sys.stdout.flush()


def run(args: argparse.Namespace, workdir: Path) -> int:
    from .servers import settings_source

    say("Loading the demo shop")
    site = seed_demo(workdir / "demo")
    tokens, first_cart, variant_id, _ = make_carts(site, 0 if args.only == "page" else args.carts)
    say(f"  {site.products} products, {len(tokens):,} carts ready")
    env = site.environment()
    if args.checkout_max is not None:
        env["CHECKOUT_MAX_CONCURRENT"] = str(args.checkout_max)
    checkout_max = env.get("CHECKOUT_MAX_CONCURRENT") or os.environ.get("CHECKOUT_MAX_CONCURRENT") or "the default"
    results: dict[str, tuple[object, list[Run]]] = {}
    meta = {"settings": settings_source(), "checkout_max": checkout_max, "load_before": format_load(),
            "app": args.app}
    with Gunicorn(args.app, env=env, ready_path="/healthz", log=workdir / "gunicorn.log") as server:
        if args.only != "checkout":
            work = PageWork(f"/p/{PRODUCT_SLUG}", shopper_cookie(server, variant_id))
            results["uncached page"] = (work, scenario(server, work, args))
        if args.only != "page":
            meta["audit before"] = audit(site, first_cart, variant_id)
            work = CheckoutWork(tokens)
            results["checkout"] = (work, scenario(server, work, args))
    if "checkout" in results:
        meta["audit after"] = audit(site, first_cart, variant_id)
    report(results, args, meta)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_isolated("shop-overload-", lambda workdir: run(args, workdir), keep=args.keep,
                        interrupted="Interrupted; the server was stopped.")


if __name__ == "__main__":
    sys.exit(main())
