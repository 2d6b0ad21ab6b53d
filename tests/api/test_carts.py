"""The cart API: a partner's shopper fills a token cart under the same rules as the cart page."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from storefront.cart.models import Cart, CartLine
from storefront.catalog.models import Variant
from storefront.extensions import db
from tests.factories import add_image, make_category, make_product


def lines_in_db(token: str) -> dict[str, int]:
    """The cart's lines as stored, {sku: quantity}, read straight from the database."""
    db.session.remove()
    rows = db.session.execute(
        sa.select(Variant.sku, CartLine.quantity).join(CartLine.variant).join(CartLine.cart)
        .where(Cart.token == token).order_by(CartLine.id))
    return dict(rows.all())


@pytest.fixture
def knitwear():
    """Two products: a sweater (€49.00, 4 in stock; a sold-out size) and a hat (€19.50, 10)."""
    category = make_category("Knitwear", slug="knitwear")
    sweater = make_product("Fisherman sweater", category=category, option_names=("Size", "Colour"), variants=[
        {"sku": "SWEATER-M-NAVY", "options": {"Size": "M", "Colour": "Navy"}, "price": 4900, "stock": 4},
        {"sku": "SWEATER-L-NAVY", "options": {"Size": "L", "Colour": "Navy"}, "price": 4900, "stock": 0},
    ])
    add_image(sweater, "sweater.jpg")
    hat = make_product("Wool hat", category=category, variants=[{"sku": "HAT-M", "price": 1950, "stock": 10}])
    return {"sweater": sweater.variants[0].id, "sold_out": sweater.variants[1].id, "hat": hat.variants[0].id}


def test_a_new_cart_is_empty_and_has_a_secret_token(api):
    response = api.post("/api/v1/carts")

    assert response.status_code == 201
    assert response.content_type == "application/json"
    body = response.json
    assert len(body["token"]) >= 32
    assert response.headers["Location"].endswith(f"/api/v1/carts/{body['token']}")
    assert body["lines"] == []
    assert body["totals"] == {"currency": "EUR", "items_subtotal": 0, "discount": 0, "shipping": 0, "tax": 0,
                              "tax_included": True, "total": 0, "free_shipping_remaining": None, "free_shipping_from": None,
                              "item_count": 0, "shipping_discount": 0,
                              "offers": {"applied": [], "not_applied": []}}
    assert db.session.scalar(sa.select(sa.func.count(Cart.id)).where(Cart.token == body["token"])) == 1


def test_adding_by_sku_prices_the_line_and_totals_on_the_server(api, new_cart, knitwear):
    token = new_cart()

    response = api.post(f"/api/v1/carts/{token}/lines", json={"sku": "SWEATER-M-NAVY", "quantity": 1})

    assert response.status_code == 201
    [line] = response.json["lines"]
    assert line == {"variant_id": knitwear["sweater"], "product_id": line["product_id"], "sku": "SWEATER-M-NAVY",
                    "title": "Fisherman sweater", "variant": "M / Navy", "options": {"Size": "M", "Colour": "Navy"},
                    "quantity": 1, "unit_price": 4900, "line_total": 4900,
                    "image": "http://localhost/media/sweater.jpg"}
    # €49.00 + €4.95 shipping (free from €60); 21 % VAT included: 5395 - round(5395 / 1.21) = 936.
    assert response.json["totals"] == {"currency": "EUR", "items_subtotal": 4900, "discount": 0, "shipping": 495,
                                       "tax": 936, "tax_included": True, "total": 5395,
                                       "free_shipping_remaining": 1100, "free_shipping_from": 6000,
                                       "item_count": 1, "shipping_discount": 0,
                                       "offers": {"applied": [], "not_applied": []}}
    assert lines_in_db(token) == {"SWEATER-M-NAVY": 1}


def test_adding_by_variant_id_and_reading_the_cart_back(api, new_cart, knitwear):
    token = new_cart()
    assert api.post(f"/api/v1/carts/{token}/lines", json={"variant_id": knitwear["hat"], "quantity": 2}).status_code == 201
    assert api.post(f"/api/v1/carts/{token}/lines", json={"sku": "SWEATER-M-NAVY", "quantity": 1}).status_code == 201

    response = api.get(f"/api/v1/carts/{token}")

    assert response.status_code == 200
    assert [(line["sku"], line["quantity"], line["line_total"]) for line in response.json["lines"]] == [
        ("HAT-M", 2, 3900), ("SWEATER-M-NAVY", 1, 4900)]
    assert response.json["lines"][0]["image"] is None
    # €88.00 of items ships free; the tax is the VAT inside the total: 8800 - round(8800 / 1.21).
    totals = response.json["totals"]
    assert (totals["items_subtotal"], totals["shipping"], totals["tax"], totals["total"]) == (8800, 0, 1527, 8800)
    assert totals["free_shipping_remaining"] == 0 and totals["item_count"] == 3


