"""A request that waited too long in the server's queue is answered 503 at once, without rendering;
a fresh one, a page from the page cache and the health check are answered as usual.

The wait is the kernel's figure for a real TCP connection (as gunicorn hands its socket to the
app): a request is sent, left unread for a while, then accepted, and its socket given to the app.
Waiting *at least* that long is certain, so no refusal here depends on timing.
"""
from __future__ import annotations

import re
import socket
import time
from contextlib import contextmanager
from functools import partial

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale
from werkzeug.test import Client

from storefront.checkout.admission import CheckoutBusy, checkout_gate
from storefront.database import utcnow
from storefront.errors import HTTP_MESSAGES, Unavailable
from storefront.extensions import db
from storefront.health import QueueWatch, Shedding, queue_wait_ms
from storefront.shop_settings import runtime as settings_runtime
from storefront.shop_settings import service as settings_service
from tests.factories import checkout_form, make_product, make_user
from tests.promotions.conftest import make_offer

LEFT_WAITING = 0.3  # seconds a request sits unread in the accept queue
QUEUE_LIMIT_MS = 50


@contextmanager
def request_socket(wait: float):
    """The server side of a connection whose request arrived at least `wait` seconds ago."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        client.sendall(b"GET / HTTP/1.1\r\nHost: shop.test\r\n\r\n")
        time.sleep(wait)
        server, _ = listener.accept()
        try:
            yield server
        finally:
            server.close()
            client.close()


@pytest.fixture
def product():
    return make_product(title="Jūras cardigan")


@pytest.fixture
def short_queue(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_QUEUE_WAIT_MS", QUEUE_LIMIT_MS)
    return app


def words(app, text, language: str) -> str:
    with app.test_request_context(), force_locale(language):
        return str(text)


def assert_refusal(app, status: int, headers, page: str, language: str) -> None:
    assert status == 503
    assert headers["Retry-After"] == str(app.config["RETRY_AFTER_SECONDS"])
    assert headers["Cache-Control"] == "no-store"
    assert f'<html lang="{language}"' in page
    assert words(app, HTTP_MESSAGES[503][0], language) in page
    assert words(app, Unavailable.default_message, language) in page


def test_the_kernel_says_how_long_the_request_waited():
    with request_socket(LEFT_WAITING) as sock:
        assert queue_wait_ms({"gunicorn.socket": sock}) >= LEFT_WAITING * 1000 - 10  # kernel ticks
    assert queue_wait_ms({}) is None


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_may_wait_up_to_the_limit_but_a_standing_queue_only_up_to_the_target():
    clock = Clock()
    watch = QueueWatch(limit_ms=500, target_ms=50, interval=0.2, clock=clock)
    # A burst: some requests wait, but not every one of an interval.
    assert [watch.too_long(wait) for wait in (0, 120, 300, 499, 501)] == [False, False, False, False, True]
    clock.now = 0.2
    assert [watch.too_long(wait) for wait in (80, 120, 300)] == [False, False, False]  # every one waited > 50
    clock.now = 0.45  # ... so the queue stands: the target is the limit now
    assert [watch.too_long(wait) for wait in (60, 40, 300)] == [True, False, True]
    clock.now = 0.7  # still: one waited longer than the target
    assert [watch.too_long(wait) for wait in (10, 20, 30)] == [False, False, False]
    clock.now = 0.95  # an interval in which none did: back to the limit
    assert [watch.too_long(wait) for wait in (60, 300)] == [False, False]


# --- in front of Flask: the refusal page from a copy ------------------------------------------

@pytest.fixture
def shedding(short_queue):
    """The middleware in front of Flask alone (no page cache), counting what reaches Flask."""
    reached = []
    flask_app = partial(Flask.wsgi_app, short_queue)

    def counted(environ, start_response):
        reached.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        with short_queue.app_context():  # a context of its own, as each request has in production
            return list(flask_app(environ, start_response))

    return Client(Shedding(short_queue, counted)), reached


def test_page_refusals_come_from_a_copy_rendered_once_per_language_without_a_query(short_queue, shedding,
                                                                                 product, count_queries):
    client, reached = shedding
    slug = product.slug
    with request_socket(LEFT_WAITING) as sock, count_queries() as counter:
        latvian = [client.get(path, headers={"Accept-Language": "lv"}, environ_overrides={"gunicorn.socket": sock})
                   for path in (f"/p/{slug}", "/search?q=r%C4%ABga&page=2", "/")]
        spanish = client.get("/", query_string={"lang": "es"}, environ_overrides={"gunicorn.socket": sock})
    assert counter.count == 0, counter.statements
    assert len(reached) == 2  # one render each for Latvian and Spanish, none per shopper
    for response in latvian:
        assert_refusal(short_queue, response.status_code, response.headers, response.get_data(as_text=True), "lv")
    assert_refusal(short_queue, spanish.status_code, spanish.headers, spanish.get_data(as_text=True), "es")
    assert f'href="/p/{slug}"' in latvian[0].get_data(as_text=True)  # "try again": the page asked for
    assert 'href="/search?q=r%C4%ABga&amp;page=2"' in latvian[1].get_data(as_text=True)
    assert "Content-Security-Policy" in latvian[0].headers
    assert int(latvian[0].headers["Content-Length"]) == len(latvian[0].get_data())


def test_the_api_is_refused_in_its_error_body_but_buying_and_health_checks_never_are(short_queue, shedding,
                                                                                     product):
    client, reached = shedding
    variant_id = product.variants[0].id
    with request_socket(LEFT_WAITING) as sock:
        waited = {"gunicorn.socket": sock}
        api = client.get("/api/v1/products", environ_overrides=waited)
        added = client.post("/cart/add", data={"variant_id": variant_id, "quantity": 1}, environ_overrides=waited)
        cart = client.get("/cart/", environ_overrides=waited)
        checkout = client.get("/checkout", environ_overrides=waited)
        token = client.get("/forms/token", environ_overrides=waited)  # asked for as a form is sent
        health = client.get("/healthz", environ_overrides=waited)
    assert api.status_code == 503 and api.json["error"]["code"] == "unavailable"
    assert api.headers["Retry-After"] == str(short_queue.config["RETRY_AFTER_SECONDS"])
    assert (added.status_code, cart.status_code, checkout.status_code, token.status_code) == (303, 200, 200, 200)
    assert health.status_code == 200  # a balancer must not take a busy node for a dead one


def test_checkout_work_is_refused_from_a_copy_while_every_slot_is_taken(short_queue, shedding, product,
                                                                        monkeypatch):
    client, reached = shedding
    monkeypatch.setitem(short_queue.config, "CHECKOUT_MAX_CONCURRENT", 1)
    monkeypatch.setitem(short_queue.config, "CHECKOUT_QUEUE_WAIT_MS", 0)  # no waiting place: refused at once
    assert client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1}).status_code == 303
    assert client.post("/checkout", data=checkout_form()).status_code == 303
    gate = checkout_gate(short_queue)
    assert gate.try_enter()  # a checkout in progress in this process
    try:
        reached.clear()
        pages = [client.post("/checkout/place", data={"shown_total": "1"}, headers={"Accept-Language": "lv"})
                 for _ in range(3)]
        apis = [client.post("/api/v1/orders", json=checkout_form(cart_token="x"), headers={"Accept-Language": "es"})
                for _ in range(3)]
    finally:
        gate.leave()
    assert len(reached) == 2  # the Latvian page and the Spanish API body, each rendered once
    for page in pages:
        html_text = page.get_data(as_text=True)
        assert page.status_code == 503 and page.headers["Retry-After"] == str(short_queue.config["BUSY_RETRY_AFTER_SECONDS"])
        assert '<html lang="lv"' in html_text and words(short_queue, CheckoutBusy.default_message, "lv") in html_text
        assert 'href="/checkout/review"' in html_text  # try again from the review
    for api in apis:
        assert api.status_code == 503 and api.headers["Retry-After"] == str(short_queue.config["BUSY_RETRY_AFTER_SECONDS"])
        assert api.json == {"error": {"code": "busy", "field": None,
                                      "message": words(short_queue, CheckoutBusy.default_message, "es")}}
    # A slot is free again: the view answers (here, a total that is not the one shown).
    assert client.post("/checkout/place", data={"shown_total": "1"}).status_code == 303


def test_a_request_that_did_not_wait_long_is_served(short_queue, shedding, product, monkeypatch):
    client, _ = shedding
    monkeypatch.setitem(short_queue.config, "MAX_QUEUE_WAIT_MS", 60_000)  # far above any wait here
    with request_socket(0) as sock:
        assert client.get(f"/p/{product.slug}", environ_overrides={"gunicorn.socket": sock}).status_code == 200
    assert client.get(f"/p/{product.slug}").status_code == 200  # no socket to ask: never shed


# --- the app as the factory builds it -----------------------------------------------------------

def test_the_app_sheds_a_request_that_waited_and_still_answers_a_cached_page(short_queue, client, product,
                                                                           monkeypatch):
    monkeypatch.setitem(short_queue.config, "MAX_QUEUE_WAIT_MS", 60_000)
    assert client.get("/").status_code == 200  # rendered once, now in the page cache
    monkeypatch.setitem(short_queue.config, "MAX_QUEUE_WAIT_MS", QUEUE_LIMIT_MS)
    with request_socket(LEFT_WAITING) as sock:
        cached = client.get("/", environ_overrides={"gunicorn.socket": sock})
        refused = client.get(f"/p/{product.slug}", headers={"Accept-Language": "lv"},
                             environ_overrides={"gunicorn.socket": sock})
    assert (cached.status_code, cached.headers["X-Cache"]) == (200, "HIT")
    assert_refusal(short_queue, refused.status_code, refused.headers, refused.get_data(as_text=True), "lv")


# --- what the refusal page's layout says ----------------------------------------------------------

def announce_and_cart_link(page: str) -> tuple[str, str]:
    announce = re.search(r'<div class="announce">(.*?)</div>', page, re.S).group(1)
    cart_link = re.search(r"<a [^>]*data-cart-link[^>]*>.*?</a>", page, re.S).group(0)
    return " ".join(re.sub(r"<[^>]+>", " ", announce).split()), cart_link


@pytest.fixture
def ships_free_from_40():
    return make_offer(name="Ships free from €40", benefit="free_shipping", percent=None, min_subtotal=4000)


def test_a_refusal_page_states_no_cart_count_it_does_not_know_and_the_pages_free_shipping(
        client, product, ships_free_from_40, monkeypatch):
    """A shopper with two sweaters in the cart was told "0" by the header of the "back in a moment"
    page, rendered without the database; its top bar lost the free-shipping sentence."""
    from sqlalchemy.exc import OperationalError

    from storefront.cart import service as carts

    assert client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 2}).status_code == 303
    before = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert re.search(r"data-cart-count[^>]*>2<", before)
    assert announce_and_cart_link(before)[0] == "Free shipping from €40.00 · All prices include VAT"

    def away(*args, **kwargs):
        raise OperationalError("SELECT", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(carts, "load_cart_view", away)
    refused = client.get("/cart/")
    assert refused.status_code == 503
    page = refused.get_data(as_text=True)
    announce, cart_link = announce_and_cart_link(page)
    assert announce == "Free shipping from €40.00 · All prices include VAT"  # as the page before said
    assert 'aria-label="Cart"' in cart_link and "data-cart-count" not in page  # the link, without a count


def test_the_shed_copy_for_every_shopper_says_what_the_pages_say_without_a_query(short_queue, shedding, product,
                                                                               ships_free_from_40):
    client, _ = shedding
    slug = product.slug
    assert client.get(f"/p/{slug}?lang=lv").status_code == 200  # not shed: this process reads the offers
    statements = []  # counted with the page cache on (`count_queries` pauses it): what it keeps is read

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        with request_socket(LEFT_WAITING) as sock:
            refused = client.get(f"/p/{slug}", headers={"Accept-Language": "lv"},
                                 environ_overrides={"gunicorn.socket": sock})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert refused.status_code == 503 and statements == []
    page = refused.get_data(as_text=True)
    announce, cart_link = announce_and_cart_link(page)
    assert announce == "Bezmaksas piegāde no 40,00 € · Visās cenās iekļauts PVN"
    assert "data-cart-count" not in page and 'aria-label="Grozs"' in cart_link


def test_a_refusal_names_no_free_shipping_figure_it_could_not_read(short_queue, shedding, product,
                                                                   ships_free_from_40):
    """The offers changed since this process last read them (a €40 offer started): the shop's own
    €60 would contradict the pages, and the refusal may not read the offers, so it names none."""
    client, _ = shedding
    slug = product.slug
    with request_socket(LEFT_WAITING) as sock:
        refused = client.get(f"/p/{slug}", environ_overrides={"gunicorn.socket": sock})
    assert refused.status_code == 503
    assert announce_and_cart_link(refused.get_data(as_text=True))[0] == "All prices include VAT"


@pytest.fixture
def settings_restored(app):
    yield settings_service
    db.session.rollback()
    settings_service.reset_all(None, now=utcnow())  # the environment's settings again, in this process too
    settings_runtime.forget(app)


def test_the_shed_copy_says_the_threshold_an_admin_set_since(short_queue, shedding, product, settings_restored):
    client, reached = shedding
    slug = product.slug
    with request_socket(LEFT_WAITING) as sock:
        client.get(f"/p/{slug}")  # not shed: this process reads the offers
        before = client.get(f"/p/{slug}", environ_overrides={"gunicorn.socket": sock})
        assert "Free shipping from €60.00" in announce_and_cart_link(before.get_data(as_text=True))[0]
        with short_queue.test_request_context("/"):
            settings_restored.change_settings({"FREE_SHIPPING_THRESHOLD": 4000},
                                              make_user("admin@example.com", "admin"), now=utcnow())
        client.get(f"/p/{slug}")  # the next page of this process reads the new settings, and the offers
        after = client.get(f"/p/{slug}", environ_overrides={"gunicorn.socket": sock})
    assert "Free shipping from €40.00" in announce_and_cart_link(after.get_data(as_text=True))[0]


def test_the_shed_copy_follows_the_offers_within_the_page_cache_ttl(short_queue, shedding, product,
                                                                   ships_free_from_40, monkeypatch):
    import time as real_time

    from storefront import health

    client, _ = shedding
    slug = product.slug

    def refusal_says() -> str:
        with request_socket(LEFT_WAITING) as sock:
            refused = client.get(f"/p/{slug}", environ_overrides={"gunicorn.socket": sock})
        return announce_and_cart_link(refused.get_data(as_text=True))[0]

    client.get(f"/p/{slug}")
    assert refusal_says().startswith("Free shipping from €40.00")
    ships_free_from_40.state = "ended_early"
    db.session.commit()
    assert "Free shipping from €60.00" in client.get(f"/p/{slug}").get_data(as_text=True)
    assert refusal_says().startswith("Free shipping from €40.00")  # a stored page's lag, no more

    later = real_time.monotonic() + short_queue.config["PAGE_CACHE_TTL"]
    monkeypatch.setattr(health, "time", type("Clock", (), {"monotonic": staticmethod(lambda: later),
                                                            "time": staticmethod(real_time.time)}))
    assert refusal_says().startswith("Free shipping from €60.00")
