"""Bench databases: one SQLite file per catalog, each in its own folder under the bench's temp dir
(or a throwaway PostgreSQL database, made and dropped by `postgres_database`).

The schema is made by the migrations, as in production. The demo catalog is loaded by the demo's
own loader; the large catalogs are written with bulk inserts (one executemany per chunk), since
adding 100,000 products one ORM object at a time would take minutes.
"""
from __future__ import annotations

import csv
import datetime as dt
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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
    url: str | None = None  # a database elsewhere (PostgreSQL); None: a SQLite file in `folder`

    @property
    def database_url(self) -> str:
        return self.url or f"sqlite:///{self.folder / 'shop.db'}"

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


def seed_demo(folder: Path, database_url: str | None = None) -> Site:
    """The demo shop (Ziemeļu Vilna), as `make run` serves it: a real-looking catalog; in a SQLite
    file in `folder`, or in the (empty) database at `database_url`."""
    from storefront.demo.data import load_demo
    from storefront.extensions import db

    site = Site("demo", folder, url=database_url)
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


def seed_reviews(folder: Path, reviews: int) -> Site:
    """Three products of one category: one without reviews, one with a page of them (12) and one
    with `reviews` (mixed stars and languages, a reply, its earlier version and a follow-up on the
    most helpful ones, an inbox item for each 1–2★ one), so the product page can be measured with
    many reviews, one page of them and none: the first two differ by what a page shows, the last
    two by how many reviews there are.
    The reviews are written with bulk inserts and the product's figures rebuilt by
    `reviews.stats.recount`, as its CLI repair would."""
    from reviews import stats
    from reviews.models import InboxItem, Reply, ReplyVersion, Review, ReviewFollowUp
    from storefront.catalog.models import Category, Product, ProductImage, Variant
    from storefront.database import write_transaction
    from storefront.extensions import db

    site = Site(f"{reviews:,} reviews", folder, products=3)
    started = time.perf_counter()
    app = _app(site)
    with app.app_context():
        _migrate(app)
        db.session.execute(sa.insert(Category), [
            {"id": 1, "parent_id": None, "slug": "knitwear", "name": "Knitwear", "description": "", "position": 0}])
        created = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
        for pid, slug in ((1, "unreviewed-sweater"), (2, "reviewed-sweater"), (3, "few-reviews-sweater")):
            db.session.execute(sa.insert(Product.__table__), [{
                "id": pid, "slug": slug, "title": f"Wool Sweater No. {pid}",
                "description": "A warm knit in Latvian wool. Hand wash cold and dry flat.", "brand": "Ziemeļu Vilna",
                "category_id": 1, "option_names": ["Size"], "active": True, "price_min": 8900,
                "created_at": created, "updated_at": created}])
            db.session.execute(sa.insert(ProductImage.__table__), [{
                "id": pid, "product_id": pid, "filename": f"bench/{pid}.jpg", "alt": "", "width": 800,
                "height": 800, "position": 0}])
            db.session.execute(sa.insert(Variant.__table__), [{
                "product_id": pid, "sku": f"R-{pid}-{size}", "options": {"Size": size}, "price": 8900,
                "compare_at_price": None, "stock": 20, "position": position, "image_id": pid}
                for position, size in enumerate(SIZES)])
        ratings, languages, fits = (5, 4, 2, 5, 1, 3, 4, 5), ("en", "lv", "es"), ("small", "true", "large")
        few = 12
        for start in range(0, reviews + few, CHUNK):
            rows = []
            for n in range(start, min(start + CHUNK, reviews + few)):
                rating, when = ratings[n % len(ratings)], created + dt.timedelta(minutes=n)
                rows.append({
                    "id": n + 1, "product_id": 2 if n < reviews else 3, "verified": True, "author_name": f"Buyer {n}",
                    "email": f"buyer{n}@example.com", "language": languages[n % 3], "rating": rating,
                    "original_rating": rating, "title": f"Review number {n}",
                    "body": "Warm and soft; the sleeves are a little long. " * (1 + n % 4),
                    "status": "published", "helpful_count": n % 23, "reviewer_token": f"bench-{n}",
                    "created_at": when, "published_at": when, "collection_method": "post_fulfillment",
                    "variant_label": SIZES[n % 3], "fit": fits[n % 3], "delivered_at": when - dt.timedelta(days=3)})
            db.session.execute(sa.insert(Review.__table__), rows)
        top = [n + 1 for n in range(reviews) if n % 23 == 22][-60:] + [reviews + 1, reviews + 2]
        if top:
            db.session.execute(sa.insert(Reply.__table__), [
                {"id": i + 1, "review_id": rid, "body": "Thank you for telling us. We are sending you a comb.",
                 "language": "en", "created_at": created + dt.timedelta(minutes=rid + 90),
                 "edited_at": created + dt.timedelta(minutes=rid + 200)} for i, rid in enumerate(top)])
            db.session.execute(sa.insert(ReplyVersion.__table__), [
                {"reply_id": i + 1, "body": "Thank you.", "written_at": created, "replaced_at": created}
                for i in range(len(top))])
            db.session.execute(sa.insert(ReviewFollowUp.__table__), [
                {"review_id": rid, "body": "The comb worked.", "previous_rating": 2, "new_rating": 4,
                 "created_at": created + dt.timedelta(minutes=rid + 300)} for rid in top])
        negative = [n + 1 for n in range(reviews + few) if ratings[n % len(ratings)] <= 2]
        for start in range(0, len(negative), CHUNK):
            db.session.execute(sa.insert(InboxItem.__table__), [
                {"kind": "negative_review", "review_id": rid, "arrived_at": created + dt.timedelta(minutes=rid),
                 "clock": "calendar", "due_at": created + dt.timedelta(minutes=rid + 120),
                 "first_response_at": created + dt.timedelta(minutes=rid + 45) if rid % 5 else None}
                for rid in negative[start:start + CHUNK]])
        db.session.commit()
        with write_transaction():
            stats.recount(2)
            stats.recount(3)
        db.session.commit()
        db.engine.dispose()
    from flask import url_for

    with app.test_request_context():
        none = url_for("catalog.product", slug="unreviewed-sweater")
        many = url_for("catalog.product", slug="reviewed-sweater")
        page = url_for("catalog.product", slug="few-reviews-sweater")
        none_list = url_for("review_pages.product_reviews", slug="unreviewed-sweater")
        page_list = url_for("review_pages.product_reviews", slug="few-reviews-sweater")
        many_list = url_for("review_pages.product_reviews", slug="reviewed-sweater")
    site.pages = [("product page, 0 reviews", none), (f"product page, {few} reviews", page),
                  (f"product page, {reviews:,} reviews", many),
                  ("reviews page, 0 reviews", none_list), (f"reviews page, {few} reviews", page_list),
                  (f"reviews page, {reviews:,} reviews", many_list),
                  (f"reviews page 50, lowest first, {reviews:,}", many_list + "?sort=lowest&page=50")]
    site.seconds = time.perf_counter() - started
    return site