def test_adding_a_variant_already_in_the_cart_merges_the_lines(api, new_cart, knitwear):
    token = new_cart()
    api.post(f"/api/v1/carts/{token}/lines", json={"sku": "HAT-M", "quantity": 2})

    response = api.post(f"/api/v1/carts/{token}/lines", json={"variant_id": knitwear["hat"], "quantity": 3})

    assert response.status_code == 200
    assert [(line["sku"], line["quantity"]) for line in response.json["lines"]] == [("HAT-M", 5)]
    assert lines_in_db(token) == {"HAT-M": 5}


def test_changing_a_lines_quantity(api, new_cart, knitwear):
    token = new_cart()
    api.post(f"/api/v1/carts/{token}/lines", json={"sku": "HAT-M", "quantity": 1})

    response = api.patch(f"/api/v1/carts/{token}/lines/{knitwear['hat']}", json={"quantity": 4})

    assert response.status_code == 200
    assert response.json["lines"][0]["quantity"] == 4
    assert response.json["totals"]["items_subtotal"] == 7800
    assert lines_in_db(token) == {"HAT-M": 4}


def test_removing_a_line(api, new_cart, knitwear):
    token = new_cart()
    api.post(f"/api/v1/carts/{token}/lines", json={"sku": "HAT-M", "quantity": 1})
    api.post(f"/api/v1/carts/{token}/lines", json={"sku": "SWEATER-M-NAVY", "quantity": 1})

    response = api.delete(f"/api/v1/carts/{token}/lines/{knitwear['hat']}")

    assert response.status_code == 200
    assert [line["sku"] for line in response.json["lines"]] == ["SWEATER-M-NAVY"]
    assert response.json["totals"]["items_subtotal"] == 4900
    assert lines_in_db(token) == {"SWEATER-M-NAVY": 1}


def test_prices_and_totals_sent_by_the_client_are_ignored(api, new_cart, knitwear):
    token = new_cart()
    forged = {"unit_price": 1, "price": 1, "line_total": 1, "total": 1, "discount": 4899, "shipping": 0,
              "totals": {"total": 1}, "currency": "USD"}

    added = api.post(f"/api/v1/carts/{token}/lines", json={"sku": "SWEATER-M-NAVY", "quantity": 1, **forged})
    changed = api.patch(f"/api/v1/carts/{token}/lines/{knitwear['sweater']}", json={"quantity": 2, **forged})

    assert added.status_code == 201 and changed.status_code == 200
    line, totals = changed.json["lines"][0], changed.json["totals"]
    assert (line["unit_price"], line["line_total"]) == (4900, 9800)
    assert (totals["items_subtotal"], totals["discount"], totals["shipping"], totals["total"], totals["currency"]) \
        == (9800, 0, 0, 9800, "EUR")
    assert api.get(f"/api/v1/carts/{token}").json["totals"]["total"] == 9800


BAD_QUANTITIES = [0, -1, 1.5, "abc", True, None, 10**9, "1e3", "", [1], {"n": 1}]


@pytest.mark.parametrize("quantity", BAD_QUANTITIES, ids=repr)
def test_a_bad_quantity_is_refused_when_adding_and_nothing_changes(api, new_cart, knitwear, quantity):
    token = new_cart()
    api.post(f"/api/v1/carts/{token}/lines", json={"sku": "HAT-M", "quantity": 1})

    response = api.post(f"/api/v1/carts/{token}/lines", json={"sku": "HAT-M", "quantity": quantity})

    assert response.status_code == 400
    assert response.content_type == "application/json"
    error = response.json["error"]
    assert (error["code"], error["field"]) == ("invalid_quantity", "quantity")
    assert error["message"] in {"Please enter a whole number of at least 1.", "You can buy at most 99 of one item.",
                                "That quantity is too large."}
    assert lines_in_db(token) == {"HAT-M": 1}


