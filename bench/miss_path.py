"""`python -m bench.miss_path`: the server CPU a storefront page costs when no cache answers it.

The demo shop is loaded by its own loader into a throwaway database (SQLite; PostgreSQL too with
``--postgres URL``, a server on which a database is made and dropped), and each page is asked
`--requests` times through Flask's test client after a warm-up, in this process, so that what is
measured is the app's own work: routing, queries (the driver's side of them), pricing and
templates, without a network or a server in between. CPU is `time.process_time()` around each
request; wall time is printed next to it, since on PostgreSQL the database's own work is in
another process and shows only there.

Two kinds of visitor: "returning" keeps its cookies, "new" comes without one every time (as a
crowd following a link does); where a page GET still records the visit and the offers shown,
"returning" is the page without those writes. The page cache is off unless `--page-cache` names
one: what is measured is the render a cache miss costs.

Then each page once more ("…, after a sale"), missed by a page cache (a memory store) as after a
sale that changed a stock state: the pages' version is bumped before each request, while what
each process keeps stays as it was, since a sale writes none of it: the product's reviews and
questions (its stored section), the live offers (`promotions.service.live_rules`), the category
tree (`catalog.browse.all_categories`), the layout's kept parts and cards (`{% kept %}`) and the
product a product page shows (`catalog.kept`), whose stock is read live (`--no-sections` leaves
these rows out).

``--catalog N`` then adds a top category of N products (in four subcategories, as `bench.seed`
makes them) and measures its first page, printing whether a statement counted the products.
``--profile`` prints cProfile's top entries per page (pyinstrument's tree instead, if it is
installed).
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

DEMO_PAGES = (("home", "/"), ("category", "/c/sweaters"), ("product", "/p/gauja-cable-knit-pullover"))
BULK_SLUG = "bench-knitwear"
SUBCATEGORIES = 4
CHUNK = 10_000


@dataclass
class Measured:
    database: str
    page: str
    visitor: str
    path: str
    cpu_ms: list[float] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)
    rounds: list[float] = field(default_factory=list)  # the mean CPU of each round
    queries: int = 0
    counted_products: bool = False

    @property
    def cpu_mean(self) -> float:
        return statistics.fmean(self.cpu_ms)

    @property
    def cpu_best(self) -> float:
        """The quietest round's mean: on a shared machine, other work only ever adds."""
        return min(self.rounds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms)

    @property
    def wall_median(self) -> float:
        return statistics.median(self.wall_ms)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.miss_path", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page and visitor (200)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of --requests per row; the table shows the quietest round's mean (3)")
    parser.add_argument("--warmup", type=int, default=20, help="requests per page before measuring (20)")
    parser.add_argument("--postgres", metavar="URL",
                        help="also measure on PostgreSQL: a throwaway database is made on this server "
                             "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/)")
    parser.add_argument("--no-sqlite", action="store_true", help="measure PostgreSQL only")
    parser.add_argument("--catalog", type=int, default=0, metavar="N",
                        help="then add a top category of N products and measure its first page")
    parser.add_argument("--pages", type=lambda s: s.split(","), default=[p for p, _ in DEMO_PAGES],
                        help="which of the demo pages to measure (home,category,product)")
    parser.add_argument("--visitors", type=lambda s: s.split(","), default=["returning", "new"],
                        help="which visitors to measure (returning,new)")
    parser.add_argument("--page-cache", default="off", metavar="URL",
                        help="the page cache answering before Flask (default off: the miss path is measured)")
    parser.add_argument("--no-sections", action="store_true",
                        help="leave out the rows of pages missed after a sale (what each process keeps kept)")
    parser.add_argument("--lang", default="en", help="the Accept-Language of every request (en)")
    parser.add_argument("--profile", action="store_true", help="print the top entries of a profile per page")
    parser.add_argument("--top", type=int, default=30, help="profile entries to print (30)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    if args.no_sqlite and not args.postgres:
        parser.error("--no-sqlite needs --postgres")
    return args


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- databases --------------------------------------------------------------------------------

class Postgres:
    """A throwaway database on the server at `base`; dropped by `drop()`."""

    def __init__(self, base: str):
        import sqlalchemy as sa
        from sqlalchemy.engine import make_url

        url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1)
                       if base.startswith("postgresql://") else base)
        self._admin = sa.create_engine(url.set(database=url.database or "postgres"),
                                       isolation_level="AUTOCOMMIT")
        self.name = f"miss_path_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        self.url = url.set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        import sqlalchemy as sa

        with self._admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


