"""The admission check for checkout work: at most CHECKOUT_MAX_CONCURRENT at once per process, as
many more waiting a bounded time for a slot; one more is answered 503 with Retry-After at once,
having done nothing, and may simply try again.

Deterministic: the admitted checkouts are held inside the server (a hook on `place_order` that
waits for the test) while the others arrive, so no test depends on timing.
"""
from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from storefront.cart.models import Cart, CartLine
from storefront.catalog.models import Variant
from storefront.checkout import service as checkout_service
from storefront.checkout.admission import CheckoutBusy, Gate, checkout_gate
from storefront.errors import HTTP_MESSAGES
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.orders.models import Order
from tests.concurrency import at_once
from tests.factories import checkout_form, make_cart, make_order, make_product

LIMIT = 2
WAIT = 60  # only turns a hang into a failure; the events below come in milliseconds


def call(url: str, body: dict, language: str = "es") -> tuple[int, dict, dict]:
    """POST JSON; (status, headers, decoded body), for error statuses too."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Accept-Language": language})
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def busy_message(app, language: str) -> str:
    with app.test_request_context(), force_locale(language):
        return str(CheckoutBusy.default_message)


def counts() -> dict:
    db.session.commit()  # a fresh snapshot: the server wrote in its own sessions
    count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
    return {"orders": count(Order), "mails": count(OutboundEmail), "cart lines": count(CartLine)}


def lines_of(token: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(CartLine).join(Cart)
                             .where(Cart.token == token))


@pytest.fixture
def limited(app, monkeypatch):
    """At most LIMIT checkouts at once and no waiting: the next is refused straight away."""
    monkeypatch.setitem(app.config, "CHECKOUT_MAX_CONCURRENT", LIMIT)
    monkeypatch.setitem(app.config, "CHECKOUT_QUEUE_WAIT_MS", 0)
    return app


def busy_retry_after(app) -> str:
    return str(app.config["BUSY_RETRY_AFTER_SECONDS"])


@pytest.fixture
def held_checkouts(monkeypatch):
    """`place_order` waits inside the server until the test lets it go; `inside` counts arrivals."""
    inside, go = threading.Semaphore(0), threading.Event()
    place_order = checkout_service.place_order

    def held(*args, **kwargs):
        inside.release()
        assert go.wait(WAIT), "the test never let the checkout go"
        return place_order(*args, **kwargs)

    monkeypatch.setattr(checkout_service, "place_order", held)
    yield inside, go
    go.set()


def test_checkouts_beyond_the_limit_are_refused_at_once_and_those_admitted_all_succeed(limited, live_server,
                                                                                      held_checkouts):
    inside, go = held_checkouts
    product = make_product(variants=[{"stock": 10, "price": 3000}])
    variant_id = product.variants[0].id
    tokens = [make_cart(product.variants[0]).token for _ in range(LIMIT + 3)]
    url = f"{live_server.url}/api/v1/orders"

    admitted = [None] * LIMIT

    def checkout(i: int) -> None:
        admitted[i] = call(url, checkout_form(cart_token=tokens[i]))

    threads = [threading.Thread(target=checkout, args=(i,)) for i in range(LIMIT)]
    [thread.start() for thread in threads]
    for _ in range(LIMIT):
        assert inside.acquire(timeout=WAIT), "an admitted checkout never arrived"

    # Every slot is taken: three more shoppers, at once, are each refused straight away.
    refused = at_once([lambda token=token: call(url, checkout_form(cart_token=token))
                       for token in tokens[LIMIT:]])
    for status, headers, body in refused:
        assert status == 503 and headers["Retry-After"] == busy_retry_after(limited)
        assert body == {"error": {"code": "busy", "field": None, "message": busy_message(limited, "es")}}
    assert not inside.acquire(blocking=False)  # none of them reached the checkout
    assert counts() == {"orders": 0, "mails": 0, "cart lines": LIMIT + 3}

    go.set()
    [thread.join(WAIT) for thread in threads]
    assert [status for status, _, _ in admitted] == [201] * LIMIT
    assert counts() == {"orders": LIMIT, "mails": LIMIT, "cart lines": 3}
    assert [lines_of(token) for token in tokens] == [0] * LIMIT + [1, 1, 1]  # the refused carts are whole

    # The refused shoppers try again, as many at once as the limit: all of them are served.
    retried = at_once([lambda token=token: call(url, checkout_form(cart_token=token))
                       for token in tokens[LIMIT:2 * LIMIT]])
    retried.append(call(url, checkout_form(cart_token=tokens[-1])))
    assert [status for status, _, _ in retried] == [201] * 3
    assert counts() == {"orders": LIMIT + 3, "mails": LIMIT + 3, "cart lines": 0}
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id)) == 10 - (LIMIT + 3)


def wait_until(condition, what: str) -> None:
    """Until `condition()` holds (it comes in milliseconds; the deadline only turns a hang into a
    failure)."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.01)


