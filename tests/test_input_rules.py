"""Input that cannot crash or poison the shop: broken JSON text, control characters, blank values
and spreadsheet formulas get a clear 4xx (or a guarded cell), the same on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa

from storefront.cart.models import CartLine
from storefront.extensions import db
from storefront.orders.models import Order
from storefront.text_input import MAX_JSON_DEPTH, BodyRefused, TextRefused, check_json_document, clean_text
from tests.factories import checkout_form, make_product

TEXT_FIELDS = ["email", "full_name", "address_line1", "address_line2", "city", "postal_code", "phone",
               "utm_source", "utm_campaign", "code"]
LONE_SURROGATE = '"x\\ud800y"'  # as a JSON document sends it: an escape no UTF-8 text can hold


def order_count() -> int:
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count(Order.id)))


def line_count() -> int:
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count(CartLine.id)))


@pytest.fixture
def cart_token(client):
    product = make_product(variants=[{"sku": "HAT-M", "price": 2500, "stock": 5}])
    token = client.post("/api/v1/carts").json["token"]
    client.post(f"/api/v1/carts/{token}/lines", json={"variant_id": product.variants[0].id, "quantity": 1})
    return token


def raw_json(client, url: str, text: str):
    return client.post(url, data=text.encode(), content_type="application/json",
                       headers={"Accept": "application/json"})


def order_with(cart_token: str, field: str, raw_value: str) -> str:
    """The order body as JSON text, with `field` holding `raw_value` (JSON source, escapes kept)."""
    body = checkout_form(cart_token=cart_token)
    body[field] = "PLACEHOLDER"
    text = json.dumps(body)
    return text.replace('"PLACEHOLDER"', raw_value)


# --- item 4: lone surrogates and deep nesting, refused before any handler ----------------------

@pytest.mark.parametrize("field", TEXT_FIELDS + ["country", "shipping_method", "payment_method", "cart_token"])
def test_a_lone_surrogate_in_any_order_field_is_a_400_naming_it(client, cart_token, field):
    response = raw_json(client, "/api/v1/orders", order_with(cart_token, field, LONE_SURROGATE))

    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.json["error"]
    assert (set(error), error["code"], error["field"]) == ({"code", "message", "field"}, "invalid_text", field)
    assert "Unicode" in error["message"]
    assert order_count() == 0


def test_a_lone_surrogate_in_a_cart_line_or_a_key_is_a_400(client, cart_token):
    for text in ('{"sku": "HAT\\udfffM", "quantity": 1}', '{"sku": "HAT-M", "quantity": 1, "\\ud800": 1}'):
        response = raw_json(client, f"/api/v1/carts/{cart_token}/lines", text)
        assert (response.status_code, response.json["error"]["code"]) == (400, "invalid_text")
    assert line_count() == 1


@pytest.mark.parametrize("url", ["/api/v1/orders", "/api/v1/carts/{token}/lines", "/api/v1/reviews",
                                 "/tab/telegram"])
def test_a_hundred_thousand_nested_brackets_are_a_400_not_a_crash(client, cart_token, url):
    response = raw_json(client, url.format(token=cart_token), "[" * 100_000)

    assert response.status_code == 400
    assert response.json["error"]["code"] == "too_deep"
    assert order_count() == 0 and line_count() == 1


def test_nesting_is_refused_just_past_the_limit_and_allowed_at_it():
    check_json_document(("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH).encode())
    with pytest.raises(BodyRefused, match="too_deep"):
        check_json_document(("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)).encode())


# --- item 5: one rule for text: control characters refused, whitespace-only is empty ------------

@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_a_null_byte_in_any_api_text_field_is_refused_on_that_field(client, cart_token, field):
    response = client.post("/api/v1/orders", json=checkout_form(cart_token=cart_token) | {field: "A\x00B"})

    assert response.status_code == 422, response.json
    assert (response.json["error"]["code"], response.json["error"]["field"]) == ("invalid", field)
    assert "control characters" in response.json["error"]["message"] or "e-mail" in response.json["error"]["message"]
    assert order_count() == 0


@pytest.mark.parametrize("field", ["full_name", "address_line1", "city", "postal_code"])
def test_a_whitespace_only_required_field_counts_as_empty(client, cart_token, field):
    response = client.post("/api/v1/orders", json=checkout_form(cart_token=cart_token) | {field: " \t "})
    assert response.status_code == 422
    assert response.json["error"]["field"] == field
    assert order_count() == 0


def test_text_sent_to_the_api_is_kept_trimmed_and_blank_optional_fields_empty(client, cart_token):
    response = client.post("/api/v1/orders", json=checkout_form(cart_token=cart_token, full_name="  Anna Bērziņa ",
                                                                address_line2="   "))
    assert response.status_code == 201
    order = db.session.scalars(sa.select(Order)).one()
    assert (order.full_name, order.address_line2) == ("Anna Bērziņa", "")


@pytest.mark.parametrize("url, field", [("/search?q=wool%00hat", "q"), ("/p/wool%00hat", None),
                                        ("/orders/abc%00def", None), ("/checkout?products=HAT-M%00%3A1", "products"),
                                        ("/api/v1/products?q=wool%00hat", "q"), ("/api/v1/orders/abc%00def", None)])
def test_a_null_byte_in_an_address_is_a_400_saying_so_on_every_database(client, url, field):
    response = client.get(url, headers={"Accept": "application/json"})

    assert response.status_code == 400
    assert (response.json["error"]["code"], response.json["error"]["field"]) == ("invalid_text", field)
    assert "null byte" in response.json["error"]["message"]


def test_control_characters_in_a_query_parameter_are_a_422_not_a_database_error(client):
    for url in ("/api/v1/products?q=wool%1bhat", "/api/v1/products?category=hats%07"):
        response = client.get(url)
        assert response.status_code == 422, response.json
        assert "control characters" in response.json["error"]["message"]


@pytest.mark.parametrize("field", ["email", "full_name", "address_line1", "address_line2", "city", "postal_code",
                                   "phone"])
def test_the_checkout_page_refuses_a_null_byte_with_a_message_on_the_field(client, field):
    product = make_product(variants=[{"price": 2500, "stock": 3}])
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})

    response = client.post("/checkout", data=checkout_form() | {field: "Rī\x00ga"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="field-error"' in page
    assert "control characters" in page or "e-mail" in page
    with client.session_transaction() as session:
        assert "checkout_details" not in session


@pytest.mark.parametrize("value, multiline, kept", [
    ("  Rīga ", False, "Rīga"), (" \t\n ", True, ""), ("", False, ""), (None, False, ""),
    ("line one\nline two\n", True, "line one\nline two\n"), ("tab\tinside", True, "tab\tinside"),
])
def test_the_rule_keeps_text_as_typed_but_blank_is_empty(value, multiline, kept):
    assert clean_text(value, multiline=multiline) == kept


@pytest.mark.parametrize("value, multiline", [
    ("A\x00B", False), ("A\x00B", True), ("esc\x1b[31m", True), ("del\x7f", False), ("c1\x85", False),
    ("two\nlines", False), ("tab\there", False),
])
def test_the_rule_refuses_control_characters(value, multiline):
    with pytest.raises(TextRefused):
        clean_text(value, multiline=multiline)


# --- item 6: every CSV cell that leaves the shop is guarded -------------------------------------

def test_the_public_catalog_feed_guards_every_formula_cell(client):
    product = make_product('=HYPERLINK("http://evil.example","Click")', brand="@SUM(1+1)",
                           description="+cmd|' /C calc'!A0", variants=[{"sku": "-2+3", "price": 1000, "stock": 1}])
    db.session.commit()

    rows = list(csv.DictReader(io.StringIO(client.get("/feeds/catalog.csv").get_data(as_text=True))))

    [row] = [r for r in rows if r["item_group_id"] == str(product.id)]
    assert row["title"].startswith("'" + '=HYPERLINK("http://evil.example","Click")')
    assert row["description"] == "'+cmd|' /C calc'!A0"
    assert row["brand"] == "'@SUM(1+1)"
    assert row["id"] == "'-2+3"
    for cell in rows[0].values():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
