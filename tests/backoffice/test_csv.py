"""Catalog CSV: export, edit, import again; a file with any bad row changes nothing."""
from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from storefront.audit.models import AuditEntry
from storefront.backoffice.models import ImportJob
from storefront.catalog import csv_io
from storefront.catalog.models import Category, Product, Variant
from storefront.extensions import db
from tests.factories import make_category, make_order, make_product

from .conftest import wait_for_import

HEADER = "sku,title,price,stock,category,product_slug,compare_at_price,option1_name,option1_value\n"


def export(client) -> str:
    response = client.post("/admin/catalog/export")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.get_data(as_text=True)


def start_import(client, text: str | bytes, filename="catalog.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/admin/catalog/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def run_import(client, text: str | bytes) -> tuple[dict, ImportJob]:
    response = start_import(client, text)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    job_id = int(re.search(r"/catalog/import/(\d+)$", response.headers["Location"]).group(1))
    progress = wait_for_import(client, job_id)
    db.session.expire_all()
    return progress, db.session.get(ImportJob, job_id)


def catalog_snapshot() -> list[tuple]:
    db.session.expire_all()
    return db.session.execute(
        sa.select(Variant.sku, Variant.price, Variant.compare_at_price, Variant.stock, Variant.options,
                  Product.slug, Product.title, Product.description, Product.price_min, Product.active,
                  Category.slug)
        .join(Product, Variant.product_id == Product.id).join(Category, Product.category_id == Category.id)
        .order_by(Variant.sku)).all()


@pytest.fixture
def catalog():
    hats = make_category("Hats", slug="hats")
    make_product("Merino beanie", category=hats, slug="merino-beanie", option_names=("Size", "Colour"),
                 description='Soft, warm; "the" beanie\nsecond line', variants=[
                     {"sku": "BEANIE-S-NAVY", "options": {"Size": "S", "Colour": "Navy"}, "price": 2490,
                      "compare_at_price": 2990, "stock": 3},
                     {"sku": "BEANIE-M-RED", "options": {"Size": "M", "Colour": "Red"}, "price": 2590, "stock": 0}])
    make_product("=HYPERLINK(\"x\")", category=hats, slug="formula", option_names=(), variants=[
        {"sku": "ODD-1", "options": {}, "price": 100, "stock": 1}])


def test_export_has_every_variant_with_prices_in_euros(client, admin, catalog):
    rows = list(csv.DictReader(io.StringIO(export(client))))
    assert [r["sku"] for r in rows] == ["BEANIE-S-NAVY", "BEANIE-M-RED", "ODD-1"]
    beanie = rows[0]
    assert (beanie["title"], beanie["price"], beanie["compare_at_price"], beanie["stock"], beanie["category"]) == \
        ("Merino beanie", "24.90", "29.90", "3", "hats")
    assert (beanie["option1_name"], beanie["option1_value"], beanie["option2_name"], beanie["option2_value"]) == \
        ("Size", "S", "Colour", "Navy")
    # Spreadsheet formulas are defused on the way out.
    assert rows[2]["title"] == "'=HYPERLINK(\"x\")"
    assert db.session.scalar(sa.select(AuditEntry.action)) == "catalog.export"


@pytest.fixture
def catalog_writes(app):
    """The INSERT, UPDATE and DELETE statements run on the catalog's tables, from any thread."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if re.match(r"\s*(INSERT INTO|UPDATE|DELETE FROM) (products|variants|categories)\b", statement):
            statements.append(statement.split("\n")[0])

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    yield statements
    sa.event.remove(engine, "before_cursor_execute", before)


def test_export_then_import_round_trips_unchanged(client, admin, catalog, catalog_writes):
    before = catalog_snapshot()
    updated_at = db.session.scalars(sa.select(Product.updated_at).order_by(Product.id)).all()
    progress, job = run_import(client, export(client))
    assert progress["status"] == "done" and progress["percent"] == 100
    assert job.summary == {"products_created": 0, "products_updated": 0, "variants_created": 0,
                           "variants_updated": 0, "categories_created": 0, "rows_unchanged": 3}
    assert catalog_snapshot() == before
    # Nothing written: no statement, no product marked as edited, no audit entry of an import.
    assert catalog_writes == []
    assert db.session.scalars(sa.select(Product.updated_at).order_by(Product.id)).all() == updated_at
    assert db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all() == [
        "catalog.export", "catalog.import_upload"]


@pytest.mark.parametrize("language, unchanged", [
    ("en", "Rows unchanged: 2"), ("es", "Filas sin cambios: 2"), ("lv", "Nemainītas rindas: 2")])
def test_an_import_counts_the_rows_it_left_as_they_were_apart_from_those_it_changed(
        client, admin, catalog, language, unchanged):
    progress, job = run_import(client, export(client).replace("24.90", "19.90"))
    assert progress["status"] == "done", job.errors
    assert job.summary == {"products_created": 0, "products_updated": 0, "variants_created": 0,
                           "variants_updated": 1, "categories_created": 0, "rows_unchanged": 2}
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "catalog.import"))
    assert entry.details["variants_updated"] == 1 and entry.details["rows_unchanged"] == 2
    assert unchanged in client.get(f"/admin/catalog/import/{job.id}?lang={language}").text


def test_a_product_whose_title_or_words_changed_is_updated_and_its_rows_are_not_unchanged(client, admin, catalog):
    text = export(client)
    rows = list(csv.DictReader(io.StringIO(text)))
    rows[0]["title"] = rows[1]["title"] = "Merino beanie, ribbed"
    rows[2]["title_lv"] = "Dīvaina"  # the other product's Latvian title
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    progress, job = run_import(client, buffer.getvalue())
    assert progress["status"] == "done", job.errors
    assert job.summary == {"products_created": 0, "products_updated": 2, "variants_created": 0,
                           "variants_updated": 0, "categories_created": 0, "rows_unchanged": 0}
    formula = db.session.scalar(sa.select(Product).where(Product.slug == "formula"))
    assert formula.translations["lv"]["title"] == "Dīvaina"


def test_an_edited_export_updates_prices_and_stock_and_adds_new_rows(client, admin, catalog):
    text = export(client).replace("24.90", "19.90")
    text += "NEW-1,Alpaca scarf,45,8,Scarves,,,,,,,,,,,yes" + "," * (len(csv_io.language_columns()) + 1) + "\r\n"
    progress, job = run_import(client, text)
    assert progress["status"] == "done", job.errors
    variant = db.session.scalar(sa.select(Variant).where(Variant.sku == "BEANIE-S-NAVY"))
    assert variant.price == 1990 and variant.product.price_min == 1990
    scarf = db.session.scalar(sa.select(Variant).where(Variant.sku == "NEW-1"))
    assert (scarf.price, scarf.stock, scarf.product.slug, scarf.product.category.name) == \
        (4500, 8, "alpaca-scarf", "Scarves")
    assert job.summary["categories_created"] == 1 and job.summary["products_created"] == 1
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "catalog.import"))
    assert entry.actor_email == "admin@example.com" and entry.details["variants_created"] == 1


def test_rows_are_grouped_into_products_by_slug_or_title(client, admin):
    text = ("sku,title,price,stock,category,option1_name,option1_value\n"
            "MIT-S,Mittens,12.50,4,Gloves,Size,S\n"
            "MIT-M,Mittens,12.50,5,Gloves,Size,M\n"
            "SOCK-1,Socks,8;50,1,gloves,Size,One\n").replace("8;50", "8.50")
    progress, job = run_import(client, text)
    assert progress["status"] == "done", job.errors
    mittens = db.session.scalar(sa.select(Product).where(Product.slug == "mittens"))
    assert [v.sku for v in mittens.variants] == ["MIT-S", "MIT-M"] and mittens.option_names == ["Size"]
    assert db.session.scalar(sa.select(sa.func.count(Category.id))) == 1


def test_semicolon_separated_files_from_spreadsheets_are_read(client, admin):
    progress, job = run_import(client, "sku;title;price;stock;category\nA-1;Hat;12,50;3;Hats\n")
    assert progress["status"] == "done", job.errors
    assert db.session.scalar(sa.select(Variant.price)) == 1250


def test_a_file_with_bad_rows_reports_each_by_line_and_changes_nothing(client, admin, catalog):
    before = catalog_snapshot()
    text = (HEADER +
            "BEANIE-S-NAVY,Merino beanie,99.00,1,hats,merino-beanie,,Size,S\n"  # 2: fine on its own
            "A-1,Hat,abc,3,Hats,,,,\n"                                           # 3: bad price
            "A-2,Hat,-1,3,Hats,,,,\n"                                            # 4: negative price
            "A-3,Hat,1.234,3,Hats,,,,\n"                                         # 5: too many decimals
            "A-4,Hat,10,-2,Hats,,,,\n"                                           # 6: negative stock
            "A-5,Hat,10,1.5,Hats,,,,\n"                                          # 7: fractional stock
            ",Hat,10,1,Hats,,,,\n"                                               # 8: no sku
            "A-6,,10,1,Hats,,,,\n"                                               # 9: no title
            "A-1,Hat,10,1,Hats,,,,\n"                                            # 10: duplicate sku (of line 3)
            "A-7,Hat,10,1,,,,,\n"                                                # 11: no category
            "A-8,Hat,10,1,Hats,,,,,extra\n")                                     # 12: too many fields
    progress, job = run_import(client, text)
    assert progress["status"] == "failed" and progress["finished"]
    lines = [error["line"] for error in job.errors]
    assert lines == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    messages = {error["line"]: error["message"] for error in job.errors}
    assert "price" in messages[3] and "Stock cannot be negative." in messages[6]
    assert "whole number" in messages[7] and "already on line 3" in messages[10]
    assert catalog_snapshot() == before
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "catalog.import")) is None
    page = client.get(f"/admin/catalog/import/{job.id}").get_data(as_text=True)
    assert "Nothing was changed" in page and "already on line 3" in page


@pytest.mark.parametrize("content, message", [
    ("sku,title,price\nA,Hat,10\n", "Missing columns: stock, category"),
    ("sku,title,price,stock,category,colour\nA,Hat,10,1,Hats,red\n", "Unknown columns: colour"),
    ("Ziemeļu,title,price,stock,category\n".encode("cp1257") + b"A,Hat,10,1,Hats\n", "is not UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
    ("sku,title,price,stock,category\n", "no rows"),
])
def test_a_file_that_is_not_a_usable_catalog_is_refused_whole(client, admin, catalog, content, message):
    before = catalog_snapshot()
    progress, job = run_import(client, content)
    assert progress["status"] == "failed"
    assert message in " ".join(error["message"] for error in job.errors)
    assert catalog_snapshot() == before


def test_a_file_above_the_import_limit_is_refused_at_upload(client, app, admin, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1024)
    response = start_import(client, "sku,title,price,stock,category\n" + "A,Hat,10,1,Hats\n" * 200)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ImportJob.id))) == 0


def test_an_upload_without_a_file_is_refused(client, admin):
    response = client.post("/admin/catalog/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a CSV file." in response.get_data(as_text=True)


def test_a_5000_row_import_completes_and_its_progress_reaches_100(client, admin):
    rows = [f"SKU-{n:05d},Product {n // 5},{10 + n % 7}.50,{n % 4},Category {n % 6},,,Size,{n % 5}\n"
            for n in range(5000)]
    progress, job = run_import(client, HEADER + "".join(rows))
    assert progress["status"] == "done", job.errors[:3]
    assert progress["percent"] == 100 and progress["processed_rows"] == progress["total_rows"] == 5000
    assert progress["seen_percents"] == sorted(progress["seen_percents"])
    assert db.session.scalar(sa.select(sa.func.count(Variant.id))) == 5000
    assert db.session.scalar(sa.select(sa.func.count(Product.id))) == 1000
    assert db.session.scalar(sa.select(Product.price_min).where(Product.slug == "product-0")) == 1050


def test_the_import_page_refreshes_itself_without_javascript_while_running(client, admin):
    job = ImportJob(filename="big.csv", status="validating", total_rows=100, processed_rows=40)
    db.session.add(job)
    db.session.commit()
    page = client.get(f"/admin/catalog/import/{job.id}").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh"' in page
    assert 'value="20"' in page  # validation is the first half of the bar
    assert client.get(f"/admin/catalog/import/{job.id}/progress").json["percent"] == 20
    assert client.get("/admin/catalog/import/999999/progress").status_code == 404


def test_the_import_list_names_each_imports_state_in_the_staff_members_language(client, admin, catalog):
    run_import(client, HEADER + "A-1,Hat,abc,3,Hats,,,,\n")
    run_import(client, HEADER + "A-2,Hat,10.00,3,Hats,,,,\n")
    latvian = client.get("/admin/catalog/import", query_string={"lang": "lv"}).get_data(as_text=True)
    states = re.findall(r'<span class="badge status-(\w+)">([^<]+)</span>', latvian)
    assert sorted(states) == [("done", "Importēts"), ("failed", "Nav importēts")]


def _sell(sku: str, units: int) -> None:
    """A shopper buys `units` of the variant: a real order, which takes them from its stock."""
    variant = db.session.scalar(sa.select(Variant).where(Variant.sku == sku))
    make_order(variant, units)
    db.session.commit()


def _set_cell(text: str, sku: str, column: str, value: str) -> str:
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        if row["sku"] == sku:
            row[column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_an_old_export_imported_again_keeps_the_sales_made_since(app, client, admin, catalog):
    """Exported on Monday with 3 navy beanies; 2 sell on Tuesday; on Wednesday the admin changes a
    price in Monday's file and imports it: 1 navy beanie is left, not 3 again."""
    monday = export(client)
    assert "stock_exported" in monday.splitlines()[0]
    with app.test_request_context("/"):
        _sell("BEANIE-S-NAVY", 2)
    progress, job = run_import(client, monday.replace("24.90", "22.90"))
    assert progress["status"] == "done", job.errors
    navy = db.session.scalar(sa.select(Variant).where(Variant.sku == "BEANIE-S-NAVY"))
    assert (navy.price, navy.stock) == (2290, 1)


def test_a_count_edited_in_an_old_export_is_refused_when_the_stock_changed_since(app, client, admin, catalog):
    monday = export(client)
    with app.test_request_context("/"):
        _sell("BEANIE-S-NAVY", 2)
    before = catalog_snapshot()
    edited = _set_cell(_set_cell(monday, "BEANIE-S-NAVY", "stock", "10"), "BEANIE-M-RED", "stock", "4")
    progress, job = run_import(client, edited.replace("24.90", "22.90"))
    assert progress["status"] == "failed" and catalog_snapshot() == before
    line = next(n for n, row in enumerate(edited.splitlines(), start=1) if row.startswith("BEANIE-S-NAVY"))
    assert job.errors == [{"line": line, "column": "stock", "message":
                           "stock: it was 3 when this file was exported and is 1 now (sold or edited since). "
                           "Export the catalog again, or set the stock in the product's page."}]


def test_a_count_edited_in_a_fresh_export_or_in_a_file_without_the_column_is_set(client, admin, catalog):
    progress, job = run_import(client, _set_cell(export(client), "BEANIE-M-RED", "stock", "4"))
    assert progress["status"] == "done", job.errors
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.sku == "BEANIE-M-RED")) == 4
    progress, job = run_import(client, "sku,title,price,stock,category\nODD-1,Odd,1,7,Hats\n")
    assert progress["status"] == "done", job.errors
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.sku == "ODD-1")) == 7