def test_checkouts_arriving_while_every_slot_is_taken_wait_for_one_and_are_served_and_one_more_is_refused(
        limited, live_server, held_checkouts, monkeypatch):
    monkeypatch.setitem(limited.config, "CHECKOUT_QUEUE_WAIT_MS", WAIT * 1000)  # the wait never runs out here
    inside, go = held_checkouts
    product = make_product(variants=[{"stock": 10, "price": 3000}])
    tokens = [make_cart(product.variants[0]).token for _ in range(2 * LIMIT + 1)]
    url = f"{live_server.url}/api/v1/orders"
    answers = [None] * (2 * LIMIT)

    def checkout(i: int) -> None:
        answers[i] = call(url, checkout_form(cart_token=tokens[i]))

    threads = [threading.Thread(target=checkout, args=(i,)) for i in range(2 * LIMIT)]
    for thread in threads[:LIMIT]:
        thread.start()
    for _ in range(LIMIT):
        assert inside.acquire(timeout=WAIT), "an admitted checkout never arrived"
    gate = checkout_gate(limited)
    for thread in threads[LIMIT:]:  # as many more as there are slots: they wait, not refused
        thread.start()
    wait_until(lambda: gate.waiting == LIMIT, "the waiting checkouts' arrival")
    assert gate.full and not inside.acquire(blocking=False)

    # Every slot and every waiting place is taken: one more is refused at once, having done nothing.
    status, headers, body = call(url, checkout_form(cart_token=tokens[-1]))
    assert status == 503 and headers["Retry-After"] == busy_retry_after(limited) and body["error"]["code"] == "busy"
    assert counts()["orders"] == 0

    go.set()  # the admitted checkouts end; the waiting ones take their slots in turn
    [thread.join(WAIT) for thread in threads]
    assert [status for status, _, _ in answers] == [201] * (2 * LIMIT)
    assert counts() == {"orders": 2 * LIMIT, "mails": 2 * LIMIT, "cart lines": 1}
    assert (gate.in_flight, gate.waiting) == (0, 0)


def test_a_wait_for_a_slot_is_bounded_then_refused_having_taken_nothing(limited, monkeypatch):
    monkeypatch.setitem(limited.config, "CHECKOUT_QUEUE_WAIT_MS", 20)
    gate = checkout_gate(limited)
    assert all(gate.try_enter() for _ in range(LIMIT))
    try:
        assert not gate.try_enter()  # no slot comes free: refused once the wait runs out
        assert (gate.in_flight, gate.waiting) == (LIMIT, 0)
    finally:
        for _ in range(LIMIT):
            gate.leave()
    assert gate.try_enter() and gate.in_flight == 1
    gate.leave()


def fill_and_review(client, product) -> str:
    assert client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1}).status_code == 303
    assert client.post("/checkout", data=checkout_form()).status_code == 303
    page = client.get("/checkout/review").get_data(as_text=True)
    return re.search(r'name="shown_total"[^>]*value="(\d+)"', page).group(1)


@pytest.fixture
def full(limited):
    """Every checkout slot of this process taken, as by checkouts in progress."""
    gate = checkout_gate(limited)
    taken = sum(gate.try_enter() for _ in range(LIMIT))
    assert taken == LIMIT
    yield gate
    for _ in range(taken):
        gate.leave()


def test_a_shopper_refused_at_place_order_gets_the_friendly_page_in_their_language_then_orders_once(
        limited, client, full):
    product = make_product(variants=[{"stock": 3}])
    shown_total = fill_and_review(client, product)

    refused = client.post("/checkout/place", data={"shown_total": shown_total}, headers={"Accept-Language": "lv"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == busy_retry_after(limited)
    assert refused.headers["Cache-Control"] == "no-store"
    assert '<html lang="lv"' in page and busy_message(limited, "lv") in page
    with limited.test_request_context(), force_locale("lv"):
        assert str(HTTP_MESSAGES[503][0]) in page
    assert 'href="/checkout/review"' in page  # "try again" goes back to the review
    assert counts() == {"orders": 0, "mails": 0, "cart lines": 1}
    assert db.session.scalar(sa.select(Variant.stock)) == 3

    full.leave()  # a checkout in progress ends
    placed = client.post("/checkout/place", data={"shown_total": shown_total})
    full.try_enter()
    assert placed.status_code == 303 and "/orders/" in placed.headers["Location"]
    assert counts() == {"orders": 1, "mails": 1, "cart lines": 0}


def test_the_pay_step_is_refused_while_full_before_anything_is_looked_at(limited, client, full):
    with limited.test_request_context("/"):
        order = make_order(make_product(variants=[{"stock": 2}]).variants[0])
    token = order.tracking_token

    refused = client.post(f"/api/v1/orders/{token}/payment")
    assert refused.status_code == 503 and refused.json["error"]["code"] == "busy"
    assert refused.headers["Retry-After"] == busy_retry_after(limited)

    full.leave()
    answered = client.post(f"/api/v1/orders/{token}/payment")
    full.try_enter()
    assert answered.status_code == 409  # a bank transfer order: the step itself now answers


def test_a_limit_below_one_admits_everyone_and_a_new_limit_takes_effect_at_once(limited):
    unlimited = Gate(0)
    assert all(unlimited.try_enter() for _ in range(100))
    gate = checkout_gate(limited)
    assert gate.limit == LIMIT and checkout_gate(limited) is gate
    limited.config["CHECKOUT_MAX_CONCURRENT"] = LIMIT + 1
    assert checkout_gate(limited).limit == LIMIT + 1
