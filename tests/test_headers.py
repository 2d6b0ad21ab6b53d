"""Response headers a careful client or an attacker sees: what may be stored, who may frame a
page, HTTPS only once seen, and no server banner."""
from __future__ import annotations

import urllib.request

import pytest

from tests.conftest import serving_with_gunicorn
from tests.factories import make_product
from tests.factories import make_order as place_order


@pytest.fixture
def cart_token(client):
    variant = make_product(variants=[{"price": 2500, "stock": 5}]).variants[0]
    token = client.post("/api/v1/carts").get_json()["token"]
    added = client.post(f"/api/v1/carts/{token}/lines", json={"variant_id": variant.id, "quantity": 1})
    assert added.status_code in (200, 201)
    return token


@pytest.fixture
def shopper_with_cart(client):
    """A page client whose session holds a cart, as after "add to cart"."""
    variant = make_product(variants=[{"price": 2500, "stock": 5}]).variants[0]
    assert client.post("/cart/add", data={"variant_id": variant.id, "quantity": 1}).status_code in (302, 303)
    return client


def no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


def test_pages_showing_a_cart_or_an_address_are_never_stored(shopper_with_cart, client):
    for path in ("/cart/", "/checkout", "/checkout/review"):
        response = shopper_with_cart.get(path)
        assert response.status_code in (200, 302, 303), path
        assert no_store(response), (path, response.headers.get("Cache-Control"))
    # Shared storefront pages keep the page cache's own headers.
    product = make_product(variants=[{"price": 2500, "stock": 5}])
    assert client.application.test_client().get(f"/p/{product.slug}").headers["Cache-Control"].startswith("public")


def test_api_answers_showing_a_cart_or_an_order_are_never_stored(client, app, cart_token):
    with app.test_request_context("/"):
        order = place_order()
    answers = {
        "cart": client.get(f"/api/v1/carts/{cart_token}"),
        "quote": client.get(f"/api/v1/orders/quote?cart_token={cart_token}"),
        "order": client.get(f"/api/v1/orders/{order.tracking_token}"),
        "tracking page": client.get(f"/orders/{order.tracking_token}"),
        "unknown cart": client.get("/api/v1/carts/nope"),
    }
    for name, response in answers.items():
        assert no_store(response), (name, response.status_code, response.headers.get("Cache-Control"))


@pytest.mark.parametrize("path", ["/admin/no-such-page", "/account/no-such-page"])
def test_a_missing_staff_page_is_never_framed_nor_stored(client, app, path):
    saved = app.config["FRAME_ANCESTORS"]
    app.config["FRAME_ANCESTORS"] = ["https://tab.example.com"]
    try:
        response = client.get(path)
    finally:
        app.config["FRAME_ANCESTORS"] = saved
    assert response.status_code in (302, 404), path
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert no_store(response)


def test_https_answers_carry_hsts_and_plain_http_ones_do_not(client):
    product = make_product(variants=[{"price": 2500, "stock": 5}])
    for path in (f"/p/{product.slug}", f"/p/{product.slug}", "/no-such-page", "/healthz"):  # a miss, a hit, a 404
        secure = client.get(path, base_url="https://shop.test")
        assert secure.headers.get("Strict-Transport-Security", "").startswith("max-age="), path
        assert "Strict-Transport-Security" not in client.get(path).headers


def test_hsts_through_the_trusted_proxy_only(app):
    from storefront import create_app

    behind_proxy = create_app({**app.config, "PROXY_FIX_HOPS": 1})
    client = behind_proxy.test_client()
    forwarded = client.get("/healthz", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert forwarded.headers["Strict-Transport-Security"].startswith("max-age=")
    # Without a trusted proxy, anyone can send the header: it proves nothing.
    assert "Strict-Transport-Security" not in app.test_client().get(
        "/healthz", headers={"X-Forwarded-Proto": "https"}).headers


@pytest.fixture(scope="module")
def production_server(app, database_url):
    """The shop under gunicorn with its production settings file, as the README starts it."""
    env = dict(DATABASE_URL=database_url, INSTANCE_PATH=app.instance_path, SECRET_KEY="test-secret-key",
               HUEY_URL="memory://", TASKS_IMMEDIATE="true", GUNICORN_WORKERS="1", GUNICORN_THREADS="2",
               PAGE_CACHE_URL="memory://")
    with serving_with_gunicorn(["-c", "python:storefront.gunicorn_conf"], env) as url:
        yield url


def test_the_production_server_names_no_server_software(production_server):
    with urllib.request.urlopen(f"{production_server}/healthz") as response:
        assert response.status == 200
        assert "gunicorn" not in str(response.headers).lower()
        assert response.headers.get("Server") is None