@pytest.mark.parametrize("quantity", BAD_QUANTITIES, ids=repr)
def test_a_bad_quantity_is_refused_when_changing_a_line_and_nothing_changes(api, new_cart, knitwear, quantity):
    token = new_cart()
    api.post(f"/api/v1/carts/{token}/lines", json={"sku": "HAT-M", "quantity": 2})

    response = api.patch(f"/api/v1/carts/{token}/lines/{knitwear['hat']}", json={"quantity": quantity})

    assert response.status_code == 400
    assert (response.json["error"]["code"], response.json["error"]["field"]) == ("invalid_quantity", "quantity")
    assert lines_in_db(token) == {"HAT-M": 2}


def test_a_huge_quantity_says_what_the_limit_is(api, new_cart, knitwear):
    token = new_cart()

    response = api.post(f"/api/v1/carts/{token}/lines", json={"sku": "HAT-M", "quantity": 10**9})

    assert response.json["error"]["message"] == "You can buy at most 99 of one item."


def test_a_quantity_sent_as_digits_is_accepted_like_on_the_cart_page(api, new_cart, knitwear):
    token = new_cart()

    response = api.post(f"/api/v1/carts/{token}/lines", json={"sku": "HAT-M", "quantity": " 3 "})

    assert response.status_code == 201
    assert lines_in_db(token) == {"HAT-M": 3}


def test_more_than_the_stock_is_a_conflict_that_says_how_many_are_left(api, new_cart, knitwear):
    token = new_cart()

    response = api.post(f"/api/v1/carts/{token}/lines", json={"sku": "SWEATER-M-NAVY", "quantity": 5})

    assert response.status_code == 409
    assert response.json["error"] == {"code": "insufficient_stock", "field": "quantity", "available": 4,
                                      "message": "Only 4 left in stock."}
    assert lines_in_db(token) == {}


def test_merging_beyond_the_stock_or_raising_a_line_beyond_it_changes_nothing(api, new_cart, knitwear):
    token = new_cart()
    api.post(f"/api/v1/carts/{token}/lines", json={"sku": "SWEATER-M-NAVY", "quantity": 3})

    merged = api.post(f"/api/v1/carts/{token}/lines", json={"sku": "SWEATER-M-NAVY", "quantity": 2})
    raised = api.patch(f"/api/v1/carts/{token}/lines/{knitwear['sweater']}", json={"quantity": 5})

    assert (merged.status_code, raised.status_code) == (409, 409)
    assert merged.json["error"]["available"] == raised.json["error"]["available"] == 4
    assert lines_in_db(token) == {"SWEATER-M-NAVY": 3}


def test_a_sold_out_variant_cannot_be_added(api, new_cart, knitwear):
    token = new_cart()

    response = api.post(f"/api/v1/carts/{token}/lines", json={"variant_id": knitwear["sold_out"], "quantity": 1})

    assert response.status_code == 409
    assert response.json["error"]["message"] == "Sorry, this item is sold out."
    assert response.json["error"]["available"] == 0
    assert lines_in_db(token) == {}


@pytest.mark.parametrize(("item", "field"), [
    ({"sku": "NO-SUCH-SKU"}, "sku"),
    ({"variant_id": 999999}, "variant_id"),
    ({"sku": "RETIRED-1"}, "sku"),
])
def test_an_unknown_or_withdrawn_item_is_a_404(api, new_cart, knitwear, item, field):
    make_product("Retired scarf", active=False, variants=[{"sku": "RETIRED-1"}])
    token = new_cart()

    response = api.post(f"/api/v1/carts/{token}/lines", json={**item, "quantity": 1})

    assert response.status_code == 404
    assert (response.json["error"]["code"], response.json["error"]["field"]) == ("unknown_variant", field)
    assert lines_in_db(token) == {}


def test_changing_or_removing_an_item_that_is_not_in_the_cart_is_a_404(api, new_cart, knitwear):
    token = new_cart()
    api.post(f"/api/v1/carts/{token}/lines", json={"sku": "HAT-M", "quantity": 1})

    changed = api.patch(f"/api/v1/carts/{token}/lines/{knitwear['sweater']}", json={"quantity": 1})
    removed = api.delete(f"/api/v1/carts/{token}/lines/{knitwear['sweater']}")

    for response in (changed, removed):
        assert response.status_code == 404
        assert response.json["error"]["code"] == "unknown_variant"
        assert response.json["error"]["message"] == "That item is not in your cart."
    assert lines_in_db(token) == {"HAT-M": 1}


