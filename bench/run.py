"""`python -m bench [--quick]`: the storefront against a Flask hello world and django-oscar, side by side.

Every server runs at once, on the same gunicorn settings (`bench/gunicorn_conf.py`, which reads
the shop's `storefront/gunicorn_conf.py`): the hello world; the demo shop on SQLite and on
PostgreSQL, each twice (its page cache on, as it ships, and PAGE_CACHE_URL=off for the miss
path; the first also answers the product and category pages at an address it never stores: the
miss path as after a sale, with what each process keeps); django-oscar 4.2.1 on SQLite and
PostgreSQL with the same catalog (`bench/oscar/`). Each
round loads every page in turn (every other round last to first), one at a time, so each server
has both CPUs (shared with the load generator) while it is measured; the table gives the medians
of the rounds, each page's server CPU per request and how its requests were split over the
workers, and the machine's load.

`--sizes 100,100000` adds the catalog at 100 against 100,000 products, `--reviews 10000` a product
with 10,000 reviews against one with none (`--only-reviews`: that and the hello world alone).
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from . import load, seed
from .servers import Gunicorn, ServerFailed, settings_source

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/"
DEMO_PAGES = (("home", "/"), ("category", "/c/sweaters"), ("product", "/p/gauja-cable-knit-pullover"))
DEMO_TEXT = "Ziemeļu Vilna".encode()
# Headers that say how a page may be cached, shown under the table for the shop's pages.
CACHE_HEADERS = ("cache-control", "etag", "vary", "age", "x-cache", "x-page-cache", "set-cookie")


_STARTED = time.perf_counter()


def say(text: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:5.0f} s] {text}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one short round: 2 s per page after 0.5 s of warm-up")
    parser.add_argument("--rounds", type=int, help="interleaved rounds, the table gives their medians (default 3)")
    parser.add_argument("--seconds", type=float, help="measuring time per page and round (default 5)")
    parser.add_argument("--warmup", type=float, help="warm-up time per page and round (default 1)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES", DEFAULT_POSTGRES),
                        help=f"the PostgreSQL server to make throwaway databases on (default {DEFAULT_POSTGRES})")
    parser.add_argument("--sqlite-only", action="store_true", help="leave PostgreSQL out")
    parser.add_argument("--no-oscar", action="store_true", help="leave django-oscar out")
    parser.add_argument("--page-cache", metavar="URL",
                        help="PAGE_CACHE_URL of the shop with its page cache on (default: the shop's default)")
    parser.add_argument("--wrk", action="store_true",
                        help="load with wrk (if installed) rather than the Python client; wrk keeps each "
                             "connection on the worker that accepted it for the whole run")
    parser.add_argument("--sizes", type=lambda s: [int(n) for n in s.split(",")], default=[],
                        help="also compare catalogs of these sizes, e.g. 100,100000 (one round each)")
    parser.add_argument("--reviews", type=int, default=0,
                        help="also measure a product with this many reviews against 12 and none (one round)")
    parser.add_argument("--only-reviews", action="store_true",
                        help="measure only the hello world and the product page with and without reviews")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (databases, server logs)")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.seconds = args.seconds or (2.0 if args.quick else 5.0)
    args.warmup = args.warmup if args.warmup is not None else (0.5 if args.quick else 1.0)
    if args.only_reviews and not args.reviews:
        args.reviews = 10_000
    return args


# --- the machine ------------------------------------------------------------------------------------

def format_load() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def machine_cpu() -> tuple[float, float]:
    """CPU seconds the whole machine has been busy and has existed (summed over CPUs), from /proc/stat."""
    try:
        with open("/proc/stat") as file:
            fields = [int(n) for n in file.readline().split()[1:9]]
    except OSError:
        return 0.0, 0.0
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    ticks = os.sysconf("SC_CLK_TCK")
    busy = user + nice + system + irq + softirq + steal
    return busy / ticks, (busy + idle + iowait) / ticks


# --- what is measured --------------------------------------------------------------------------------

@dataclass
class Measurement:
    result: load.Result
    server_cpu: float  # CPU seconds the measured server's processes used
    other_cpu: float  # CPU seconds used by everything else: other servers and other work on the machine
    capacity: float  # CPU seconds the machine had during the measurement (seconds × CPUs)
    split: dict[int, int]  # requests each worker answered


@dataclass
class Target:
    label: str
    database: str
    server: Gunicorn
    path: str
    expect: bytes | None
    kind: str  # hello | hit | miss | miss-kept | health | oscar
    page: str  # home | category | product | catalogue | …
    headers: dict[str, str] = field(default_factory=dict)
    size: int = 0  # bytes of the page's body
    rounds: list[Measurement] = field(default_factory=list)

    def median(self, value) -> float:
        values = [value(m) for m in self.rounds]
        return statistics.median(values) if values else float("nan")

    @property
    def rps(self) -> float:
        return self.median(lambda m: m.result.rps)

    @property
    def cpu_ms(self) -> float:
        """Median server CPU per request, in ms."""
        return self.median(lambda m: 1000 * m.server_cpu / m.result.requests if m.result.requests else float("nan"))

    def cached(self) -> str:
        """The share of answers the page cache gave (X-Cache HIT or STALE), or "-" without the header."""
        outcomes: dict[str, int] = {}
        for m in self.rounds:
            for outcome, n in (m.result.outcomes or {}).items():
                outcomes[outcome] = outcomes.get(outcome, 0) + n
        everything = sum(outcomes.values())
        if not everything:
            return "-"
        return f"{100 * (outcomes.get('HIT', 0) + outcomes.get('STALE', 0)) / everything:.0f}"

    def split(self) -> str:
        """Each worker's share of the requests, over every round, largest first (e.g. 52/48)."""
        totals: dict[int, int] = {}
        for m in self.rounds:
            for pid, n in m.split.items():
                totals[pid] = totals.get(pid, 0) + n
        everything = sum(totals.values())
        if not everything:
            return "?"
        return "/".join(f"{100 * n / everything:.0f}" for n in sorted(totals.values(), reverse=True) if n)


