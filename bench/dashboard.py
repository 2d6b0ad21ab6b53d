"""The back-office dashboard's render time at 1,000 and 100,000 orders, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.dashboard [--sizes 1000,100000] [--postgres URL] [--sqlite-only]

Each database is made by the migrations and given `ORDERS_PER_DAY` orders a day going back as far
as the size needs (1,000 orders: a month; 100,000: nine years), with twice as many visits, the
funnel's daily step counts for every day of that history, and some offer redemptions, written in
bulk. The shop's trade is the same in both, only its history grows:
what the bench asks is whether any figure reads the whole history rather than its period. Then the
admin's dashboard (every section) for the last 30 days, and its three charts, are rendered
in-process by the Flask test client: a few warm-up renders, then the median of `--repeat`. The goal
is that 100 times the orders cost at most 1.5 times the render: every figure is summed by the
database over an indexed time range (the visits' by `ix_visits_created_at`).

The customers list (latest order first, by spend, and searched) is timed next to it, with no
goal: it sums every order of the shop by address (the orders come from 5,000 addresses), so it
grows with the orders; the figures say by how much.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import sqlalchemy as sa

from bench.seed import CHUNK, Site, _app, _migrate, analyze, postgres_database

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ORDERS_PER_DAY = 30
OFFER_DAYS = 60
CHANNELS = (("meta", "facebook"), ("telegram", "telegram"), ("vk", "vk"), ("web", "newsletter"), ("web", ""))
STATUSES = ("pending_payment", "paid", "fulfilled", "shipped", "delivered", "delivered", "delivered",
            "cancelled", "refunded")
SETTLED = ("delivered",) * 8 + ("cancelled", "refunded")
PAGES = ("/admin/?period=30d", "/admin/dashboard/sales.svg?period=30d", "/admin/dashboard/channels.svg?period=30d",
         "/admin/dashboard/ratings.svg?period=30d", "/admin/customers", "/admin/customers?sort=spend",
         "/admin/customers?q=b4242")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=lambda s: [int(n) for n in s.split(",")], default=[1_000, 100_000])
    parser.add_argument("--repeat", type=int, default=9, help="measured renders per page (default 9)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES", DEFAULT_POSTGRES))
    parser.add_argument("--sqlite-only", action="store_true", help="leave PostgreSQL out")
    return parser.parse_args(argv)


def _orders(count: int, now: dt.datetime, rng: random.Random):
    """Order rows, ORDERS_PER_DAY a day back from `now`, in chunks."""
    for start in range(0, count, CHUNK):
        rows = []
        for n in range(start, min(start + CHUNK, count)):
            total = rng.randrange(1500, 20000)
            channel, source = rng.choice(CHANNELS)
            created = now - dt.timedelta(days=n / ORDERS_PER_DAY, seconds=rng.randrange(3600))
            # As in a shop: orders of the last days are still to be paid, packed or shipped;
            # older ones were delivered, cancelled or refunded.
            status = rng.choice(STATUSES if now - created < dt.timedelta(days=4) else SETTLED)
            paid = status not in ("pending_payment", "cancelled")
            rows.append({
                "id": n + 1, "number": f"B{n + 1:08d}", "tracking_token": f"bench-{n:012d}", "status": status,
                "email": f"b{n % 5000}@example.com", "locale": "en", "full_name": "Bench Buyer",
                "address_line1": "Street 1", "address_line2": "", "city": "Rīga", "postal_code": "LV-1001",
                "country": "LV", "phone": "", "shipping_method": "standard", "payment_method": "bank_transfer",
                "currency": "EUR", "items_subtotal": total, "discount": rng.choice((0, 0, 500)), "shipping": 0,
                "shipping_discount": 0, "tax": 0, "tax_included": True, "total": total,
                "amount_refunded": total if status == "refunded" else 0, "stock_held": status == "pending_payment",
                "reserved_until": created + dt.timedelta(hours=72) if status == "pending_payment" else None,
                "payment_reference": "", "carrier": "", "tracking_number": "", "channel": channel,
                "utm_source": source, "utm_campaign": "", "created_at": created,
                "paid_at": created + dt.timedelta(hours=2) if paid else None})
        yield rows


def _visits(count: int, now: dt.datetime, rng: random.Random):
    for start in range(0, count, CHUNK):
        rows = []
        for n in range(start, min(start + CHUNK, count)):
            channel, source = rng.choice(CHANNELS)
            rows.append({"visit_key": f"bench{n:027d}", "channel": channel, "utm_source": source,
                         "utm_campaign": "", "landing_path": "/", "referrer_host": "",
                         "created_at": now - dt.timedelta(days=n / (2 * ORDERS_PER_DAY),
                                                          seconds=rng.randrange(3600))})
        yield rows


def _steps(days: int, now: dt.datetime, rng: random.Random):
    """The funnel's counted steps (`FunnelCount`), one row per day, channel and step, back `days` days."""
    rows = []
    for back in range(days + 1):
        day = (now - dt.timedelta(days=back)).date()
        for channel, source in CHANNELS:
            views = rng.randrange(8, 14)
            for step, count in (("product_views", views), ("carts", views // 3), ("checkouts", views // 5)):
                rows.append({"day": day, "channel": channel, "utm_source": source, "step": step, "count": count})
                if len(rows) == CHUNK:
                    yield rows
                    rows = []
    if rows:
        yield rows


def seed(site: Site, orders: int, now: dt.datetime) -> None:
    """The schema, an admin, two offers live for the last OFFER_DAYS days, `orders` orders, twice
    as many visits, the funnel's step counts of every day they span, and a redemption for one
    order in twenty of the offers' days."""
    from promotions.models import Offer, Redemption
    from storefront.accounts.models import User
    from storefront.extensions import db
    from storefront.orders.models import Order
    from storefront.social.models import FunnelCount, Visit

    rng = random.Random(orders)
    app = _app(site)
    with app.app_context():
        _migrate(app)
        admin = User(email="admin@example.com", role="admin")
        admin.set_password("bench password")
        db.session.add(admin)
        for n in (1, 2):
            db.session.add(Offer(name=f"Bench offer {n}", slug=f"bench-{n}", benefit="percent", percent=10,
                                 target="order", audience="everyone", audience_pages=[], timezone="Europe/Riga",
                                 starts_at=now - dt.timedelta(days=OFFER_DAYS), ends_at=now + dt.timedelta(days=30),
                                 state="scheduled", cap_total=None if n == 1 else orders))
        db.session.commit()
        for rows in _orders(orders, now, rng):
            db.session.execute(sa.insert(Order), rows)
            redemptions = [
                {"offer_id": 1 + row["id"] % 2, "order_id": row["id"], "status": "confirmed", "discount": 500,
                 "channel": row["channel"], "utm_source": row["utm_source"], "customer_keys": [],
                 "created_at": row["created_at"], "confirmed_at": row["paid_at"]}
                for row in rows if row["id"] % 20 == 0 and row["paid_at"]
                and row["created_at"] > now - dt.timedelta(days=OFFER_DAYS)]
            if redemptions:
                db.session.execute(sa.insert(Redemption), redemptions)
        for rows in _visits(2 * orders, now, rng):
            db.session.execute(sa.insert(Visit), rows)
        for rows in _steps(orders // ORDERS_PER_DAY + 1, now, rng):
            db.session.execute(sa.insert(FunnelCount), rows)
        db.session.commit()
        db.engine.dispose()
    if site.url:
        analyze(site.url)


def measure(site: Site, repeat: int) -> dict[str, float]:
    """Median milliseconds per page, rendered by the test client as the admin."""
    from storefront.accounts.models import User
    from storefront.accounts.sessions import begin_session
    from storefront.database import utcnow
    from storefront.extensions import db

    app = _app(site)
    timings: dict[str, float] = {}
    with app.app_context():
        client = app.test_client()
        admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.com"))
        token = begin_session(admin, remember=False, now=utcnow())
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        for page in PAGES:
            for _ in range(3):
                assert client.get(page).status_code == 200, page
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(page)
                samples.append((time.perf_counter() - started) * 1000)
            timings[page] = statistics.median(samples)
        db.engine.dispose()
    return timings


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    now = dt.datetime.now(dt.timezone.utc)
    results: list[tuple[str, int, dict[str, float]]] = []
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-dashboard-")))
        backends = ["SQLite"] + ([] if args.sqlite_only else ["PostgreSQL"])
        for backend in backends:
            for size in args.sizes:
                url = None
                if backend == "PostgreSQL":
                    url = stack.enter_context(postgres_database(args.postgres, "bench_dashboard"))
                    if url is None:
                        print(f"PostgreSQL at {args.postgres} does not answer: left out")
                        break
                site = Site(f"{backend} {size}", workdir / f"{backend.lower()}-{size}", url=url)
                started = time.perf_counter()
                seed(site, size, now)
                print(f"{backend}: {size:,} orders seeded in {time.perf_counter() - started:.1f} s", flush=True)
                results.append((backend, size, measure(site, args.repeat)))
    print()
    print(f"{'database':<11} {'orders':>8} " + " ".join(f"{label:>12}" for label in (
        "dashboard", "sales.svg", "channels.svg", "ratings.svg", "customers", "by spend", "searched"))
          + f" {'× smallest':>11}")
    smallest: dict[str, float] = {}
    for backend, size, timings in results:
        page = timings[PAGES[0]]
        smallest.setdefault(backend, page)
        print(f"{backend:<11} {size:>8,} " + " ".join(f"{timings[p]:>9.1f} ms" for p in PAGES)
              + f" {page / smallest[backend]:>10.2f}×")
    print("\nMedian render time in-process (Flask test client), the admin's dashboard for the last 30 days; "
          "goal: the largest within 1.5× of the smallest. Machine load (1, 5, 15 min): "
          + ", ".join(f"{value:.2f}" for value in os.getloadavg()))


if __name__ == "__main__":
    main()
