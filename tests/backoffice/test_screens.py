"""The back office in a real browser: sign in, dashboard, product editing, an import with progress."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from storefront.catalog.models import Variant
from storefront.extensions import db
from tests.factories import make_category, make_product, make_user

from .conftest import image_bytes

# Chromium on pages whose server side the HTTP tests cover on both databases: the SQLite pass.
pytestmark = pytest.mark.browser_ui

PASSWORD = "correct horse battery"


def test_admin_signs_in_edits_stock_and_imports_a_csv_in_the_browser(live_server, page, screenshot, tmp_path):
    hats = make_category("Hats", slug="hats")
    make_category("Winter hats", parent=hats, slug="winter-hats")
    beanie = make_product("Merino beanie", category=hats, option_names=("Size", "Colour"), variants=[
        {"sku": "BEANIE-S-NAVY", "options": {"Size": "S", "Colour": "Navy"}, "price": 2490,
         "compare_at_price": 2990, "stock": 2},
        {"sku": "BEANIE-M-RED", "options": {"Size": "M", "Colour": "Red"}, "price": 2590, "stock": 0},
        {"sku": "BEANIE-L-GREY", "options": {"Size": "L", "Colour": "Grey"}, "price": 2590, "stock": 14}])
    for n in range(5):
        make_product(f"Wool mittens {n}", category=hats, variants=[{"sku": f"MIT-{n}", "stock": 10 + n}])
    make_user("admin@example.com", "admin", PASSWORD)

    page.goto(f"{live_server.url}/admin/")
    assert "/account/login" in page.url
    page.fill("input[name=email]", "admin@example.com")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert page.locator(".flash-error").inner_text() == "Wrong e-mail or password."
    screenshot(page, "admin-login")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    assert page.locator("[aria-labelledby=stock-heading] .stat-value").all_inner_texts() == ["6", "1", "1"]
    screenshot(page, "admin-dashboard")

    page.goto(f"{live_server.url}/admin/products")
    variants = page.locator("details.variant-stock", has=page.locator(f"#stock-{beanie.variants[1].id}"))
    variants.locator("summary").click()
    page.fill("#stock-" + str(beanie.variants[1].id), "-3")
    page.locator(f"#stock-{beanie.variants[1].id} ~ button").click()
    assert "Stock cannot be negative." in page.locator(".stock-row.has-error").inner_text()
    page.fill("#stock-" + str(beanie.variants[1].id), "6")
    page.locator(f"#stock-{beanie.variants[1].id} ~ button").click()
    assert "Stock of BEANIE-M-RED is now 6." in page.locator(".flash-success").inner_text()
    screenshot(page, "admin-products")

    image = tmp_path / "beanie.png"
    image.write_bytes(image_bytes("PNG", size=(400, 400), colour=(31, 58, 85)))
    page.goto(f"{live_server.url}/admin/products/{beanie.id}")
    page.set_input_files("input[name=image]", str(image))
    page.fill("input[name=alt]", "A navy merino beanie")
    page.click("text=Upload image")
    assert "Image added." in page.locator(".flash-success").inner_text()
    screenshot(page, "admin-product-edit")

    rows = "".join(f"IMP-{n:04d},Imported cap {n // 4},{15 + n % 5}.00,{n % 9},Caps,,,Size,{n % 4}\n" for n in range(2000))
    csv_file = tmp_path / "catalog.csv"
    csv_file.write_text("sku,title,price,stock,category,product_slug,compare_at_price,option1_name,option1_value\n" + rows)
    page.goto(f"{live_server.url}/admin/catalog/import")
    screenshot(page, "admin-import")
    page.set_input_files("input[name=file]", str(csv_file))
    page.click("text=Upload and import")
    page.wait_for_selector("text=Variants created: 2000", timeout=60_000)
    assert page.locator("progress").get_attribute("value") == "100"
    screenshot(page, "admin-import-done")
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count(Variant.id))) == 2008

    bad = tmp_path / "bad.csv"
    bad.write_text("sku,title,price,stock,category\nX-1,Hat,abc,1,Hats\nX-2,Hat,10,-1,Hats\n")
    page.goto(f"{live_server.url}/admin/catalog/import")
    page.set_input_files("input[name=file]", str(bad))
    page.click("text=Upload and import")
    page.wait_for_selector("text=Nothing was changed", timeout=30_000)
    expect(page.locator("table.errors tbody tr")).to_have_count(2)  # the rows after the words, read in turn
    screenshot(page, "admin-import-failed")

    page.set_viewport_size({"width": 480, "height": 900})
    page.goto(f"{live_server.url}/admin/products/{beanie.id}")
    screenshot(page, "admin-product-edit-narrow")
