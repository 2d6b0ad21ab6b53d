"""Guessing codes is slow wherever a code can be tried: the cart, Meta's coupon link, the API."""
import pytest

from storefront.cart import service as carts
from tests.factories import make_product


@pytest.fixture
def limited(app):
    previous = app.config.get("CODE_RATE_LIMIT")
    app.config["CODE_RATE_LIMIT"] = "3 per 10 minutes"
    from storefront.extensions import limiter

    limiter.reset()
    yield
    app.config["CODE_RATE_LIMIT"] = previous
    limiter.reset()


def test_wrong_codes_on_the_api_quote_are_limited(client, limited):
    product = make_product(variants=[{"stock": 5, "price": 1000}])
    cart = carts.create_cart()
    carts.add_item(cart, product.variants[0], 1)
    statuses = [client.get(f"/api/v1/orders/quote?cart_token={cart.token}&code=WRONG{i}").status_code
                for i in range(5)]
    assert statuses[:3] == [422, 422, 422]
    assert statuses[3:] == [429, 429]
    assert client.get(f"/api/v1/orders/quote?cart_token={cart.token}").status_code == 200


def test_wrong_coupons_in_metas_checkout_link_are_limited(client, limited):
    product = make_product(variants=[{"stock": 5, "price": 1000}])
    sku = product.variants[0].sku
    statuses = [client.get(f"/checkout?products={sku}%3A1&coupon=WRONG{i}").status_code for i in range(5)]
    assert 429 not in statuses[:3]
    assert statuses[3:] == [429, 429]
