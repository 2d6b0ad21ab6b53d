"""`python -m bench.checkout_path`: the server CPU each step of a flash-sale checkout costs, in-process.

The flash sale (`bench.flash_sale`) is seeded into a throwaway database (PostgreSQL when the
server is reachable, and SQLite), and `--shoppers` shoppers each go the whole way through Flask's
test client, in this process, one after the other: the Meta page tab launch, the product page, a
form token, add to cart, the details form and its POST, the review page and "place order" (the
steps and requests of `bench.flash_sale`, whose first shoppers all find stock). CPU is
`time.process_time()` around each request, with the statements each step ran; the page cache is
the shop's default store, as `make run` has it.

The last lines say what the figures mean for the flash sale's first `--concurrency` shoppers,
who start at once and all check out: the shop CPU they need together, and so the least time the
last of them can finish in on this machine's CPUs, however the server orders the work, before
PostgreSQL's CPU, the load generator's and the other shoppers' (who arrive as these finish).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from .run import format_load, run_isolated

STEPS = ("POST /tab", "GET product", "GET /forms/token", "POST /cart/add", "GET /checkout", "POST /checkout",
         "GET /checkout/review", "POST /checkout/place")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from .flash_sale import DEFAULT_POSTGRES

    parser = argparse.ArgumentParser(prog="python -m bench.checkout_path", description=__doc__.splitlines()[0])
    parser.add_argument("--shoppers", type=int, default=100, help="measured checkouts per database (100)")
    parser.add_argument("--warmup", type=int, default=10, help="checkouts before measuring (10)")
    parser.add_argument("--concurrency", type=int, default=150,
                        help="the flash sale's shoppers at once, for the last lines (150)")
    parser.add_argument("--postgres", default=os.environ.get("FLASH_SALE_POSTGRES", DEFAULT_POSTGRES),
                        help=f"the PostgreSQL server for a throwaway database (default {DEFAULT_POSTGRES})")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    return parser.parse_args(argv)


class Shopper:
    """One shopper's whole checkout through the test client, each step's CPU and statements noted."""

    def __init__(self, app, sale, cpu: dict, statements: dict, log: list):
        self.client = app.test_client()
        self.sale, self.cpu, self.statements, self.log = sale, cpu, statements, log

    def step(self, name: str, method: str, path: str, **kwargs):
        self.log.clear()
        started = time.process_time()
        response = self.client.open(path, method=method, **kwargs)
        text = response.get_data(as_text=True)
        self.cpu[name].append((time.process_time() - started) * 1000)
        self.statements[name].append(len(self.log))
        return response, text

    def token(self, text: str) -> str:
        from .flash_sale import CSRF, _match

        found = _match(CSRF, text)
        if found:
            return found
        return json.loads(self.step("GET /forms/token", "GET", "/forms/token")[1])["csrf_token"]

    def checkout(self, n: int) -> None:
        from .flash_sale import SHOWN_TOTAL, _match, signed_request

        sale = self.sale
        launched, _ = self.step("POST /tab", "POST", "/tab",
                                data={"signed_request": signed_request(f"9{n:07d}", f"p:{sale.product_slug}")})
        _, page = self.step("GET product", "GET", launched.headers["Location"])
        added, _ = self.step("POST /cart/add", "POST", "/cart/add", data={
            "csrf_token": self.token(page), "product_id": str(sale.product_id), "variant_id": str(sale.variant_id),
            "quantity": "1"})
        if added.status_code != 303:
            raise SystemExit(f"add to cart answered {added.status_code}")
        _, details = self.step("GET /checkout", "GET", "/checkout")
        filled, _ = self.step("POST /checkout", "POST", "/checkout", data={
            "csrf_token": self.token(details), "email": f"shopper{n}@example.com", "full_name": "Flash Shopper",
            "address_line1": "Tērbatas iela 2", "city": "Rīga", "postal_code": "LV-1011", "country": "LV",
            "shipping_method": "standard", "payment_method": "bank_transfer"})
        if filled.status_code != 303:
            raise SystemExit(f"the details answered {filled.status_code}")
        _, review = self.step("GET /checkout/review", "GET", "/checkout/review")
        placed, _ = self.step("POST /checkout/place", "POST", "/checkout/place", data={
            "csrf_token": self.token(review), "shown_total": _match(SHOWN_TOTAL, review)})
        if "/orders/" not in placed.headers.get("Location", ""):
            raise SystemExit(f"place order answered {placed.status_code} to {placed.headers.get('Location')}")


def measure(kind: str, workdir: Path, args: argparse.Namespace) -> dict[str, list[float]] | None:
    import sqlalchemy as sa

    from . import flash_sale

    sale_args = flash_sale.parse_args(["--stock", str(args.warmup + args.shoppers), "--cap",
                                       str(args.warmup + args.shoppers), "--postgres", args.postgres]
                                      + (["--sqlite"] if kind == "SQLite" else []))
    folder = workdir / kind.lower()
    folder.mkdir()
    database = flash_sale.Database(sale_args, folder)
    if database.kind != kind:
        say(f"{kind}: {database.note}; left out")
        return None
    try:
        sale = flash_sale.seed(database, folder, sale_args)
        from storefront import create_app
        from storefront.extensions import db

        from .seed import BENCH_SECRET_KEY

        # The settings `bench.flash_sale` serves the shop with: the demo Meta app, plain cookies.
        os.environ.update({"DATABASE_URL": database.url, "INSTANCE_PATH": str(folder / "instance"),
                           "UPLOAD_FOLDER": str(folder / "instance" / "uploads"),
                           "HUEY_URL": f"sqlite:///{folder / 'tasks.db'}", "SECRET_KEY": BENCH_SECRET_KEY,
                           "DEMO_PAGE": "true", "EMBEDDED_COOKIES": "false", "SMTP_HOST": "",
                           "TASKS_IMMEDIATE": "false"})
        app = create_app()
        log: list[str] = []
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", lambda *a: log.append(a[2]))
        cpu: dict[str, list[float]] = defaultdict(list)
        statements: dict[str, list[int]] = defaultdict(list)
        for n in range(args.warmup):
            Shopper(app, sale, cpu, statements, log).checkout(100_000 + n)
        cpu.clear()
        statements.clear()
        say(f"{kind}: {args.shoppers} checkouts")
        for n in range(args.shoppers):
            Shopper(app, sale, cpu, statements, log).checkout(n)
        with app.app_context():
            db.engine.dispose()
        return {"cpu": cpu, "statements": statements}
    finally:
        database.drop()


def report(results: dict[str, dict], args: argparse.Namespace) -> None:
    kinds = list(results)
    print()
    print(f"A flash-sale checkout, step by step: shop CPU in-process, median of {args.shoppers} shoppers "
          f"(load average {format_load()}; other work on the machine adds to these figures)")
    print()
    print(f"  {'step':<24}" + "".join(f"{kind + ' ms':>16}{'statements':>12}" for kind in kinds))
    totals = {kind: 0.0 for kind in kinds}
    for step in STEPS:
        cells = ""
        for kind in kinds:
            cpu = results[kind]["cpu"].get(step, [])
            counts = results[kind]["statements"].get(step, [])
            per_shopper = sum(cpu) / args.shoppers  # a step some shoppers skip counts for what it cost them
            totals[kind] += per_shopper
            cells += f"{statistics.median(cpu) if cpu else 0:>16.2f}{statistics.median(counts) if counts else 0:>12.0f}"
        print(f"  {step:<24}{cells}")
    print(f"  {'a whole checkout':<24}" + "".join(f"{totals[kind]:>16.1f}{'':>12}" for kind in kinds))
    cpus = os.cpu_count() or 1
    print()
    for kind in kinds:
        together = totals[kind] * args.concurrency / 1000
        print(f"  {kind}: {args.concurrency} shoppers checking out at once need {together:.1f} s of shop CPU; on "
              f"{cpus} CPUs the last of them finishes after {together / cpus:.1f} s at the least")
    sys.stdout.flush()


def run(args: argparse.Namespace, workdir: Path) -> int:
    results = {}
    for kind in ("SQLite",) + (() if args.no_postgres else ("PostgreSQL",)):
        measured = measure(kind, workdir, args)
        if measured is not None:
            results[kind] = measured
    report(results, args)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_isolated("shop-checkout-path-", lambda workdir: run(args, workdir), keep=args.keep,
                        interrupted="Interrupted; the databases were dropped.")


if __name__ == "__main__":
    sys.exit(main())
