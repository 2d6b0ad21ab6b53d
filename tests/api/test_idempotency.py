"""`Idempotency-Key` on POST /api/v1/orders: a client that retries learns what it bought, once."""
from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from storefront.extensions import db
from storefront.idempotency import IdempotencyKey
from storefront.orders.models import Order
from tests.concurrency import at_once
from tests.factories import checkout_form, make_cart, make_product


def order_count() -> int:
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count(Order.id)))


@pytest.fixture
def cart_token(client):
    product = make_product(variants=[{"price": 2500, "stock": 5}])
    token = client.post("/api/v1/carts").json["token"]
    client.post(f"/api/v1/carts/{token}/lines", json={"variant_id": product.variants[0].id, "quantity": 2})
    return token


def place(client, body: dict, key: str | None = "order-7f3c"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post("/api/v1/orders", json=body, headers=headers)


def test_a_retry_with_the_same_key_gets_the_same_answer_and_no_second_order(client, cart_token):
    first = place(client, checkout_form(cart_token=cart_token))
    again = place(client, checkout_form(cart_token=cart_token))

    assert first.status_code == again.status_code == 201, again.json
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert order_count() == 1


def test_without_a_key_a_retry_is_refused_as_before(client, cart_token):
    assert place(client, checkout_form(cart_token=cart_token), key=None).status_code == 201
    again = place(client, checkout_form(cart_token=cart_token), key=None)
    assert (again.status_code, again.json["error"]["code"]) == (400, "empty_cart")


def test_the_same_key_with_another_body_is_refused_with_422(client, cart_token):
    assert place(client, checkout_form(cart_token=cart_token)).status_code == 201

    other = place(client, checkout_form(cart_token=cart_token, full_name="Somebody Else"))

    assert other.status_code == 422, other.json
    assert (other.json["error"]["code"], other.json["error"]["field"]) == ("idempotency_key_reused", "Idempotency-Key")
    assert order_count() == 1


def test_the_fingerprint_ignores_key_order_and_spacing(client, cart_token):
    body = checkout_form(cart_token=cart_token)
    assert place(client, body).status_code == 201
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
    again = client.post("/api/v1/orders", data=reordered, content_type="application/json",
                     headers={"Idempotency-Key": "order-7f3c"})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("key", ["", "x" * 256, "spaced key", "ключ"])
def test_a_malformed_key_is_refused_and_nothing_is_ordered(client, cart_token, key):
    response = client.post("/api/v1/orders", json=checkout_form(cart_token=cart_token),
                        headers=[("Idempotency-Key", key.encode().decode("latin-1"))])
    assert response.status_code == 422, response.json
    assert response.json["error"]["field"] == "Idempotency-Key"
    assert order_count() == 0


def test_a_refused_request_keeps_nothing_and_can_be_sent_again(client, cart_token):
    body = checkout_form(cart_token=cart_token, expected_total=1)
    assert place(client, body).json["error"]["code"] == "total_changed"
    assert db.session.scalar(sa.select(sa.func.count(IdempotencyKey.id))) == 0

    body["expected_total"] = 5495
    placed = place(client, body)
    assert placed.status_code == 201 and "Idempotent-Replayed" not in placed.headers
    assert order_count() == 1


def test_a_key_is_kept_for_a_day_then_forgotten(client, cart_token):
    assert place(client, checkout_form(cart_token=cart_token)).status_code == 201
    stored = db.session.scalars(sa.select(IdempotencyKey)).one()
    assert stored.expires_at - stored.created_at == dt.timedelta(hours=24)
    stored.expires_at = stored.created_at - dt.timedelta(seconds=1)
    db.session.add(IdempotencyKey(scope="POST /api/v1/orders", key="another-old-key", fingerprint="0" * 64,
                                  created_at=stored.created_at, expires_at=stored.expires_at))
    db.session.commit()

    product = make_product(variants=[{"price": 1000, "stock": 5}])
    new_cart = make_cart(product.variants[0]).token
    # After expiry the key is free for a new request: it runs, whatever the old one was.
    again = place(client, checkout_form(cart_token=new_cart))
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert order_count() == 2
    # Each keyed request clears some expired answers: the table needs no sweeper.
    assert db.session.scalars(sa.select(IdempotencyKey.key)).all() == ["order-7f3c"]


def post_keyed(url: str, body: dict, key: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_ten_identical_requests_at_once_with_one_key_place_one_order_across_processes(gunicorn_server):
    product = make_product(variants=[{"stock": 20, "price": 3000}])
    token = make_cart(product.variants[0], quantity=2).token
    body = checkout_form(cart_token=token)

    results = at_once([lambda: post_keyed(f"{gunicorn_server}/api/v1/orders", body, "rush-key-1")] * 10)

    assert [status for status, _ in results] == [201] * 10, results
    assert len({answer["number"] for _, answer in results}) == 1
    assert len({json.dumps(answer, sort_keys=True) for _, answer in results}) == 1
    assert order_count() == 1
