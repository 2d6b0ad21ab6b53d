"""Catalog editing as staff do it: stock edits that keep the sales made meanwhile, and refusals that
leave nothing written (no row, no audit entry, no file)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from storefront.audit.models import AuditEntry
from storefront.catalog import editing, images
from storefront.catalog.models import Category, Product, ProductImage, Variant
from storefront.catalog.stock import take_stock
from storefront.database import write_transaction
from storefront.extensions import db
from tests.factories import make_category, make_product, make_user


@pytest.fixture(autouse=True)
def request_context(app):
    # Messages are translated lazily, in the staff member's language, which needs a request.
    with app.test_request_context("/"):
        yield


@pytest.fixture
def staff():
    return make_user()


def sell(variant_id: int, quantity: int) -> None:
    """A checkout's stock step, committed, as another shopper's request would."""
    with write_transaction():
        assert take_stock({variant_id: quantity}) == []


def stock_of(variant_id: int) -> int:
    db.session.commit()
    return db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id))


def audit(action: str | None = None) -> list[AuditEntry]:
    db.session.commit()
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def test_a_delivery_booked_after_a_sale_adds_to_what_the_sale_left(staff):
    variant_id = make_product(variants=[{"stock": 10}]).variants[0].id
    # Staff's page shows 10; a shopper buys 2; staff books a delivery of 5 by typing 15.
    sell(variant_id, 2)
    variant = editing.set_stock(staff, variant_id, "15", seen="10")
    assert variant.stock == stock_of(variant_id) == 13
    entry = audit("variant.stock")[0]
    assert entry.details == {"sku": variant.sku, "changed": {"stock": [8, 13]}, "seen": 10, "typed": 15}


def test_a_reduction_the_sales_already_made_impossible_is_refused_and_writes_nothing(staff):
    variant_id = make_product(variants=[{"stock": 3}]).variants[0].id
    sell(variant_id, 2)  # after staff's page showed 3
    with pytest.raises(editing.StockChanged) as refused:
        editing.set_stock(staff, variant_id, "0", seen="3")
    assert (refused.value.status, refused.value.field, refused.value.details["stock"]) == (409, "stock", 1)
    assert "now 1" in str(refused.value.message)
    assert stock_of(variant_id) == 1
    assert audit() == []


def test_a_reduction_that_still_fits_is_applied_to_what_the_sales_left(staff):
    variant_id = make_product(variants=[{"stock": 10}]).variants[0].id
    sell(variant_id, 4)
    editing.set_stock(staff, variant_id, "7", seen="10")  # 3 found damaged
    assert stock_of(variant_id) == 3


def test_without_the_value_staff_saw_the_typed_stock_replaces_the_stock(staff):
    variant_id = make_product(variants=[{"stock": 10}]).variants[0].id
    sell(variant_id, 4)
    editing.set_stock(staff, variant_id, "9")
    assert stock_of(variant_id) == 9
    assert audit("variant.stock")[0].details["changed"] == {"stock": [6, 9]}


@pytest.mark.parametrize("typed, seen", [("-1", "3"), ("abc", "3"), ("3", "x"), ("3", "-2"), ("1000001", "3")])
def test_bad_numbers_are_refused_before_anything_is_written(staff, typed, seen):
    variant_id = make_product(variants=[{"stock": 3}]).variants[0].id
    with pytest.raises(editing.InvalidStock):
        editing.set_stock(staff, variant_id, typed, seen=seen)
    assert stock_of(variant_id) == 3
    assert audit() == []


def test_a_change_that_would_pass_the_stock_limit_is_refused(staff):
    variant_id = make_product(variants=[{"stock": editing.MAX_STOCK - 5}]).variants[0].id
    with pytest.raises(editing.InvalidStock):
        editing.set_stock(staff, variant_id, str(editing.MAX_STOCK), seen="0")
    assert stock_of(variant_id) == editing.MAX_STOCK - 5


def test_an_unknown_variant_is_not_found_either_way(staff):
    with pytest.raises(editing.CatalogItemNotFound):
        editing.set_stock(staff, 999_999, "3", seen="1")
    with pytest.raises(editing.CatalogItemNotFound):
        editing.set_stock(staff, 999_999, "3")


def test_the_variant_form_keeps_sales_made_while_it_was_open(staff):
    product = make_product(variants=[{"stock": 10, "sku": "HAT-M", "options": {"Size": "M"}}])
    variant_id = product.variants[0].id
    sell(variant_id, 3)
    editing.update_variant(staff, variant_id, sku="HAT-M", options={"Size": "M"}, price="19.90",
                           stock="12", stock_seen="10")
    assert stock_of(variant_id) == 9
    variant = db.session.get(Variant, variant_id)
    assert variant.price == 1990
    assert audit("variant.update")[0].details["changed"] == {"price": [2500, 1990], "stock": [7, 9]}


def test_a_refused_variant_edit_changes_neither_its_fields_nor_its_stock(staff):
    product = make_product(variants=[{"stock": 2, "sku": "HAT-M", "options": {"Size": "M"}}])
    variant_id = product.variants[0].id
    sell(variant_id, 2)
    with pytest.raises(editing.StockChanged):
        editing.update_variant(staff, variant_id, sku="HAT-NEW", options={"Size": "M"}, price="9.90",
                               stock="0", stock_seen="2")
    db.session.commit()
    assert db.session.execute(sa.select(Variant.sku, Variant.price, Variant.stock)
                              .where(Variant.id == variant_id)).one() == ("HAT-M", 2500, 0)
    assert audit() == []


def test_a_duplicate_sku_is_refused_and_leaves_no_variant_and_no_audit_entry(staff):
    product = make_product(variants=[{"sku": "TAKEN"}])
    with pytest.raises(editing.DuplicateSku):
        editing.add_variant(staff, product.id, sku="TAKEN", options={"Size": "L"}, price="10", stock="1")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Variant.id))) == 1
    assert audit() == []


def test_a_sku_taken_by_another_writer_after_the_check_is_a_409_not_a_crash(staff, monkeypatch):
    # What PostgreSQL allows: another writer inserts the SKU between this use case's check and
    # its insert. The constraint refuses it; the shop answers as the check would have.
    product = make_product(variants=[{"sku": "FIRST"}], option_names=("Size",))
    other = make_product(variants=[{"sku": "RACED"}])
    monkeypatch.setattr(editing, "_check_sku_free", lambda sku, variant_id: None)
    with pytest.raises(editing.DuplicateSku) as refused:
        editing.add_variant(staff, product.id, sku="RACED", options={"Size": "L"}, price="10", stock="1")
    assert (refused.value.status, refused.value.field) == (409, "sku")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Variant.id))) == 2 and other.id
    assert audit() == []


def test_a_category_in_use_is_refused_and_stays(staff):
    category = make_category("Hats", slug="hats")
    make_product(category=category)
    with pytest.raises(editing.CategoryInUse):
        editing.delete_category(staff, category.id)
    db.session.commit()
    assert db.session.scalar(sa.select(Category.slug).where(Category.id == category.id)) == "hats"
    assert audit() == []


def test_products_and_categories_are_written_with_their_audit_entry(staff):
    category = editing.create_category(staff, name="Mittens")
    product = editing.create_product(staff, title="Wool mittens", slug=None, category_id=category.id)
    editing.update_product(staff, product.id, title="Wool mittens", slug="mittens", category_id=category.id)
    db.session.commit()
    assert db.session.scalar(sa.select(Product.slug)) == "mittens"
    assert [entry.action for entry in audit()] == ["category.create", "product.create", "product.update"]


def png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (10, 200, 10)).save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def stored_files(app) -> set[Path]:
    return set((Path(app.config["UPLOAD_FOLDER"]) / "products").glob("*"))


def test_an_image_for_an_unknown_product_leaves_no_file_and_no_row(app, staff):
    before = stored_files(app)
    with pytest.raises(editing.CatalogItemNotFound):
        images.add_image(staff, 999_999, png())
    assert stored_files(app) == before
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ProductImage.id))) == 0
    assert audit() == []


def test_an_image_whose_write_fails_leaves_no_file(app, staff, monkeypatch):
    product = make_product()
    before = stored_files(app)

    def audit_fails(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(images, "record", audit_fails)
    with pytest.raises(RuntimeError):
        images.add_image(staff, product.id, png())
    assert stored_files(app) == before
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ProductImage.id))) == 0
