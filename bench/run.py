"""`python -m bench [--quick]`: seed the bench databases, serve each with gunicorn, load it, report.

The order is fixed: the hello world, the demo shop (catalog and product page), each catalog size,
then a product with 10,000 reviews next to one with none (`--reviews N`; `--only-reviews` for that
alone). Servers run one at a time, so each has both CPUs (shared with the load generator).
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import load, seed
from .servers import THREADS, WORKERS, Gunicorn, ServerFailed


@dataclass
class Row:
    group: str
    label: str
    path: str
    result: load.Result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a short run: 3 s per page after 1 s of warm-up, catalogs of 100 and 10,000")
    parser.add_argument("--seconds", type=float, help="measuring time per page (default 10)")
    parser.add_argument("--warmup", type=float, help="warm-up time per page (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--sizes", type=lambda s: [int(n) for n in s.split(",")],
                        help="catalog sizes to compare (default 100,100000)")
    parser.add_argument("--reviews", type=int, default=10_000,
                        help="reviews of the most reviewed product, measured against 12 and none (default "
                             "10,000; 0 skips)")
    parser.add_argument("--only-reviews", action="store_true",
                        help="measure only the hello world and the product page with and without reviews")
    parser.add_argument("--python-client", action="store_true", help="use the Python client even if wrk is there")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (databases, server logs)")
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)
    args.sizes = args.sizes or ([100, 10_000] if args.quick else [100, 100_000])
    return args


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def measure(server: Gunicorn, generator: load.LoadGenerator, group: str, label: str, path: str,
            args: argparse.Namespace, expect: bytes | None = None) -> Row:
    """Check the page answers 200 (with `expect` in it), warm up, then load it for the set time.

    :raise ServerFailed: if the page does not answer as it should.
    """
    status, body = server.get(path)
    if status != 200 or (expect is not None and expect not in body):
        raise ServerFailed(f"{group}: GET {path} answered {status}, not the page expected; "
                           f"see {server.log_path}")
    if args.warmup > 0:
        generator.run(server.port, path, args.warmup, args.connections)
    say(f"  measuring {group}: {label} {path} for {args.seconds:.0f} s")
    return Row(group, label, path, generator.run(server.port, path, args.seconds, args.connections))


def format_load() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def run(args: argparse.Namespace, workdir: Path) -> list[Row]:
    load_before = format_load()
    generator = load.pick(force_python=args.python_client)
    say(f"Load generator: {generator.name}")
    rows: list[Row] = []

    say("Serving the Flask hello world")
    with Gunicorn("bench.hello:app", log=workdir / "hello.log") as server:
        rows.append(measure(server, generator, "hello world", "Flask hello world", "/", args, b"Hello"))

    if not args.only_reviews:
        say("Loading the demo shop (pictures are drawn once)")
        demo = seed.seed_demo(workdir / "demo")
        say(f"  {demo.products} products in {demo.seconds:.1f} s")
        with Gunicorn("wsgi:app", env=demo.environment(), ready_path="/healthz", log=workdir / "demo.log") as server:
            for label, path in demo.pages:
                rows.append(measure(server, generator, "demo shop", label, path, args, "Ziemeļu Vilna".encode()))

    for size in ([] if args.only_reviews else args.sizes):
        say(f"Seeding a catalog of {size:,} products")
        site = seed.seed_catalog(workdir / f"catalog-{size}", size)
        say(f"  seeded in {site.seconds:.1f} s")
        with Gunicorn("wsgi:app", env=site.environment(), ready_path="/healthz",
                      log=workdir / f"catalog-{size}.log") as server:
            for label, path in site.pages:
                rows.append(measure(server, generator, site.name, label, path, args, b"Wool Sweater No."))
    if args.reviews:
        say(f"Seeding a product with {args.reviews:,} reviews and one with none")
        site = seed.seed_reviews(workdir / "reviews", args.reviews)
        say(f"  seeded in {site.seconds:.1f} s")
        with Gunicorn("wsgi:app", env=site.environment(), ready_path="/healthz",
                      log=workdir / "reviews.log") as server:
            for label, path in site.pages:
                rows.append(measure(server, generator, "reviews", label, path, args, b"Wool Sweater No."))
    report(rows, args, {"generator": generator.name, "load_before": load_before})
    return rows


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.3f}" if b else "n/a"


def report(rows: list[Row], args: argparse.Namespace, meta: dict) -> None:
    cpus = os.cpu_count()
    print()
    print(f"gunicorn --workers {WORKERS} --threads {THREADS} (as `make run`, access log off), "
          f"{args.connections} connections on 127.0.0.1, {args.seconds:.0f} s per page after "
          f"{args.warmup:.0f} s warm-up")
    print(f"Load generator: {meta['generator']}, on the same {cpus}-CPU machine as the server "
          f"(figures are noisy: compare them within one run)")
    print(f"Load average before the run: {meta['load_before']}; after: {format_load()} "
          f"(anything else running competes for the same CPUs)")
    print()
    header = f"{'catalog':<18} {'page':<44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
    print(header)
    print("-" * len(header))
    for row in rows:
        r = row.result
        print(f"{row.group:<18} {row.label:<44} {r.rps:>9.1f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {r.errors:>7}")
    print()
    by = {(row.group, row.label): row.result for row in rows}
    hello = by[("hello world", "Flask hello world")].rps
    if any(group == "demo shop" for group, _ in by):
        print("Shop against hello world (shop req/s ÷ hello req/s):")
    for (group, label), result in by.items():
        if group == "demo shop":
            print(f"  {label:<44} {_ratio(result.rps, hello)}")
    small, large = args.sizes[0], args.sizes[-1]
    if small != large and not args.only_reviews:
        print(f"Catalog of {large:,} against {small:,} products ({large:,} req/s ÷ {small:,} req/s):")
        for (group, label), result in by.items():
            if group == f"{large:,} products":
                base = by.get((f"{small:,} products", label))
                if base:
                    print(f"  {label:<44} {_ratio(result.rps, base.rps)}   "
                          f"(p50 {base.p50_ms:.2f} → {result.p50_ms:.2f} ms)")
    reviews = {label: result for (group, label), result in by.items() if group == "reviews"}
    if reviews:
        for base in ("0 reviews", "12 reviews"):
            print(f"{args.reviews:,} reviews against {base} (req/s ÷ req/s):")
            for kind in ("product page", "reviews page"):
                few = reviews.get(f"{kind}, {base}")
                many = reviews.get(f"{kind}, {args.reviews:,} reviews")
                if few and many:
                    print(f"  {kind:<44} {_ratio(many.rps, few.rps)}   (p50 {few.p50_ms:.2f} → {many.p50_ms:.2f} ms)")
    failures = sum(row.result.errors for row in rows)
    if failures:
        print(f"\nWARNING: {failures} requests failed or were not 2xx/3xx; see the server logs (--keep).")
    sys.stdout.flush()


def isolate(workdir: Path) -> None:
    """Point every default path of the shop at the temp dir before anything imports the shop:
    some modules (the task queue) open files in the instance folder at import time."""
    os.environ["INSTANCE_PATH"] = str(workdir / "instance")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'instance' / 'shop.db'}"
    os.environ["UPLOAD_FOLDER"] = str(workdir / "instance" / "uploads")
    os.environ["HUEY_URL"] = f"sqlite:///{workdir / 'instance' / 'tasks.db'}"
    # The task queue opens its file there as soon as an app is made (the demo used to make it first).
    (workdir / "instance").mkdir(parents=True, exist_ok=True)


def run_isolated(prefix: str, body, *, keep: bool, interrupted: str) -> int:
    """Run `body(workdir)` in a fresh temp dir the shop's paths point at, and return its exit status.

    A TERM (from a CI runner or `kill`) unwinds like Ctrl-C, so every server is stopped; and Ctrl-C
    does so even when a shell started us in the background with SIGINT ignored.
    """
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    if "storefront" in sys.modules:
        raise RuntimeError("the bench must isolate the shop's paths before the shop is imported")
    isolate(workdir)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.perf_counter()
    try:
        status = body(workdir)
        say(f"\nDone in {time.perf_counter() - started:.0f} s.")
        return status
    except KeyboardInterrupt:
        say(f"\n{interrupted}")
        return 130
    except ServerFailed as exc:
        say(f"\nBenchmark failed: {exc}")
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        if keep:
            say(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def body(workdir: Path) -> int:
        run(args, workdir)
        return 0

    return run_isolated("shop-bench-", body, keep=args.keep, interrupted="Interrupted; the servers were stopped.")