@contextmanager
def postgres_database(server_url: str, prefix: str) -> Iterator[str | None]:
    """A new, empty database on the PostgreSQL server at `server_url` (its database part is only
    where to connect to make it), dropped afterwards; yields its URL, or None if the server cannot
    be reached."""
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    admin = sa.create_engine(url.set(database=url.database or "postgres"), isolation_level="AUTOCOMMIT",
                             connect_args={"connect_timeout": 3})
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        admin.dispose()
        yield None
        return
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def analyze(database_url: str) -> None:
    """ANALYZE a freshly loaded PostgreSQL database: these servers run without autovacuum, and a
    planner without statistics would measure plans no live shop gets."""
    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
    finally:
        engine.dispose()


@dataclass
class OscarCatalog:
    """The demo catalog in the form django-oscar's importers read."""

    csv: Path
    images: Path
    product_upc: str  # the product the bench measures
    products: int
    categories: int


def export_for_oscar(site: Site, folder: Path, product_slug: str = "gauja-cable-knit-pullover") -> OscarCatalog:
    """Write `site`'s catalog as the CSV `oscar_import_catalogue` reads (product class, category
    breadcrumbs, UPC, title, description, partner, SKU, price, stock) and a folder of pictures
    named by UPC, as `oscar_import_catalogue_images` reads them. Oscar's importer makes one
    product per row (no variants): each gets the product's lowest price, the stock of all its
    variants and its first picture; the slug is the UPC."""
    from storefront.catalog.models import Category, Product, ProductImage, Variant
    from storefront.extensions import db

    app = _app(site)
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    rows = []
    with app.app_context():
        categories = {c.id: c for c in db.session.scalars(sa.select(Category))}

        def breadcrumbs(category: Category) -> str:
            names = [category.name]
            while category.parent_id is not None:
                category = categories[category.parent_id]
                names.insert(0, category.name)
            return " > ".join(names)

        for product in db.session.scalars(sa.select(Product).where(Product.active).order_by(Product.id)):
            variants = db.session.scalars(sa.select(Variant).where(Variant.product_id == product.id)).all()
            picture = db.session.scalars(sa.select(ProductImage).where(ProductImage.product_id == product.id)
                                         .order_by(ProductImage.position, ProductImage.id).limit(1)).first()
            price = min((v.price for v in variants), default=product.price_min)
            rows.append(["Knitwear", breadcrumbs(categories[product.category_id]), product.slug, product.title,
                         product.description, product.brand or "Ziemeļu Vilna", product.slug,
                         f"{price // 100}.{price % 100:02d}", sum(v.stock for v in variants)])
            if picture is not None and (site.upload_folder / picture.filename).exists():
                source = site.upload_folder / picture.filename
                shutil.copyfile(source, images / f"{product.slug}{source.suffix}")
        db.engine.dispose()
    path = folder / "catalogue.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file, escapechar="\\", doublequote=False).writerows(rows)
    return OscarCatalog(csv=path, images=images, product_upc=product_slug, products=len(rows),
                        categories=len({row[1] for row in rows}))
