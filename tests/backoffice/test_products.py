"""Staff edit products, variants and stock; every bad value gets a message and changes nothing."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from storefront.audit.models import AuditEntry
from storefront.catalog.models import Product, Variant
from storefront.extensions import db
from tests.factories import make_category, make_product

from .conftest import audit_actions


def product_data(category, **overrides):
    data = {"title": "Merino beanie", "slug": "", "description": "Warm.", "brand": "Ziemeļu Vilna",
            "category_id": str(category.id), "option_names": "Size, Colour", "active": "y"}
    data.update(overrides)
    return data


def variant_data(**overrides):
    data = {"sku": "BEANIE-M-NAVY", "option_0": "M", "option_1": "Navy", "price": "24.90",
            "compare_at_price": "", "stock": "7"}
    data.update(overrides)
    return data


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_admin_creates_a_product_whose_slug_comes_from_its_title(client, admin):
    category = make_category("Hats")
    response = client.post("/admin/products/new", data=product_data(category, title="Wool Hat – Navy Blue"))
    assert response.status_code == 302
    product = db.session.scalar(sa.select(Product))
    assert (product.slug, product.option_names, product.category_id) == ("wool-hat-navy-blue", ["Size", "Colour"], category.id)
    assert response.headers["Location"].endswith(f"/admin/products/{product.id}")
    assert audit_actions() == ["product.create"]
    entry = db.session.scalar(sa.select(AuditEntry))
    assert entry.actor_email == "admin@example.com" and entry.target_id == str(product.id)


def test_a_taken_slug_is_refused_on_the_form(client, admin):
    existing = make_product("Scarf", slug="merino-beanie")
    response = client.post("/admin/products/new", data=product_data(existing.category))
    assert response.status_code == 409
    assert "already used" in response.get_data(as_text=True)
    assert count(Product) == 1 and audit_actions() == []


def test_a_product_needs_a_title_and_a_real_category(client, admin):
    category = make_category()
    assert client.post("/admin/products/new", data=product_data(category, title="")).status_code == 400
    response = client.post("/admin/products/new", data=product_data(category, category_id="999999"))
    assert response.status_code == 400 and "Choose a category." in response.get_data(as_text=True)
    assert count(Product) == 0


def test_admin_edits_a_product(client, admin):
    product = make_product("Old name", option_names=("Size",))
    other = make_category("Gloves")
    response = client.post(f"/admin/products/{product.id}",
                           data=product_data(other, title="New name", slug="new-name", option_names="Size", active=""))
    assert response.status_code == 302
    db.session.expire_all()
    assert (product.title, product.slug, product.category_id, product.active) == ("New name", "new-name", other.id, False)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "product.update"))
    assert entry.details["changed"]["title"] == ["Old name", "New name"]


def test_admin_adds_a_variant_with_a_price_typed_in_euros(client, admin):
    product = make_product("Beanie", option_names=("Size", "Colour"), variants=[
        {"sku": "B-1", "options": {"Size": "S", "Colour": "Red"}, "price": 3000}])
    response = client.post(f"/admin/products/{product.id}/variants/new",
                           data=variant_data(compare_at_price="29,90"))
    assert response.status_code == 302
    variant = db.session.scalar(sa.select(Variant).where(Variant.sku == "BEANIE-M-NAVY"))
    assert (variant.price, variant.compare_at_price, variant.stock) == (2490, 2990, 7)
    assert variant.options == {"Size": "M", "Colour": "Navy"}
    db.session.expire_all()
    assert product.price_min == 2490
    assert audit_actions() == ["variant.create"]


@pytest.mark.parametrize("price, message", [
    ("abc", "Enter a price such as 12.50"),
    ("-1", "Enter a price such as 12.50"),
    ("1.234", "at most two decimals"),
    ("", "This field is required."),
    ("1e9999", "Enter a price such as 12.50"),
    ("1e2", "Enter a price such as 12.50"),  # Python reads 100; no one types a price so
    ("1.000,00", "Enter a price such as 12.50"),
])
def test_a_bad_price_is_refused_and_nothing_is_added(client, admin, price, message):
    product = make_product(option_names=("Size", "Colour"), variants=[
        {"sku": "B-1", "options": {"Size": "S", "Colour": "Red"}}])
    response = client.post(f"/admin/products/{product.id}/variants/new", data=variant_data(price=price))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Variant) == 1 and audit_actions() == []


@pytest.mark.parametrize("stock, message", [
    ("-1", "Stock cannot be negative."),
    ("1.5", "whole number"),
    ("lots", "whole number"),
    ("99999999", "limited to"),
])
def test_bad_stock_is_refused_and_nothing_is_added(client, admin, stock, message):
    product = make_product(option_names=("Size", "Colour"), variants=[
        {"sku": "B-1", "options": {"Size": "S", "Colour": "Red"}}])
    response = client.post(f"/admin/products/{product.id}/variants/new", data=variant_data(stock=stock))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Variant) == 1


@pytest.mark.parametrize("sku, message", [
    ("HAT:RED", "colon or a comma"), ("HAT,RED", "colon or a comma"), ("HAT RED", "no spaces")])
def test_a_sku_that_the_social_checkout_link_could_not_carry_is_refused(client, admin, sku, message):
    product = make_product(option_names=("Size", "Colour"), variants=[
        {"sku": "B-1", "options": {"Size": "S", "Colour": "Red"}}])
    response = client.post(f"/admin/products/{product.id}/variants/new", data=variant_data(sku=sku))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Variant) == 1


def test_a_duplicate_sku_is_refused_with_a_message(client, admin):
    make_product("Other", variants=[{"sku": "BEANIE-M-NAVY"}])
    product = make_product(option_names=("Size", "Colour"), variants=[
        {"sku": "B-1", "options": {"Size": "S", "Colour": "Red"}}])
    response = client.post(f"/admin/products/{product.id}/variants/new", data=variant_data())
    assert response.status_code == 409
    assert "Another variant already has this SKU." in response.get_data(as_text=True)
    assert count(Variant) == 2
    # Renaming an existing variant onto a taken SKU is refused the same way.
    variant = product.variants[0]
    response = client.post(f"/admin/variants/{variant.id}", data=variant_data(sku="BEANIE-M-NAVY"))
    assert response.status_code == 409
    db.session.expire_all()
    assert variant.sku == "B-1"


def test_every_option_of_the_product_needs_a_value(client, admin):
    product = make_product(option_names=("Size", "Colour"), variants=[
        {"sku": "B-1", "options": {"Size": "S", "Colour": "Red"}}])
    response = client.post(f"/admin/products/{product.id}/variants/new", data=variant_data(option_1=""))
    assert response.status_code == 400
    assert count(Variant) == 1


def test_editing_and_deleting_variants_keeps_the_lowest_price_right(client, admin):
    product = make_product(option_names=("Size",), variants=[
        {"sku": "A", "options": {"Size": "S"}, "price": 1000}, {"sku": "B", "options": {"Size": "M"}, "price": 2000}])
    cheap, dear = product.variants
    assert client.post(f"/admin/variants/{cheap.id}",
                       data={"sku": "A", "option_0": "S", "price": "35", "stock": "3"}).status_code == 302
    db.session.expire_all()
    assert (cheap.price, product.price_min) == (3500, 2000)
    assert client.post(f"/admin/variants/{dear.id}/delete").status_code == 302
    db.session.expire_all()
    assert product.price_min == 3500
    assert [v.sku for v in product.variants] == ["A"]
    assert audit_actions() == ["variant.update", "variant.delete"]


def test_the_variant_form_shows_prices_in_euros(client, admin):
    product = make_product(variants=[{"sku": "A", "price": 2490, "compare_at_price": 2990}])
    page = client.get(f"/admin/variants/{product.variants[0].id}").get_data(as_text=True)
    assert 'value="24.90"' in page and 'value="29.90"' in page


def test_quick_stock_edit_from_the_product_list(client, admin):
    product = make_product(variants=[{"sku": "HAT-1", "stock": 2}])
    variant = product.variants[0]
    response = client.post(f"/admin/variants/{variant.id}/stock?q=hat", data={"stock": "12"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/products?q=hat")
    db.session.expire_all()
    assert variant.stock == 12
    entry = db.session.scalar(sa.select(AuditEntry))
    assert (entry.action, entry.details["changed"]) == ("variant.stock", {"stock": [2, 12]})


@pytest.mark.parametrize("stock", ["-1", "1.5", "abc", ""])
def test_quick_stock_edit_refuses_bad_numbers_and_keeps_the_stock(client, admin, stock):
    product = make_product(variants=[{"sku": "HAT-1", "stock": 2}])
    response = client.post(f"/admin/variants/{product.variants[0].id}/stock", data={"stock": stock})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Stock cannot be negative." in page or "whole number" in page
    db.session.expire_all()
    assert product.variants[0].stock == 2 and audit_actions() == []


def test_product_list_searches_titles_and_skus_and_pages(client, admin):
    category = make_category()
    for n in range(30):
        make_product(f"Mitten {n:02d}", category=category, variants=[{"sku": f"MIT-{n:02d}"}])
    make_product("Scarf", category=category, variants=[{"sku": "SCARF-RED", "stock": 0}])
    page = client.get("/admin/products?q=scarf-red").get_data(as_text=True)
    assert "Scarf" in page and "Mitten" not in page
    first = client.get("/admin/products").get_data(as_text=True)
    assert "Page 1 of 2" in first
    second = client.get("/admin/products?page=2").get_data(as_text=True)
    assert "Mitten 00" in second and "Mitten 00" not in first
    sold_out = client.get("/admin/products?stock=sold_out").get_data(as_text=True)
    assert "Scarf" in sold_out and "Mitten" not in sold_out


def test_dashboard_counts_products_low_stock_and_sold_out(client, admin):
    make_product(variants=[{"sku": "A", "stock": 0}, {"sku": "B", "stock": 3}, {"sku": "C", "stock": 4}])
    make_product(variants=[{"sku": "D", "stock": 1}])
    page = client.get("/admin/").get_data(as_text=True)
    stock = page[page.index('aria-labelledby="stock-heading"'):]  # the dashboard's stock section
    values = re.findall(r'<span class="stat-value">(\d+)</span>', stock)[:3]
    assert values == ["2", "2", "1"]


def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(client, admin, csrf_enabled):
    product = make_product(variants=[{"sku": "HAT-1", "stock": 2}])
    response = client.post(f"/admin/variants/{product.variants[0].id}/stock", data={"stock": "50"})
    assert response.status_code == 400
    assert "Your session expired or the form was already sent" in response.get_data(as_text=True)
    response = client.post("/admin/products/new", data=product_data(product.category, title="Forged"))
    assert response.status_code == 400
    db.session.expire_all()
    assert product.variants[0].stock == 2 and count(Product) == 1 and audit_actions() == []


def test_the_audit_log_lists_staff_actions_newest_first(client, admin):
    product = make_product(variants=[{"sku": "HAT-1", "stock": 2}])
    for stock in range(3, 60):
        client.post(f"/admin/variants/{product.variants[0].id}/stock", data={"stock": str(stock)})
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert first.index("Stock: 58 → 59") < first.index("Stock: 57 → 58")
    assert "Stock: 2 → 3" in client.get("/admin/audit?page=2").get_data(as_text=True)


def test_a_price_typed_with_the_currency_sign_is_read_and_a_previous_price_at_or_below_it_is_refused(client, admin):
    product = make_product(option_names=("Size", "Colour"), variants=[
        {"sku": "B-1", "options": {"Size": "S", "Colour": "Red"}}])
    refused = client.post(f"/admin/products/{product.id}/variants/new",
                          data=variant_data(price="129,00 €", compare_at_price="10"))
    assert refused.status_code == 400 and "The compare-at price must be higher than the price." in refused.text
    assert count(Variant) == 1
    added = client.post(f"/admin/products/{product.id}/variants/new",
                        data=variant_data(price="129,00 €", compare_at_price="149"))
    assert added.status_code == 302
    variant = db.session.scalar(sa.select(Variant).where(Variant.sku == "BEANIE-M-NAVY"))
    assert (variant.price, variant.compare_at_price) == (12900, 14900)


def test_the_new_variant_form_shows_a_price_example_in_the_pages_decimal_mark(client, admin):
    product = make_product(option_names=("Size", "Colour"))
    page = client.get(f"/admin/products/{product.id}/variants/new?lang=lv").text
    assert 'placeholder="24,90"' in page and "typed_number" not in page, re.findall(r'<input[^>]*price[^>]*>', page)


def test_a_refused_quick_stock_edit_keeps_what_was_typed_beside_its_message(client, admin):
    product = make_product(variants=[{"sku": "LOW-1", "stock": 1}])
    variant = product.variants[0]
    page = client.post(f"/admin/variants/{variant.id}/stock?stock=low", data={"stock": "-3", "seen": "1"}).text
    field = re.search(rf'<input[^>]*id="stock-{variant.id}"[^>]*>', page).group(0)
    assert 'value="-3"' in field and 'aria-invalid="true"' in field
    assert f'aria-describedby="stock-{variant.id}-error"' in field and f'id="stock-{variant.id}-error"' in page
    db.session.expire_all()
    assert variant.stock == 1


def test_a_form_saved_as_it_was_leaves_no_empty_entry_in_the_audit_log(client, admin):
    product = make_product(title="Beanie", option_names=("Size",), variants=[
        {"sku": "A", "options": {"Size": "S"}, "price": 1000, "stock": 3}])
    variant = product.variants[0]
    same = {"sku": "A", "option_0": "S", "price": "10.00", "compare_at_price": "", "stock": "3", "stock_seen": "3"}
    assert client.post(f"/admin/variants/{variant.id}", data=same).status_code == 302
    assert audit_actions() == []
    assert client.post(f"/admin/variants/{variant.id}", data={**same, "price": "12"}).status_code == 302
    assert audit_actions() == ["variant.update"]


def test_a_staff_session_is_named_by_its_browser_and_system():
    from storefront.accounts.devices import device_name

    firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
    chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
    edge = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0"
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile Safari/604.1"
    from flask import Flask
    from flask_babel import Babel

    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        assert [device_name(ua) for ua in (firefox, chrome, edge, iphone, "", None)] == [
            "Firefox on Windows", "Chrome on Linux", "Edge on Windows", "Safari on iOS", "Unknown browser",
            "Unknown browser"]
