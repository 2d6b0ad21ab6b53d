"""Staff input under the shop's one text rule: SKUs that could poison a spreadsheet or the database
are refused in the variant form and the CSV import, and every exported cell is guarded."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from storefront.catalog.models import Variant
from storefront.extensions import db
from tests.factories import make_category, make_product

from .test_csv import HEADER, catalog_snapshot, export, run_import
from .test_products import variant_data


def variant_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Variant.id)))


@pytest.fixture
def beanie():
    return make_product(option_names=("Size", "Colour"), variants=[
        {"sku": "B-1", "options": {"Size": "S", "Colour": "Red"}}])


@pytest.mark.parametrize("sku, message", [
    ("A\x00B", "control characters"),
    ("HAT\x1bRED", "control characters"),
    ('=HYPERLINK("evil")', "start with =, +, - or @"),
    ("+1-555", "start with =, +, - or @"),
    ("-HAT", "start with =, +, - or @"),
    ("@SUM(A1)", "start with =, +, - or @"),
])
def test_the_variant_form_refuses_a_sku_with_control_characters_or_a_formula_start(client, admin, beanie, sku,
                                                                                      message):
    response = client.post(f"/admin/products/{beanie.id}/variants/new", data=variant_data(sku=sku))

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert variant_count() == 1


def test_the_admin_export_guards_every_cell_the_sku_too(client, admin):
    hats = make_category("Hats", slug="hats")
    make_product("@Hat", category=hats, slug="at-hat", brand="+Brand", option_names=(),
                 variants=[{"sku": "-OLD-1", "options": {}, "price": 100, "stock": 1}])

    [row] = list(csv.DictReader(io.StringIO(export(client))))

    assert (row["sku"], row["title"], row["brand"]) == ("'-OLD-1", "'@Hat", "'+Brand")


def test_an_import_refuses_formula_skus_and_control_characters_by_line_and_column(client, admin):
    hats = make_category("Hats", slug="hats")
    make_product("Beanie", category=hats, slug="beanie", option_names=(),
                 variants=[{"sku": "BEANIE-1", "options": {}, "price": 100, "stock": 1}])
    before = catalog_snapshot()
    text = (HEADER +
            "=HYPERLINK(\"x\"),Hat,10,1,hats,,,,\n"     # 2: formula SKU
            "'@SUM(1),Hat,10,1,hats,,,,\n"             # 3: a guarded formula SKU is still one
            "HAT-3,Hat\x07bell,10,1,hats,,,,\n"         # 4: a control character in the title
            "HAT-4,\"Two\nlines\",10,1,hats,,,,\n"      # 5: a line break in a one-line column
            "HAT-5,Hat,10,1,hats,,,,\n")                # 6: fine
    progress, job = run_import(client, text)

    assert progress["status"] == "failed"
    problems = [(error["line"], error["column"]) for error in job.errors]
    assert problems == [(2, "sku"), (3, "sku"), (4, "title"), (5, "title")]
    assert "start with =, +, - or @" in job.errors[0]["message"]
    assert "control characters" in job.errors[2]["message"]
    assert catalog_snapshot() == before
