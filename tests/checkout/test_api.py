"""The checkout API: bad input gets a clear JSON error, and nothing is written."""
import pytest
import sqlalchemy as sa

from storefront.extensions import db
from storefront.orders.models import Order
from tests.factories import checkout_form, make_product


@pytest.fixture
def cart_token(client):
    product = make_product(variants=[{"price": 2500, "stock": 3}])
    token = client.post("/api/v1/carts").json["token"]
    client.post(f"/api/v1/carts/{token}/lines", json={"variant_id": product.variants[0].id, "quantity": 2})
    return token


def order_count():
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count(Order.id)))


def test_the_quote_shows_every_part_of_the_total(client, cart_token):
    quote = client.get(f"/api/v1/orders/quote?cart_token={cart_token}&shipping_method=express").json
    assert (quote["totals"]["items_subtotal"], quote["totals"]["shipping"], quote["totals"]["total"]) == (5000, 1290, 6290)
    assert {m["code"] for m in quote["payment_methods"]} == {"bank_transfer", "cash_on_delivery"}


@pytest.mark.parametrize("change, status, code, field", [
    ({"email": "nope"}, 422, "invalid", "email"),
    ({"country": "Latvia"}, 422, "invalid", "country"),
    ({"country": "US"}, 400, "invalid_checkout", "country"),
    ({"shipping_method": "teleport"}, 400, "invalid_checkout", "shipping_method"),
    ({"payment_method": "card"}, 400, "invalid_checkout", "payment_method"),
    ({"payment_method": "bitcoin"}, 400, "invalid_checkout", "payment_method"),
    ({"full_name": ""}, 422, "invalid", "full_name"),
    ({"address_line1": ""}, 400, "invalid_checkout", "address_line1"),  # a delivery needs an address
    ({"city": "   "}, 400, "invalid_checkout", "city"),
    ({"expected_total": 1}, 409, "total_changed", None),
    ({"expected_total": "5495"}, 422, "invalid", "expected_total"),
    ({"cart_token": "no-such-cart"}, 400, "empty_cart", None),
])
def test_bad_checkout_input_is_refused_and_nothing_is_ordered(client, cart_token, change, status, code, field):
    response = client.post("/api/v1/orders", json=checkout_form(cart_token=cart_token) | change)
    assert response.status_code == status, response.json
    assert (response.json["error"]["code"], response.json["error"]["field"]) == (code, field)
    assert order_count() == 0


def test_prices_and_totals_sent_by_the_client_are_ignored(client, cart_token):
    body = checkout_form(cart_token=cart_token, total=1, items_subtotal=1, discount=5000, shipping=0)
    response = client.post("/api/v1/orders", json=body)
    assert response.status_code == 201
    assert (response.json["total"], response.json["discount"]) == (5495, 0)


def test_changing_the_cart_after_ordering_does_not_change_the_order(client, cart_token):
    order = client.post("/api/v1/orders", json=checkout_form(cart_token=cart_token)).json
    assert client.get(f"/api/v1/carts/{cart_token}").json["lines"] == []
    product = make_product(variants=[{"price": 9900, "stock": 3}])
    client.post(f"/api/v1/carts/{cart_token}/lines", json={"variant_id": product.variants[0].id, "quantity": 1})
    assert client.get(f"/api/v1/orders/{order['tracking_token']}").json["total"] == 5495


def test_a_bank_transfer_order_cannot_start_a_card_payment(client, cart_token):
    order = client.post("/api/v1/orders", json=checkout_form(cart_token=cart_token)).json
    response = client.post(f"/api/v1/orders/{order['tracking_token']}/payment")
    assert response.status_code == 409 and response.json["error"]["code"] == "already_paid"
    assert client.get(f"/api/v1/orders/{order['tracking_token']}").json["status"] == "pending_payment"


def test_an_unknown_tracking_token_reveals_nothing(client):
    response = client.get("/api/v1/orders/guess")
    assert response.status_code == 404 and response.json["error"]["code"] == "order_not_found"


def test_a_pick_up_needs_no_address_and_the_order_keeps_none(client, cart_token):
    body = {k: v for k, v in checkout_form(cart_token=cart_token, shipping_method="pickup").items()
            if k not in ("address_line1", "city", "postal_code", "country")}
    response = client.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.json
    order = db.session.scalars(sa.select(Order)).one()
    assert (order.address_line1, order.city, order.postal_code, order.country) == ("", "", "", "")