def probe(target: Target) -> None:
    """The page answers 200 with what it should show; keep the headers of a second answer (the
    first may have filled a cache). :raise ServerFailed: if not."""
    status, _, body = target.server.request(target.path)
    if status != 200 or (target.expect is not None and target.expect not in body):
        raise ServerFailed(f"{target.label} ({target.database or '-'}): GET {target.path} answered {status}, "
                           f"not the page expected; see {target.server.log_path}")
    _, target.headers, body = target.server.request(target.path)
    target.size = len(body)


def measure(target: Target, generator: load.LoadGenerator, args: argparse.Namespace) -> Measurement:
    """Warm up, then load the page for the set time, noting the CPU the server and the whole
    machine used in the measured window and the requests each worker answered."""
    server = target.server
    processes = server.processes()
    marks: dict[str, tuple] = {}

    def mark(name: str) -> None:
        marks[name] = (server.worker_counts(), server.cpu_seconds(processes), machine_cpu())

    result = generator.run(server.port, target.path, args.seconds, args.connections, warmup=args.warmup,
                           at_start=lambda: mark("start"), at_end=lambda: mark("end"))
    (counts_before, cpu_before, (busy_before, all_before)), (counts_after, cpu_after, (busy_after, all_after)) = (
        marks["start"], marks["end"])
    server_cpu = cpu_after - cpu_before
    split = {pid: n - counts_before.get(pid, 0) for pid, n in counts_after.items() if n - counts_before.get(pid, 0)}
    other = max(0.0, (busy_after - busy_before) - server_cpu - result.client_cpu) if result.client_cpu else float("nan")
    return Measurement(result=result, server_cpu=server_cpu, other_cpu=other, capacity=all_after - all_before,
                       split=split)


# --- the side-by-side table ---------------------------------------------------------------------------