def build_app(database_url: str, folder: Path, page_cache: str = "off", *, load: bool = True):
    import logging

    from flask_migrate import upgrade

    from bench.seed import BENCH_SECRET_KEY
    from storefront import create_app
    from storefront.demo.data import load_demo

    folder.mkdir(parents=True, exist_ok=True)
    app = create_app({"INSTANCE_PATH": str(folder), "SQLALCHEMY_DATABASE_URI": database_url,
                      "UPLOAD_FOLDER": str(folder / "uploads"), "SECRET_KEY": BENCH_SECRET_KEY,
                      "HUEY_URL": f"sqlite:///{folder / 'tasks.db'}", "PAGE_CACHE_URL": page_cache})
    if not load:  # a second app on a database already loaded
        return app
    with app.app_context():
        logging.disable(logging.INFO)  # Alembic logs every migration; the bench's output is its table
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
        load_demo()
    return app


def add_catalog(app, products: int) -> str:
    """A top category of `products` products in four subcategories, by bulk inserts (as
    `bench.seed.seed_catalog` writes them); returns its page's path."""
    import sqlalchemy as sa

    from storefront.catalog.models import Category, Product, ProductImage, Variant
    from storefront.extensions import db

    with app.app_context():
        top = Category(slug=BULK_SLUG, name="Bench Knitwear", description="", position=99)
        db.session.add(top)
        db.session.flush()
        subs = [Category(slug=f"{BULK_SLUG}-{i + 1}", name=f"Bench Knitwear {i + 1}", description="",
                         position=i, parent_id=top.id) for i in range(SUBCATEGORIES)]
        db.session.add_all(subs)
        db.session.flush()
        first = (db.session.scalar(sa.select(sa.func.max(Product.id))) or 0) + 1
        first_image = (db.session.scalar(sa.select(sa.func.max(ProductImage.id))) or 0) + 1
        oldest = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)  # older than the demo: its shelves stay the demo's
        for start in range(0, products, CHUNK):
            product_rows, image_rows, variant_rows = [], [], []
            for n in range(start, min(start + CHUNK, products)):
                pid, price = first + n, 2900 + (n * 37) % 160 * 100
                created = oldest - dt.timedelta(minutes=n)
                product_rows.append({
                    "id": pid, "slug": f"bench-sweater-{n}", "title": f"Bench Sweater No. {n}",
                    "description": "A warm knit.", "brand": "Bench", "category_id": subs[n % SUBCATEGORIES].id,
                    "option_names": ["Size"], "active": True, "price_min": price,
                    "created_at": created, "updated_at": created})
                image_rows.append({"id": first_image + n, "product_id": pid, "filename": f"bench/{n}.jpg",
                                   "alt": "", "width": 800, "height": 800, "position": 0})
                variant_rows += [{"product_id": pid, "sku": f"BENCH-{n}-{size}", "options": {"Size": size},
                                  "price": price, "compare_at_price": None, "stock": (n + i) % 30,
                                  "position": i, "image_id": first_image + n}
                                 for i, size in enumerate(("S", "M", "L"))]
            db.session.execute(sa.insert(Product.__table__), product_rows)
            db.session.execute(sa.insert(ProductImage.__table__), image_rows)
            db.session.execute(sa.insert(Variant.__table__), variant_rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # Bulk inserts leave sequences behind the ids written; the shop's next insert needs them.
            for table in ("products", "product_images"):
                db.session.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            db.session.commit()
    return f"/c/{BULK_SLUG}"


# --- measuring --------------------------------------------------------------------------------

class StatementLog:
    """The SQL statements the app's engine runs while it is on."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        import sqlalchemy as sa

        self.statements = []
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc):
        import sqlalchemy as sa

        sa.event.remove(self.engine, "before_cursor_execute", self._before)


def counts_products(statements: list[str]) -> bool:
    return any("count(" in s.lower() and "products" in s.lower() for s in statements)


def measure(app, database: str, page: str, path: str, visitor: str, args, before=None) -> Measured:
    """`before()`, when given, runs before each request, outside the time measured."""
    from storefront.extensions import db

    headers = {"Accept-Language": args.lang}
    returning = app.test_client()
    row = Measured(database, page, visitor, path)

    def client():
        return returning if visitor == "returning" else app.test_client()

    before = before or (lambda: None)
    for _ in range(args.warmup):
        before()
        response = client().get(path, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{database}: GET {path} answered {response.status_code}")
    with app.app_context():
        engine = db.engine
    before()
    with StatementLog(engine) as log:
        client().get(path, headers=headers)
    row.queries, row.counted_products = len(log.statements), counts_products(log.statements)
    for _ in range(args.rounds):
        this_round = []
        for _ in range(args.requests):
            c = client()
            before()
            cpu, wall = time.process_time(), time.perf_counter()
            response = c.get(path, headers=headers)
            this_round.append((time.process_time() - cpu) * 1000)
            row.wall_ms.append((time.perf_counter() - wall) * 1000)
            assert response.status_code == 200
        row.cpu_ms += this_round
        row.rounds.append(statistics.fmean(this_round))
    return row


def profile(app, path: str, args) -> None:
    client, headers = app.test_client(), {"Accept-Language": args.lang}
    for _ in range(args.warmup):
        client.get(path, headers=headers)
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None
    if Profiler is not None:
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.requests):
            client.get(path, headers=headers)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        return
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        client.get(path, headers=headers)
    profiler.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
        print(f"--- {path}, by {order} ({args.requests} requests) ---")
        print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


def measure_after_a_sale(url: str, folder: Path, database: str, args) -> list[Measured]:
    """Each page missed by the page cache as after a sale changed a stock state: the pages'
    version is bumped before each request; what each process keeps (the reviews section, the
    live offers, the category tree, the layout's parts and cards, the product) stays, since no
    write touched it. The app has a memory store, so the cache's own lookup and store are
    counted too."""
    app = build_app(url, folder, "memory://", load=False)
    store = app.extensions["page_cache"]
    rows = []
    for page, path in DEMO_PAGES:
        if page in args.pages:
            rows.append(measure(app, database, f"{page}, after a sale", path, "new", args, before=store.bump))
            say(f"  {page}, after a sale (a page miss) {rows[-1].cpu_best:7.2f} ms CPU")
    return rows


def run_database(database: str, url: str, folder: Path, args) -> list[Measured]:
    say(f"{database}: migrating and loading the demo shop")
    started = time.perf_counter()
    app = build_app(url, folder, args.page_cache)
    say(f"  ready in {time.perf_counter() - started:.1f} s")
    rows = []
    for page, path in DEMO_PAGES:
        if page not in args.pages:
            continue
        for visitor in args.visitors:
            rows.append(measure(app, database, page, path, visitor, args))
            say(f"  {page:<9} {visitor:<9} {rows[-1].cpu_best:7.2f} ms CPU")
        if args.profile:
            profile(app, path, args)
    if args.page_cache == "off" and not args.no_sections:
        rows += measure_after_a_sale(url, folder, database, args)
    if args.catalog:
        say(f"{database}: adding a category of {args.catalog:,} products")
        path = add_catalog(app, args.catalog)
        page = f"top category, {args.catalog:,}"
        for visitor in ("returning",):
            rows.append(measure(app, database, page, path, visitor, args))
            say(f"  {page} {rows[-1].cpu_best:7.2f} ms CPU, {rows[-1].wall_median:7.2f} ms wall")
        if args.profile:
            profile(app, path, args)
    from storefront.extensions import db

    with app.app_context():
        db.engine.dispose()
    return rows


def report(rows: list[Measured], args) -> None:
    import os

    print()
    print(f"In-process CPU per request (time.process_time): {args.rounds} rounds of {args.requests} requests "
          f"per row after {args.warmup} warm-up, Accept-Language: {args.lang}, page cache {args.page_cache}; load average "
          f"{os.getloadavg()[0]:.2f} (other work on the machine adds to every figure)")
    header = (f"{'database':<11} {'page':<26} {'visitor':<10} {'CPU best':>9} {'CPU p50':>8} "
              f"{'wall p50':>9} {'queries':>8} {'count(*)':>9}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r.database:<11} {r.page:<26} {r.visitor:<10} {r.cpu_best:>9.2f} {r.cpu_median:>8.2f} "
              f"{r.wall_median:>9.2f} {r.queries:>8} {'yes' if r.counted_products else 'no':>9}")
    print("(milliseconds; CPU best: the quietest round's mean; CPU p50: the median request of all rounds; "
          "count(*): whether a statement of the page counts products)")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    from bench.run import run_isolated

    args = parse_args(argv)

    def body(workdir: Path) -> int:
        rows: list[Measured] = []
        if not args.no_sqlite:
            rows += run_database("SQLite", f"sqlite:///{workdir / 'sqlite' / 'shop.db'}", workdir / "sqlite", args)
        if args.postgres:
            database = Postgres(args.postgres)
            try:
                rows += run_database("PostgreSQL", database.url, workdir / "postgres", args)
            finally:
                database.drop()
        report(rows, args)
        return 0

    return run_isolated("shop-miss-path-", body, keep=args.keep, interrupted="Interrupted.")


if __name__ == "__main__":
    sys.exit(main())
