"""Guessing codes is slow wherever a code can be tried: the cart, an offer link, Meta's coupon link,
the API. Only unknown codes count: a code that exists but cannot be used now is no guess."""
import datetime as dt

import pytest

from storefront.cart import service as carts
from tests.factories import make_product
from tests.promotions.conftest import make_code, make_offer

UTC = dt.timezone.utc
SHOPPER = {"email": "guess@example.com", "full_name": "A Shopper", "address_line1": "Tērbatas iela 2",
           "city": "Rīga", "postal_code": "LV-1011", "country": "LV", "shipping_method": "standard",
           "payment_method": "bank_transfer"}


@pytest.fixture
def limited(app):
    previous = app.config.get("CODE_RATE_LIMIT")
    app.config["CODE_RATE_LIMIT"] = "3 per 10 minutes"
    from storefront.extensions import limiter

    limiter.reset()
    yield
    app.config["CODE_RATE_LIMIT"] = previous
    limiter.reset()


def cart_token() -> str:
    product = make_product(variants=[{"stock": 5, "price": 1000}])
    cart = carts.create_cart()
    carts.add_item(cart, product.variants[0], 1)
    return cart.token


def test_wrong_codes_on_the_api_quote_are_limited(client, limited):
    product = make_product(variants=[{"stock": 5, "price": 1000}])
    cart = carts.create_cart()
    carts.add_item(cart, product.variants[0], 1)
    statuses = [client.get(f"/api/v1/orders/quote?cart_token={cart.token}&code=WRONG{i}").status_code
                for i in range(5)]
    assert statuses[:3] == [422, 422, 422]
    assert statuses[3:] == [429, 429]
    assert client.get(f"/api/v1/orders/quote?cart_token={cart.token}").status_code == 200


def test_addresses_of_one_ipv6_network_share_one_count_of_guesses(client, limited):
    """A home line or a server is given a whole IPv6 /64 and may send from any address in it: each
    guess from a new address of the /64 counts against the same limit. Another /64, and each IPv4
    address, has its own; an IPv4 address written as IPv6 is that IPv4 address."""
    from storefront.extensions import client_network

    token = cart_token()

    def guess(n: int, address: str) -> int:
        return client.get(f"/api/v1/orders/quote?cart_token={token}&code=WRONG{n}",
                          environ_base={"REMOTE_ADDR": address}).status_code

    assert [guess(n, f"2001:db8:42:7:{n}::1") for n in range(5)] == [422, 422, 422, 429, 429]
    assert guess(5, "2001:db8:42:8::1") == 422
    assert [guess(n, address) for n, address in enumerate(
        ("203.0.113.9", "::ffff:203.0.113.9", "203.0.113.9", "::ffff:203.0.113.9"))] == [422, 422, 422, 429]
    assert guess(9, "203.0.113.10") == 422
    with client.application.test_request_context(environ_base={"REMOTE_ADDR": "fe80::1%eth0"}):
        assert client_network() == "fe80::/64"


def test_wrong_coupons_in_metas_checkout_link_are_limited(client, limited):
    product = make_product(variants=[{"stock": 5, "price": 1000}])
    sku = product.variants[0].sku
    statuses = [client.get(f"/checkout?products={sku}%3A1&coupon=WRONG{i}").status_code for i in range(5)]
    assert 429 not in statuses[:3]
    assert statuses[3:] == [429, 429]


def test_codes_that_exist_but_cannot_be_used_now_never_count(client, limited):
    """Only an unknown code is a guess: twenty shoppers told "already used" (or "not valid now",
    or "run out") are never slowed, whichever route they tried it on."""
    now = dt.datetime.now(UTC)
    make_code(make_offer(audience="code_holders"), "USED-ONCE", uses=1)
    make_code(make_offer(audience="code_holders", starts_at=now + dt.timedelta(days=1),
                         ends_at=now + dt.timedelta(days=2)), "NOT-YET")
    make_code(make_offer(audience="code_holders", cap_total=1, redemptions_count=1), "ALL-GONE",
              kind="shared", max_uses=None)
    token = cart_token()
    for code in ["USED-ONCE", "NOT-YET", "ALL-GONE"] * 7:
        response = client.get(f"/api/v1/orders/quote?cart_token={token}&code={code}")
        assert response.status_code == 422, (code, response.get_json())
    for _ in range(5):
        assert client.post("/cart/code", data={"code": "USED-ONCE"}).status_code == 422
    reasons = {client.post("/api/v1/orders", json=dict(SHOPPER, cart_token=token, code=code))
               .get_json()["error"]["reason"] for code in ["USED-ONCE", "NOT-YET", "ALL-GONE"]}
    assert reasons == {"used", "not_yet_valid", "sold_out"}
    # The budget is untouched: three unknown codes are still refused as unknown, the fourth is 429.
    statuses = [client.get(f"/api/v1/orders/quote?cart_token={token}&code=GUESS-{i}").status_code
                for i in range(4)]
    assert statuses == [422, 422, 422, 429]


def test_unknown_codes_count_alike_on_every_route_that_tries_one(client, limited):
    product = make_product(variants=[{"stock": 5, "price": 1000}])
    make_offer(slug="spring")
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    assert client.post("/cart/code", data={"code": "GUESS-1"}).status_code == 422
    assert client.get("/offers/spring?code=GUESS-2").status_code == 422
    assert client.post("/api/v1/orders", json=dict(SHOPPER, cart_token=cart_token(), code="GUESS-3")) \
        .status_code == 422
    # Three guesses: every route now answers 429, before looking at the code.
    assert client.post("/cart/code", data={"code": "GUESS-4"}).status_code == 429
    assert client.get("/offers/spring?code=GUESS-5").status_code == 429
    assert client.get(f"/checkout?products={product.variants[0].sku}%3A1&coupon=GUESS6").status_code == 429
    assert client.get(f"/api/v1/orders/quote?cart_token={cart_token()}&code=GUESS-7").status_code == 429
    # A page without a code is not limited.
    assert client.get("/offers/spring").status_code == 200
    assert client.get("/cart/").status_code == 200
