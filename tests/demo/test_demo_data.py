"""The demo shop: a real-looking knitwear brand, loaded once, with pictures and staff logins."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app
from PIL import Image

from storefront.accounts.models import User
from storefront.accounts.service import authenticate
from storefront.audit.models import AuditEntry
from storefront.catalog.models import Category, Product, ProductImage, Variant
from storefront.demo.content import STAFF
from storefront.demo.data import load_demo
from tests.demo_shop import load_demo_shop
from storefront.extensions import db

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)


def products() -> list[Product]:
    return list(db.session.scalars(sa.select(Product).order_by(Product.id)))


def variants() -> list[Variant]:
    return list(db.session.scalars(sa.select(Variant).order_by(Variant.id)))


def top_category(category: Category) -> Category:
    while category.parent is not None:
        category = category.parent
    return category


def picture_path(image: ProductImage) -> Path:
    return upload_path(image.filename)


def upload_path(filename: str) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / filename


def snapshot() -> dict:
    """Every row the demo writes, as plain values, and every picture's modification time."""
    tables = (Category, Product, ProductImage, Variant, User, AuditEntry)
    rows = {}
    for model in tables:
        columns = [c.key for c in sa.inspect(model).columns]
        rows[model.__tablename__] = [
            {key: getattr(obj, key) for key in columns}
            for obj in db.session.scalars(sa.select(model).order_by(model.id))]
    rows["files"] = {image["filename"]: upload_path(image["filename"]).stat().st_mtime_ns
                     for image in rows["product_images"]}
    return rows


@pytest.fixture
def demo():
    return load_demo_shop(NOW)


def test_demo_shop_sells_at_least_24_products_in_at_least_4_top_categories(demo):
    catalog = products()
    assert len(catalog) >= 24
    tops = {top_category(p.category).slug for p in catalog}
    assert len(tops) >= 4
    assert any(c.parent_id is not None for c in db.session.scalars(sa.select(Category)))
    for product in catalog:
        assert product.brand == "Ziemeļu Vilna"
        assert product.variants, product.slug
        assert len(product.description.split(". ")) >= 2, product.slug
        assert product.option_names and set(product.option_names) <= {"Size", "Colour"}
        for variant in product.variants:
            assert set(variant.options) == set(product.option_names), variant.sku
        assert product.price_min == min(v.price for v in product.variants)


def test_demo_offers_one_size_products_with_only_a_colour_to_pick(demo):
    assert any(p.option_names == ["Colour"] for p in products())


def test_every_demo_variant_has_a_unique_sku_and_a_realistic_euro_price(demo):
    skus = [v.sku for v in variants()]
    assert len(skus) == len(set(skus))
    assert all(sku.startswith("ZV-") for sku in skus)
    assert all(1900 <= v.price <= 25000 for v in variants())


def test_demo_has_sale_prices_low_stock_and_a_sold_out_product(demo):
    on_sale = {v.product_id for v in variants() if v.on_sale}
    assert len(on_sale) >= 5
    assert all(v.compare_at_price > v.price for v in variants() if v.compare_at_price)
    assert any(1 <= v.stock <= 3 for v in variants())
    assert [p.title for p in products() if p.total_stock == 0] == ["Ķemeri Long Hooded Cardigan"]
    sold_out_variants_of_selling_products = [v for v in variants() if v.stock == 0 and v.product.total_stock > 0]
    assert len(sold_out_variants_of_selling_products) >= 3
    assert sum(1 for v in variants() if 5 <= v.stock <= 40) > len(variants()) / 2


def test_demo_products_were_added_over_past_weeks_so_newest_first_means_something(demo):
    created = [p.created_at for p in products()]
    assert all(c.tzinfo is not None and c < NOW for c in created)
    assert len({c.date() for c in created}) >= 20
    assert max(created) - min(created) >= dt.timedelta(weeks=6)


def test_demo_pictures_are_on_disk_and_open_as_images(demo):
    images = list(db.session.scalars(sa.select(ProductImage)))
    assert len(images) >= len(products())
    for image in images:
        assert image.filename.startswith("demo/") and image.alt
        with Image.open(picture_path(image)) as picture:
            picture.verify()
        with Image.open(picture_path(image)) as picture:
            assert picture.size == (image.width, image.height) == (800, 800)


def test_each_colour_variant_shows_the_picture_of_its_colour(demo):
    for variant in variants():
        assert variant.image is not None, variant.sku
        assert variant.image.product_id == variant.product_id
        if "Colour" in variant.options:
            assert variant.options["Colour"].lower() in variant.image.alt


def test_demo_pictures_are_not_plain_squares(demo):
    # A product "photo" has a light background and a coloured item in the middle.
    image = db.session.scalar(sa.select(ProductImage).where(
        ProductImage.filename == "demo/kurzeme-fair-isle-sweater-cranberry.jpg"))
    with Image.open(picture_path(image)) as picture:
        corner = picture.getpixel((5, 5))
        centre = picture.getpixel((400, 460))
    assert min(corner) > 200
    assert centre[0] > centre[1] + 30  # cranberry red


def test_demo_staff_can_sign_in_with_the_printed_passwords(demo):
    for email, role, password in STAFF:
        assert f"{email}" in demo and password in demo
        user = authenticate(email, password)
        assert user is not None and user.role == role
        assert len(password) >= 10


def test_loading_the_demo_twice_changes_nothing(demo):
    before = snapshot()
    message = load_demo(now=NOW + dt.timedelta(days=3))
    db.session.expire_all()
    assert snapshot() == before
    assert "already there" in message
    assert "/account/login" in message


def test_reloading_the_demo_keeps_what_the_shop_owner_changed(demo):
    sweater = db.session.scalar(sa.select(Variant).where(Variant.sku == "ZV-GAUJA-OAT-M"))
    sweater.price, sweater.stock = 13500, 2
    db.session.commit()
    load_demo(now=NOW)
    db.session.expire_all()
    assert (sweater.price, sweater.stock) == (13500, 2)


def test_reloading_the_demo_adds_back_only_what_is_missing(demo):
    count = len(products())
    db.session.delete(db.session.scalar(sa.select(Product).where(Product.slug == "chunky-cable-cushion")))
    db.session.commit()
    message = load_demo(now=NOW)
    assert len(products()) == count
    assert "Demo data loaded: 1 product (" in message


def test_flask_demo_load_prints_the_staff_logins(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded" in result.output
    assert "/account/login" in result.output
    for email, role, password in STAFF:
        assert email in result.output and password in result.output and role in result.output
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert "already there" in again.output