@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "", None),
    ("post", "/lines", {"sku": "HAT-M", "quantity": 1}),
    ("patch", "/lines/1", {"quantity": 1}),
    ("delete", "/lines/1", None),
])
def test_an_unknown_cart_token_is_a_404(api, knitwear, method, path, body):
    response = getattr(api, method)(f"/api/v1/carts/not-a-real-token{path}", json=body)

    assert response.status_code == 404
    assert response.json["error"]["code"] == "cart_not_found"
    assert db.session.scalar(sa.select(sa.func.count(Cart.id))) == 0


def test_one_carts_token_gives_no_access_to_another_carts_lines(api, new_cart, knitwear):
    mine, theirs = new_cart(), new_cart()
    api.post(f"/api/v1/carts/{theirs}/lines", json={"sku": "SWEATER-M-NAVY", "quantity": 2})

    read = api.get(f"/api/v1/carts/{mine}")
    changed = api.patch(f"/api/v1/carts/{mine}/lines/{knitwear['sweater']}", json={"quantity": 1})
    removed = api.delete(f"/api/v1/carts/{mine}/lines/{knitwear['sweater']}")

    assert read.json["lines"] == [] and read.json["token"] == mine
    assert (changed.status_code, removed.status_code) == (404, 404)
    assert lines_in_db(theirs) == {"SWEATER-M-NAVY": 2}
    assert lines_in_db(mine) == {}


def test_malformed_json_is_a_400_and_changes_nothing(api, new_cart, knitwear):
    token = new_cart()

    response = api.post(f"/api/v1/carts/{token}/lines", data='{"sku": "HAT-M", "quantity": ',
                        content_type="application/json")

    assert response.status_code == 400
    assert response.content_type == "application/json"
    assert response.json["error"]["code"] == "bad_request"
    assert response.json["error"]["message"]
    assert lines_in_db(token) == {}


@pytest.mark.parametrize(("body", "field"), [
    ({"sku": "HAT-M"}, "quantity"),
    ({"quantity": 1}, "sku"),
    ({"sku": "HAT-M", "variant_id": 1, "quantity": 1}, "sku"),
    ({"variant_id": "abc", "quantity": 1}, "variant_id"),
    ({"variant_id": 1.5, "quantity": 1}, "variant_id"),
    ({"variant_id": True, "quantity": 1}, "variant_id"),
    ({"variant_id": 10**20, "quantity": 1}, "variant_id"),
    ({"sku": "", "quantity": 1}, "sku"),
    ({"sku": 12, "quantity": 1}, "sku"),
    ([{"sku": "HAT-M", "quantity": 1}], None),
    ("HAT-M", None),
])
def test_missing_or_mistyped_fields_are_refused_naming_the_field(api, new_cart, knitwear, body, field):
    token = new_cart()

    response = api.post(f"/api/v1/carts/{token}/lines", json=body)

    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"
    assert response.json["error"]["field"] == field
    assert response.json["error"]["message"]
    assert lines_in_db(token) == {}


def test_a_quantity_change_without_a_quantity_is_refused(api, new_cart, knitwear):
    token = new_cart()
    api.post(f"/api/v1/carts/{token}/lines", json={"sku": "HAT-M", "quantity": 2})

    response = api.patch(f"/api/v1/carts/{token}/lines/{knitwear['hat']}", json={"qty": 5})

    assert response.status_code == 422
    assert response.json["error"]["field"] == "quantity"
    assert lines_in_db(token) == {"HAT-M": 2}


def test_the_api_needs_no_csrf_token_and_answers_json(api, csrf_enabled, knitwear):
    created = api.post("/api/v1/carts")
    token = created.json["token"]
    added = api.post(f"/api/v1/carts/{token}/lines", json={"sku": "HAT-M", "quantity": 1})
    changed = api.patch(f"/api/v1/carts/{token}/lines/{knitwear['hat']}", json={"quantity": 2})
    removed = api.delete(f"/api/v1/carts/{token}/lines/{knitwear['hat']}")

    assert [r.status_code for r in (created, added, changed, removed)] == [201, 201, 200, 200]
    assert {r.content_type for r in (created, added, changed, removed)} == {"application/json"}
    assert lines_in_db(token) == {}
