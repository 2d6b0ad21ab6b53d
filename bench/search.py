"""The search page at 100 and 100,000 products, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.search [--sizes 100,100000] [--postgres URL] [--sqlite-only]

Each database is made by the migrations and given a catalog in three languages (garments,
patterns and colours named in English, Spanish and Latvian, a tenth of the products without
translations), written with bulk inserts: the index triggers fill the search index as they would
for an import. Then search pages are rendered in-process by the Flask test client (page cache off):
a few warm-up renders, then `--rounds` rounds of `--repeat` renders, a database's catalogs in
turns so that a change in the machine's load weighs on both alike; the table gives the medians.

The pages: a model name with a garment, in Latvian without its accents ("gauja dzemperis"), which
matches the same ten products in every catalog, as a shopper's precise search does; the goal is
that 1,000 times the catalog costs at most 1.5 times the page (before the index, a LIKE scan of
every product: 81 ms at 100,000 on SQLite). And a bare garment in Spanish ("jersey"), which
matches a sixth of the catalog: ranking 16,000 matches costs what it costs, shown for what it is.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import sqlalchemy as sa

from bench.run import isolate
from bench.seed import BENCH_SECRET_KEY, CHUNK, Site, _migrate, analyze, postgres_database

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PRECISE = "gauja dzemperis"
PAGES = (("precise, lv, 10 matches", f"/search?q={PRECISE.replace(' ', '+')}&lang=lv"),
         ("precise, lv, by price", f"/search?q={PRECISE.replace(' ', '+')}&lang=lv&sort=price_asc"),
         ("one garment, es, 1/6 of all", "/search?q=jersey&lang=es"))
MODELS_MATCHED = 10
# (en, es, lv) names.
GARMENTS = (("Sweater", "Jersey", "Džemperis"), ("Cardigan", "Chaqueta", "Jaka"), ("Hat", "Gorro", "Cepure"),
            ("Mittens", "Manoplas", "Dūraiņi"), ("Socks", "Calcetines", "Zeķes"), ("Scarf", "Bufanda", "Šalle"))
PATTERNS = (("Cable-knit", "de ochos", "pīts"), ("Striped", "de rayas", "svītrains"),
            ("Fair Isle", "jacquard", "rakstains"), ("Ribbed", "de canalé", "rievots"))
COLOURS = (("navy", "azul marino", "tumši zils"), ("grey", "gris", "pelēks"), ("red", "rojo", "sarkans"),
           ("oat", "avena", "auzu"), ("green", "verde", "zaļš"))
MODELS = ("Kurzeme", "Vidzeme", "Latgale", "Zemgale", "Sēlija", "Daugava", "Venta", "Lielupe", "Abava")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=lambda s: [int(n) for n in s.split(",")], default=[100, 100_000])
    parser.add_argument("--repeat", type=int, default=10, help="renders per page and round (default 10)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, the catalogs in turns (default 5)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES", DEFAULT_POSTGRES))
    parser.add_argument("--sqlite-only", action="store_true", help="leave PostgreSQL out")
    return parser.parse_args(argv)


def _app(site: Site):
    from storefront import create_app

    site.folder.mkdir(parents=True, exist_ok=True)
    return create_app({"INSTANCE_PATH": str(site.folder), "SQLALCHEMY_DATABASE_URI": site.database_url,
                       "UPLOAD_FOLDER": str(site.upload_folder), "SECRET_KEY": BENCH_SECRET_KEY,
                       "PAGE_CACHE_URL": "off"})


def _product(pid: int, now: dt.datetime) -> dict:
    """Product `pid`: the first MODELS_MATCHED are Gauja sweaters, the rest another model's garment
    (a sixth of them sweaters too), so the precise search matches as many in every catalog."""
    garment = GARMENTS[0] if pid <= MODELS_MATCHED else GARMENTS[pid % len(GARMENTS)]
    model = "Gauja" if pid <= MODELS_MATCHED else MODELS[pid % len(MODELS)]
    pattern, colour = PATTERNS[pid % len(PATTERNS)], COLOURS[pid % len(COLOURS)]
    translations = {} if pid % 10 == 3 and pid > MODELS_MATCHED else {
        "es": {"title": f"{garment[1]} {pattern[1]} {model}",
               "description": f"Lana letona, color {colour[1]}. Lavar a mano en agua fría."},
        "lv": {"title": f"{model} {pattern[2]} {garment[2].lower()}",
               "description": f"Latvijas vilna, krāsa: {colour[2]}. Mazgāt ar rokām aukstā ūdenī."}}
    created = now - dt.timedelta(minutes=pid)
    return {"id": pid, "slug": f"{model.lower()}-{garment[0].lower()}-{pid}",
            "title": f"{model} {pattern[0]} {garment[0]}",
            "description": f"Latvian wool in {colour[0]}. Hand wash cold and dry flat.",
            "brand": "Ziemeļu Vilna", "category_id": 1 + pid % len(GARMENTS), "option_names": ["Size"],
            "active": True, "price_min": 2900 + (pid * 37) % 160 * 100, "translations": translations,
            "created_at": created, "updated_at": created}


def seed(site: Site, products: int) -> None:
    from storefront.catalog.models import Category, Product, Variant
    from storefront.extensions import db

    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    app = _app(site)
    with app.app_context():
        _migrate(app)
        db.session.execute(sa.insert(Category), [
            {"id": n + 1, "parent_id": None, "slug": en.lower(), "name": en, "description": "", "position": n,
             "translations": {"es": {"name": es}, "lv": {"name": lv}}} for n, (en, es, lv) in enumerate(GARMENTS)])
        for start in range(1, products + 1, CHUNK):
            rows = [_product(pid, now) for pid in range(start, min(start + CHUNK, products + 1))]
            db.session.execute(sa.insert(Product.__table__), rows)
            db.session.execute(sa.insert(Variant.__table__), [
                {"product_id": row["id"], "sku": f"S-{row['id']}-{size}", "options": {"Size": size},
                 "price": row["price_min"], "compare_at_price": None, "stock": 5, "position": n, "image_id": None}
                for row in rows for n, size in enumerate(("S", "M", "L"))])
        db.session.commit()
        db.engine.dispose()
    if site.url:
        analyze(site.url)


def measure(sites: list[Site], repeat: int, rounds: int) -> dict[str, dict[str, tuple[float, int]]]:
    """Per site and page: the median milliseconds of a render, and the products it said it found.
    The sites are measured in turns, `rounds` times, so that a change in the machine's load (other
    work on a shared machine) weighs on every catalog alike."""
    import re

    from storefront.extensions import db

    apps = {site.name: _app(site) for site in sites}
    clients = {name: app.test_client() for name, app in apps.items()}
    samples: dict[str, dict[str, list[float]]] = {name: {label: [] for label, _ in PAGES} for name in apps}
    found: dict[str, dict[str, int]] = {name: {} for name in apps}
    for name, client in clients.items():
        for label, path in PAGES:
            for _ in range(3):
                response = client.get(path)
                assert response.status_code == 200, path
            count = re.search(r'class="result-count">\D*([\d,]+)', response.get_data(as_text=True))
            found[name][label] = int(count.group(1).replace(",", "")) if count else 0
    for _ in range(rounds):
        for name, client in clients.items():
            for label, path in PAGES:
                for _ in range(repeat):
                    started = time.perf_counter()
                    client.get(path)
                    samples[name][label].append((time.perf_counter() - started) * 1000)
    for app in apps.values():
        with app.app_context():
            db.engine.dispose()
    return {name: {label: (statistics.median(times), found[name][label]) for label, times in pages.items()}
            for name, pages in samples.items()}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results: list[tuple[str, int, dict[str, tuple[float, int]]]] = []
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-search-")))
        isolate(workdir)  # before the shop is imported: its task queue opens a file at import
        for backend in ["SQLite"] + ([] if args.sqlite_only else ["PostgreSQL"]):
            sites = []
            for size in args.sizes:
                url = None
                if backend == "PostgreSQL":
                    url = stack.enter_context(postgres_database(args.postgres, "bench_search"))
                    if url is None:
                        print(f"PostgreSQL at {args.postgres} does not answer: left out")
                        break
                site = Site(f"{backend} {size}", workdir / f"{backend.lower()}-{size}", url=url, products=size)
                started = time.perf_counter()
                seed(site, size)
                print(f"{backend}: {size:,} products seeded and indexed in {time.perf_counter() - started:.1f} s",
                      flush=True)
                sites.append(site)
            timings = measure(sites, args.repeat, args.rounds) if sites else {}
            results.extend((backend, site.products, timings[site.name]) for site in sites)
    print()
    print(f"{'database':<11} {'products':>9} " + " ".join(f"{label:>30}" for label, _ in PAGES)
          + f" {'× smallest':>11}")
    smallest: dict[str, float] = {}
    for backend, size, timings in results:
        first = timings[PAGES[0][0]][0]
        smallest.setdefault(backend, first)
        print(f"{backend:<11} {size:>9,} "
              + " ".join(f"{f'{ms:.1f} ms ({found:,} found)':>30}"
                         for ms, found in (timings[label] for label, _ in PAGES))
              + f" {first / smallest[backend]:>10.2f}×")
    print(f"\nMedian render time of the search page in-process (Flask test client, page cache off), the catalogs "
          f"of a database measured in turns ({args.rounds} rounds of {args.repeat}). Goal: the precise search "
          f"(\"{PRECISE}\") at the largest catalog within 1.5× of the smallest (× smallest). "
          "Machine load (1, 5, 15 min): " + ", ".join(f"{value:.2f}" for value in os.getloadavg()))


if __name__ == "__main__":
    main()