def side_by_side(args: argparse.Namespace, workdir: Path, generator: load.LoadGenerator, stack: ExitStack) -> dict:
    """Prepare every site, start every server, measure the rounds; returns what the report needs."""
    from concurrent.futures import ThreadPoolExecutor

    from . import oscar

    info: dict = {"notes": []}
    say("Loading the demo shop on SQLite (pictures are drawn once per site)")
    sites: list[tuple[str, seed.Site]] = [("SQLite", seed.seed_demo(workdir / "demo-sqlite"))]
    postgres = None
    if not args.sqlite_only:
        postgres = stack.enter_context(seed.postgres_database(args.postgres, "bench_shop"))
        if postgres is None:
            info["notes"].append(f"PostgreSQL is not reachable at {args.postgres}: its rows are missing.")

    oscar_jobs = []
    pool = stack.enter_context(ThreadPoolExecutor(max_workers=2))
    if not args.no_oscar:
        oscar.ensure_venv(say)
        info["oscar_versions"] = oscar.versions()
        catalog = seed.export_for_oscar(sites[0][1], workdir / "oscar-catalog")
        databases = [("SQLite", f"sqlite:///{workdir / 'oscar-sqlite' / 'db.sqlite3'}", None)]
        if postgres is not None:
            made = stack.enter_context(seed.postgres_database(args.postgres, "bench_oscar"))
            if made is not None:
                databases.append(("PostgreSQL", made.replace("postgresql+psycopg://", "postgresql://", 1), made))
        say(f"Setting up django-oscar on {' and '.join(d for d, _, _ in databases)} in the background "
            f"(migrations, catalogue import, search index)")
        for database, url, analyze_url in databases:
            oscar_jobs.append((analyze_url, pool.submit(oscar.prepare, database, workdir / f"oscar-{database.lower()}",
                                                        url, catalog)))
    if postgres is not None:
        say("Loading the demo shop on PostgreSQL")
        sites.append(("PostgreSQL", seed.seed_demo(workdir / "demo-postgres", database_url=postgres)))
        seed.analyze(postgres)
    oscars = []
    for analyze_url, job in oscar_jobs:
        oscars.append(job.result())
        if analyze_url:
            seed.analyze(analyze_url)
    if oscars:
        info["oscar_products"], info["oscar_categories"] = oscars[0].products, oscars[0].categories
    say("django-oscar ready" if oscars else "Sites ready")

    servers: list[Gunicorn] = []

    def start(server: Gunicorn) -> Gunicorn:
        server.start()
        stack.callback(server.stop)
        servers.append(server)
        return server

    targets = [Target("Flask hello world", "", start(Gunicorn("bench.hello:app", log=workdir / "hello.log")),
                      "/", b"Hello", "hello", "hello")]
    per_database: dict[str, list[Target]] = {}
    for database, site in sites:
        env = site.environment()
        hit_env = {**env, **({"PAGE_CACHE_URL": args.page_cache} if args.page_cache else {})}
        slug = database.lower()
        hit = start(Gunicorn("wsgi:app", env=hit_env, ready_path="/healthz", log=workdir / f"shop-{slug}.log"))
        miss = start(Gunicorn("wsgi:app", env={**env, "PAGE_CACHE_URL": "off"}, ready_path="/healthz",
                              log=workdir / f"shop-{slug}-miss.log"))
        rows = [Target(f"shop {page}, cache hit", database, hit, path, DEMO_TEXT, "hit", page)
                for page, path in DEMO_PAGES]
        rows += [Target(f"shop {page}, miss path", database, miss, path, DEMO_TEXT, "miss", page)
                 for page, path in DEMO_PAGES]
        # The product and category pages missed as after a sale that changed a stock state: what
        # each process keeps, since a sale writes none of it, stays (the product's reviews section,
        # the live offers, the category tree, the layout's parts and cards, the product page's
        # product; stock is read live). An address with an argument the page does not read is
        # rendered every time and never stored, by the server whose cache is on.
        rows.append(Target("shop product, miss after a sale", database, hit, f"{dict(DEMO_PAGES)['product']}?bench=1",
                           DEMO_TEXT, "miss-kept", "product"))
        rows.append(Target("shop category, miss after a sale", database, hit,
                           f"{dict(DEMO_PAGES)['category']}?bench=1", DEMO_TEXT, "miss-kept", "category"))
        if database == "SQLite":
            rows.append(Target("shop /healthz (the app's floor)", database, miss, "/healthz", b"ok", "health", "health"))
        per_database[database] = rows
    for shop in oscars:
        server = start(shop.server(workdir / f"oscar-{shop.name.lower()}.log"))
        per_database.setdefault(shop.name, []).extend([
            Target("django-oscar product page", shop.name, server, shop.product_path, b"Gauja", "oscar", "product"),
            Target("django-oscar /catalogue/", shop.name, server, shop.catalogue_path, b"Gauja", "oscar", "catalogue")])
    # Runs first when the stack unwinds: every server is asked to stop at once, then each is waited for.
    stack.callback(lambda: [server.terminate() for server in servers])
    say(f"Starting {len(servers)} servers")
    for server in servers:
        server.wait_until_ready()
    for rows in per_database.values():
        targets.extend(rows)
    for target in targets:
        probe(target)

    info["load_before"] = format_load()
    for number in range(1, args.rounds + 1):
        say(f"Round {number} of {args.rounds}: {len(targets)} pages, {args.warmup:g} s + {args.seconds:g} s each"
            + ("" if number % 2 else ", last to first"))
        # Every other round runs backwards, so a drift in the machine's load over the run does not
        # always favour the pages measured first.
        for target in targets if number % 2 else reversed(targets):
            target.rounds.append(measure(target, generator, args))
    info["load_after"] = format_load()
    info["targets"] = targets
    return info


