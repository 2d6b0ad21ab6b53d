"""Bench databases: one SQLite file per catalog, each in its own folder under the bench's temp dir.

The schema is made by the migrations, as in production. The demo catalog is loaded by the demo's
own loader; the large catalogs are written with bulk inserts (one executemany per chunk), since
adding 100,000 products one ORM object at a time would take minutes.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

BENCH_SECRET_KEY = "bench-only-secret-key-not-for-production"
CHUNK = 10_000
SIZES = ("S", "M", "L")
SUBCATEGORIES = 4


@dataclass
class Site:
    """A seeded database and the pages of it to measure, as (label, path) pairs."""

    name: str
    folder: Path
    pages: list[tuple[str, str]] = field(default_factory=list)
    products: int = 0
    seconds: float = 0.0

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.folder / 'shop.db'}"

    @property
    def upload_folder(self) -> Path:
        return self.folder / "uploads"

    def environment(self) -> dict[str, str]:
        """What the gunicorn process needs to serve this database and nothing else."""
        return {"INSTANCE_PATH": str(self.folder), "DATABASE_URL": self.database_url,
                "UPLOAD_FOLDER": str(self.upload_folder), "HUEY_URL": f"sqlite:///{self.folder / 'tasks.db'}",
                "SECRET_KEY": BENCH_SECRET_KEY}


def _app(site: Site) -> Flask:
    from storefront import create_app

    site.folder.mkdir(parents=True, exist_ok=True)
    return create_app({"INSTANCE_PATH": str(site.folder), "SQLALCHEMY_DATABASE_URI": site.database_url,
                       "UPLOAD_FOLDER": str(site.upload_folder), "SECRET_KEY": BENCH_SECRET_KEY})


def _migrate(app: Flask) -> None:
    import logging

    from flask_migrate import upgrade

    # Alembic logs every migration at INFO; the bench's output is its table.
    logging.disable(logging.INFO)
    try:
        upgrade()
    finally:
        logging.disable(logging.NOTSET)


def _paths(app: Flask, category_slug: str, product_slug: str) -> tuple[str, str]:
    from flask import url_for

    with app.test_request_context():
        return (url_for("catalog.category", slug=category_slug),
                url_for("catalog.product", slug=product_slug))


def seed_demo(folder: Path) -> Site:
    """The demo shop (Ziemeļu Vilna), as `make run` serves it: a real-looking catalog."""
    from storefront.demo.data import load_demo
    from storefront.extensions import db

    site = Site("demo", folder)
    started = time.perf_counter()
    app = _app(site)
    with app.app_context():
        _migrate(app)
        load_demo()
        from storefront.catalog.models import Product

        site.products = db.session.scalar(sa.select(sa.func.count(Product.id))) or 0
        db.engine.dispose()
    category, product = _paths(app, "sweaters", "gauja-cable-knit-pullover")
    site.pages = [("catalog page", category), ("product page", product)]
    site.seconds = time.perf_counter() - started
    return site


def seed_catalog(folder: Path, products: int) -> Site:
    """A catalog of `products` products with three sizes each, spread over four subcategories of
    one top category, so that the top category's page lists them all."""
    from storefront.catalog.models import Category, Product, ProductImage, Variant
    from storefront.extensions import db

    site = Site(f"{products:,} products", folder, products=products)
    started = time.perf_counter()
    app = _app(site)
    with app.app_context():
        _migrate(app)
        db.session.execute(sa.insert(Category), [
            {"id": 1, "parent_id": None, "slug": "knitwear", "name": "Knitwear", "description": "", "position": 0},
            *({"id": 2 + i, "parent_id": 1, "slug": f"knitwear-{i + 1}", "name": f"Knitwear {i + 1}",
               "description": "", "position": i} for i in range(SUBCATEGORIES)),
        ])
        newest = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
        for start in range(0, products, CHUNK):
            ids = range(start + 1, min(start + CHUNK, products) + 1)
            product_rows, variant_rows, image_rows = [], [], []
            for pid in ids:
                price = 2900 + (pid * 37) % 160 * 100
                created = newest - dt.timedelta(minutes=pid)
                product_rows.append({
                    "id": pid, "slug": f"wool-sweater-{pid}", "title": f"Wool Sweater No. {pid}",
                    "description": "A warm knit in Latvian wool. Hand wash cold and dry flat. "
                                   "Relaxed fit; take your usual size.",
                    "brand": "Ziemeļu Vilna", "category_id": 2 + pid % SUBCATEGORIES,
                    "option_names": ["Size"], "active": True, "price_min": price,
                    "created_at": created, "updated_at": created})
                image_rows.append({"id": pid, "product_id": pid, "filename": f"bench/{pid}.jpg",
                                   "alt": f"Wool Sweater No. {pid}", "width": 800, "height": 800, "position": 0})
                for position, size in enumerate(SIZES):
                    variant_rows.append({
                        "product_id": pid, "sku": f"B-{pid}-{size}", "options": {"Size": size},
                        "price": price, "compare_at_price": None, "stock": (pid + position) % 30,
                        "position": position, "image_id": pid})
            # Core inserts on the tables: one executemany each, without the ORM's per-row work.
            db.session.execute(sa.insert(Product.__table__), product_rows)
            db.session.execute(sa.insert(ProductImage.__table__), image_rows)
            db.session.execute(sa.insert(Variant.__table__), variant_rows)
        # No ANALYZE: the shop's databases get none either, so the planner works as it would live.
        db.session.commit()
        db.engine.dispose()
    top, product = _paths(app, "knitwear", f"wool-sweater-{max(1, products // 2)}")
    leaf, _ = _paths(app, "knitwear-1", "-")
    site.pages = [("catalog page, top category (all products)", top),
                  (f"catalog page, subcategory (1/{SUBCATEGORIES})", leaf),
                  ("product page", product)]
    site.seconds = time.perf_counter() - started
    return site