def report(info: dict, args: argparse.Namespace, generator: load.LoadGenerator, started: float) -> None:
    targets: list[Target] = info["targets"]
    out = print
    hello = targets[0]
    out()
    against = "a Flask hello world and django-oscar" if "oscar_versions" in info else "a Flask hello world"
    out(f"Storefront against {against}, side by side in one run "
        f"({args.rounds} interleaved round{'s' if args.rounds > 1 else ''}, medians)")
    out(f"Servers: gunicorn with the same settings for every app ({settings_source()}), each alone under load "
        f"while measured; {args.connections} connections on 127.0.0.1, {args.seconds:g} s per page and round "
        f"after {args.warmup:g} s of warm-up.")
    opened = sum(m.result.connections for m in hello.rounds)
    answered = sum(m.result.requests + m.result.errors for m in hello.rounds)
    reuse = (f" (hello world: {opened / answered:.2f} new connections per request: the servers' keepalive setting "
             f"decides)" if opened and answered else "")
    out(f"Load generator: {generator.name}, on the same machine{reuse}.")
    out(f"Machine: {os.cpu_count()} CPUs; load average (1, 5, 15 min) before the rounds {info['load_before']}, "
        f"after {info['load_after']}.")
    store = (args.page_cache or os.environ.get("PAGE_CACHE_URL") or
             (f"unset (REDIS_URL: {os.environ['REDIS_URL']})" if os.environ.get("REDIS_URL")
              else "unset (the shop's default without REDIS_URL: a SQLite file each site's workers share, as `make run`)"))
    out(f"The shop's page cache: PAGE_CACHE_URL {store} for the cache-hit rows and the \"after a sale\" rows "
        f"(an address the cache never stores, so the page is rendered every time, as after a sale, with what each "
        f"process keeps: the reviews section, the offers, the category tree, the layout's parts and cards, the "
        f"product); off for the miss-path rows.")
    out()
    header = (f"{'page':<34} {'database':<10} {'req/s':>8} {'rounds':>11} {'p50 ms':>7} {'p99 ms':>8} "
              f"{'CPU ms/req':>10} {'kB':>5} {'× hello':>8} {'cached %':>8} {'split %':>8} {'other %':>7} {'errors':>6}")
    out(header)
    out("-" * len(header))
    for target in targets:
        spread = [m.result.rps for m in target.rounds]
        spread_text = f"{min(spread):.0f}–{max(spread):.0f}" if len(spread) > 1 else ""
        other = target.median(lambda m: 100 * m.other_cpu / m.capacity if m.capacity else float("nan"))
        errors = sum(m.result.errors for m in target.rounds)
        out(f"{target.label:<34} {target.database or '-':<10} {target.rps:>8.1f} {spread_text:>11} "
            f"{target.median(lambda m: m.result.p50_ms):>7.1f} {target.median(lambda m: m.result.p99_ms):>8.1f} "
            f"{target.cpu_ms:>10.2f} {target.size / 1000:>5.1f} {_div(target.rps, hello.rps):>8.3f} {target.cached():>8} {target.split():>8} "
            f"{other:>7.0f} {errors:>6}")
    out()
    out("req/s: median of the rounds (rounds: lowest–highest). CPU ms/req: CPU the server's processes used "
        "per answer (gunicorn master and workers; PostgreSQL's own work is in its processes, not counted). "
        "kB: the page's size (no compression). "
        "× hello: req/s ÷ the hello world's. cached: the share of answers the page cache gave (X-Cache HIT or "
        "STALE). split: each worker's share of the answers. other: CPU used "
        "meanwhile by anything but the measured server and the load generator (the idle servers, and "
        "whatever else runs on the machine), as a share of all CPUs.")
    goals(targets, hello, out)
    shop_headers(targets, out)
    if "oscar_versions" in info:
        from .oscar import SETUP

        out()
        out("How django-oscar was set up: " + SETUP.format(**info["oscar_versions"], products=info["oscar_products"],
                                                           categories=info["oscar_categories"]))
    for note in info["notes"]:
        out(f"NOTE: {note}")
    failed = []
    for target in targets:
        kinds: dict[str, int] = {}
        for m in target.rounds:
            for kind, n in (m.result.failures or {"failed": m.result.errors} if m.result.errors else {}).items():
                kinds[kind] = kinds.get(kind, 0) + n
        if kinds:
            failed.append(f"{target.label} ({target.database or '-'}): "
                          + ", ".join(f"{kind} ×{n}" for kind, n in sorted(kinds.items())))
    if failed:
        out("WARNING: answers that were no page (not counted in req/s; 503 is the shop shedding a request that "
            "waited too long, closed a connection dropped, see the server logs with --keep): " + "; ".join(failed))
    out(f"(whole run {time.perf_counter() - started:.0f} s)")
    sys.stdout.flush()


def _div(a: float, b: float) -> float:
    return a / b if b else float("nan")


def _find(targets: list[Target], kind: str, page: str, database: str) -> Target | None:
    return next((t for t in targets if t.kind == kind and t.page == page and t.database == database), None)


def _verdict(value: float, goal: float, stretch: float | None = None) -> str:
    if value != value:  # nan
        return "n/a"
    if stretch is not None and value >= stretch:
        return "met, stretch too"
    return "met" if value >= goal else "NOT met"


def goals(targets: list[Target], hello: Target, out) -> None:
    databases = [d for d in ("SQLite", "PostgreSQL") if any(t.database == d for t in targets)]
    out()
    out("Against issue 11's figures to reach (req/s ÷ req/s of the medians; in brackets the same by server CPU "
        "per request, which the load generator's share of the CPUs does not enter):")
    out("  cache hits ≥ 0.6× the hello world (stretch 0.9×):")
    for page, _ in DEMO_PAGES:
        parts = []
        for database in databases:
            hit = _find(targets, "hit", page, database)
            if hit:
                ratio = _div(hit.rps, hello.rps)
                parts.append(f"{database} {ratio:.2f}× ({_div(hello.cpu_ms, hit.cpu_ms):.2f}×) {_verdict(ratio, 0.6, 0.9)}")
        out(f"    {page:<9} " + ";  ".join(parts))
    for kind, shop_page, oscar_page, goal, note in (
            ("miss", "product", "product", 3, "Oscar's product page"),
            ("miss-kept", "product", "product", 3, "Oscar's product page, missed after a sale"),
            ("miss", "category", "catalogue", 30, "Oscar's /catalogue/"),
            ("miss-kept", "category", "catalogue", 30, "Oscar's /catalogue/, missed after a sale"),
            ("miss", "home", "catalogue", None, "Oscar's /catalogue/")):
        parts = []
        for database in databases:
            miss, theirs = _find(targets, kind, shop_page, database), _find(targets, "oscar", oscar_page, database)
            if miss and theirs:
                ratio = _div(miss.rps, theirs.rps)
                verdict = f" {_verdict(ratio, goal)}" if goal else ""
                parts.append(f"{database} {ratio:.2f}× ({_div(theirs.cpu_ms, miss.cpu_ms):.2f}×){verdict}")
        if parts:
            target = f"≥ {goal}× " if goal else ""
            out(f"  miss path, {shop_page} page {target}{note}{'' if goal else ' (as the issue table compares)'}:")
            out("    " + ";  ".join(parts))


def _header(name: str, value: str) -> str:
    if name == "set-cookie":  # http.client joins several with ", "; the names say enough
        return ", ".join(sorted({part.split("=", 1)[0].strip() for part in value.split(", ") if "=" in part.split(";")[0]}))
    return value[:80]


def shop_headers(targets: list[Target], out) -> None:
    """What the shop's pages said about caching, as the bench saw them (second request, no cookie)."""
    out()
    out("The shop's answers to a visitor without cookies (headers about caching):")
    for target in targets:
        if target.kind in ("hit", "miss") and target.database == "SQLite":
            shown = "; ".join(f"{name}: {_header(name, target.headers[name])}" for name in CACHE_HEADERS
                              if name in target.headers)
            out(f"  {target.label:<26} {shown or '(none of them)'}")


# --- the catalog-size and reviews comparisons (one round each, one server at a time) -----------------------

@dataclass
class Row:
    group: str
    label: str
    path: str
    result: load.Result


def measure_alone(server: Gunicorn, generator: load.LoadGenerator, group: str, label: str, path: str,
                  args: argparse.Namespace, expect: bytes | None = None) -> Row:
    status, body = server.get(path)
    if status != 200 or (expect is not None and expect not in body):
        raise ServerFailed(f"{group}: GET {path} answered {status}, not the page expected; see {server.log_path}")
    if args.warmup > 0:
        generator.run(server.port, path, args.warmup, args.connections)
    say(f"  measuring {group}: {label} {path} for {args.seconds:g} s")
    return Row(group, label, path, generator.run(server.port, path, args.seconds, args.connections))


def sizes_and_reviews(args: argparse.Namespace, workdir: Path, generator: load.LoadGenerator) -> None:
    rows: list[Row] = []
    if args.only_reviews:
        with Gunicorn("bench.hello:app", log=workdir / "hello-alone.log") as server:
            rows.append(measure_alone(server, generator, "hello world", "Flask hello world", "/", args, b"Hello"))
    for size in args.sizes:
        say(f"Seeding a catalog of {size:,} products")
        site = seed.seed_catalog(workdir / f"catalog-{size}", size)
        say(f"  seeded in {site.seconds:.1f} s")
        with Gunicorn("wsgi:app", env={**site.environment(), "PAGE_CACHE_URL": "off"}, ready_path="/healthz",
                      log=workdir / f"catalog-{size}.log") as server:
            for label, path in site.pages:
                rows.append(measure_alone(server, generator, site.name, label, path, args, b"Wool Sweater No."))
    if args.reviews:
        say(f"Seeding a product with {args.reviews:,} reviews and one with none")
        site = seed.seed_reviews(workdir / "reviews", args.reviews)
        say(f"  seeded in {site.seconds:.1f} s")
        with Gunicorn("wsgi:app", env={**site.environment(), "PAGE_CACHE_URL": "off"}, ready_path="/healthz",
                      log=workdir / "reviews.log") as server:
            for label, path in site.pages:
                rows.append(measure_alone(server, generator, "reviews", label, path, args, b"Wool Sweater No."))
    print()
    print(f"Miss path (PAGE_CACHE_URL=off), one round, {args.seconds:g} s per page after {args.warmup:g} s; "
          f"load average now {format_load()}")
    header = f"{'catalog':<18} {'page':<44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
    print(header)
    print("-" * len(header))
    for row in rows:
        r = row.result
        print(f"{row.group:<18} {row.label:<44} {r.rps:>9.1f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {r.errors:>7}")
    by = {(row.group, row.label): row.result for row in rows}
    if len(args.sizes) > 1:
        small, large = args.sizes[0], args.sizes[-1]
        print(f"Catalog of {large:,} against {small:,} products ({large:,} req/s ÷ {small:,} req/s):")
        for (group, label), result in by.items():
            base = by.get((f"{small:,} products", label))
            if group == f"{large:,} products" and base:
                print(f"  {label:<44} {_ratio(result.rps, base.rps)}   (p50 {base.p50_ms:.2f} → {result.p50_ms:.2f} ms)")
    reviews = {label: result for (group, label), result in by.items() if group == "reviews"}
    for base in ("0 reviews", "12 reviews") if reviews else ():
        print(f"{args.reviews:,} reviews against {base} (req/s ÷ req/s):")
        for kind in ("product page", "reviews page"):
            few, many = reviews.get(f"{kind}, {base}"), reviews.get(f"{kind}, {args.reviews:,} reviews")
            if few and many:
                print(f"  {kind:<44} {_ratio(many.rps, few.rps)}   (p50 {few.p50_ms:.2f} → {many.p50_ms:.2f} ms)")
    sys.stdout.flush()


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.3f}" if b else "n/a"


# --- running it --------------------------------------------------------------------------------------

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
    try:
        generator = load.pick(use_wrk=args.wrk)
    except RuntimeError as exc:
        say(str(exc))
        return 2

    def body(workdir: Path) -> int:
        started = time.perf_counter()
        say(f"Load generator: {generator.name}")
        if not args.only_reviews:
            with ExitStack() as stack:
                info = side_by_side(args, workdir, generator, stack)
                say("Stopping the servers")
            report(info, args, generator, started)
        if args.sizes or args.reviews:
            sizes_and_reviews(args, workdir, generator)
        return 0

    return run_isolated("shop-bench-", body, keep=args.keep,
                        interrupted="Interrupted; the servers were stopped and the databases dropped.")
