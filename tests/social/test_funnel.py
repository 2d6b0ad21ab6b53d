"""The funnel's middle steps per channel: product views from the page's beacon (never from the page
itself), a cart once when it is created, a checkout once per cart, none of them for crawlers, and
no count lost when many beacons arrive at once."""
from __future__ import annotations

import datetime as dt
import urllib.parse
import urllib.request

import pytest
import sqlalchemy as sa
from flask import current_app

from storefront.extensions import db
from storefront.page_cache import audience_class
from storefront.social import attribution
from storefront.social.models import FunnelCount, Visit
from tests.checkout.test_pages import DETAILS
from tests.concurrency import at_once
from tests.factories import make_product
from tests.social.test_attribution import SHOP, land

BOT = {"User-Agent": "facebookexternalhit/1.1"}


@pytest.fixture
def product():
    return make_product("Jūras cardigan", variants=[{"sku": "CARDIGAN-M", "price": 4500, "stock": 50}])


def steps() -> dict[tuple[str, str, str], int]:
    """(channel, source, step) → count, every day together."""
    db.session.commit()
    return {(channel, source, step): int(count) for channel, source, step, count in db.session.execute(
        sa.select(FunnelCount.channel, FunnelCount.utm_source, FunnelCount.step, sa.func.sum(FunnelCount.count))
        .group_by(FunnelCount.channel, FunnelCount.utm_source, FunnelCount.step))}


def writes(counter) -> list[str]:
    return [s for s in counter.statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def add_to_cart(client, product, page: str, **kwargs):
    response = client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1},
                           headers={"Referer": SHOP + page, **kwargs.pop("headers", {})}, **kwargs)
    assert response.status_code == 303
    return response


# --- product views ---------------------------------------------------------------------------------

def test_reading_a_product_page_writes_nothing_and_its_beacon_counts_the_view_without_a_cookie(
        client, product, count_queries):
    page = f"/p/{product.slug}?utm_source=instagram&utm_campaign=spring"
    with count_queries() as counter:
        response = client.get(page)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers and not writes(counter)
    assert steps() == {}

    land(client, page, referrer="https://l.instagram.com/")  # asserts: no Set-Cookie on page or beacon

    assert steps() == {("web", "instagram", "product_views"): 1}
    [visit] = db.session.scalars(sa.select(Visit)).all()
    assert (visit.channel, visit.utm_source) == ("web", "instagram")  # the view's row is the visit's


def test_without_a_session_a_product_reached_from_a_list_counts_with_that_pages_tags(client, product):
    land(client, "/?utm_source=facebook", referrer="https://facebook.com/")
    land(client, f"/p/{product.slug}", referrer=SHOP + "/?utm_source=facebook")
    land(client, "/search?q=x", referrer=SHOP + f"/p/{product.slug}")
    land(client, f"/p/{product.slug}", referrer=SHOP + "/search?q=x")
    assert steps() == {("web", "facebook", "product_views"): 1, ("web", "", "product_views"): 1}


def test_without_a_session_moving_from_product_to_product_is_one_look(client, product):
    other = make_product("Sea scarf")
    land(client, f"/p/{product.slug}?utm_source=vk", referrer="https://vk.com/")
    land(client, f"/p/{other.slug}", referrer=SHOP + f"/p/{product.slug}?utm_source=vk")
    assert steps() == {("web", "vk", "product_views"): 1}


def test_pages_that_are_not_products_count_no_product_view(client, product):
    land(client, "/?utm_source=facebook")
    land(client, "/cart/", referrer=SHOP + "/")
    assert steps() == {}


def test_with_a_session_the_first_product_page_of_a_touch_counts_once_with_the_sessions_channel(client, product):
    other = make_product("Sea scarf")
    with client.session_transaction() as session:
        session["channel"] = "telegram"  # what a verified launch leaves in the session
    land(client, "/")
    land(client, f"/p/{product.slug}", referrer=SHOP + "/")
    land(client, f"/p/{other.slug}", referrer=SHOP + f"/p/{product.slug}")
    land(client, "/", referrer=SHOP + f"/p/{other.slug}")
    land(client, f"/p/{product.slug}", referrer=SHOP + "/")
    assert steps() == {("telegram", "", "product_views"): 1}
    with client.session_transaction() as session:
        assert audience_class(dict(session)) is not None  # still served the shared, cached pages
    # A new touch (another campaign's link) is a new visit, and its product view counts again.
    land(client, f"/p/{product.slug}?utm_source=newsletter", referrer="https://mail.example/")
    assert steps() == {("telegram", "", "product_views"): 1, ("telegram", "newsletter", "product_views"): 1}


def test_crawlers_count_no_product_view_cart_or_checkout(client, product):
    land(client, f"/p/{product.slug}?utm_source=facebook", headers=BOT)
    add_to_cart(client, product, f"/p/{product.slug}?utm_source=facebook", headers=BOT)
    assert client.get("/checkout", headers=BOT).status_code == 200
    assert steps() == {}


def test_a_beacon_starts_no_session_and_a_refused_one_counts_nothing(client, product):
    response = client.post("/beacon", data={"page": f"/p/{product.slug}"})
    assert response.status_code == 204 and "Set-Cookie" not in response.headers
    client.post("/beacon", data={"page": "https://evil.example/p/x"})
    client.post("/beacon", data={"page": "/p/no-such-product-page/extra"})
    assert steps() == {("web", "", "product_views"): 1}


# --- carts and checkouts ------------------------------------------------------------------------------

def test_a_cart_counts_once_when_created_with_the_tags_of_the_page_it_was_sent_from(client, product):
    page = f"/p/{product.slug}?utm_source=facebook&utm_campaign=spring"
    land(client, page, referrer="https://facebook.com/")
    add_to_cart(client, product, page)
    add_to_cart(client, product, page)
    land(client, f"/p/{product.slug}", referrer=SHOP + "/cart/")  # its view was counted before the session
    assert steps() == {("web", "facebook", "product_views"): 1, ("web", "facebook", "carts"): 1}


def test_a_refused_add_counts_no_cart(client, product):
    response = client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 999},
                           headers={"Referer": SHOP + f"/p/{product.slug}"})
    assert response.status_code >= 400
    assert steps() == {}


def test_a_checkout_counts_once_per_cart_when_the_details_step_is_reached(client, product):
    page = f"/p/{product.slug}?utm_source=vk"
    land(client, page, referrer="https://vk.com/")
    assert client.get("/checkout").status_code == 303  # no cart yet: no checkout
    add_to_cart(client, product, page)
    assert client.get("/checkout").status_code == 200
    assert client.get("/checkout").status_code == 200
    client.post("/checkout", data=DETAILS)
    assert steps() == {("web", "vk", "product_views"): 1, ("web", "vk", "carts"): 1, ("web", "vk", "checkouts"): 1}


def test_a_cart_filled_by_metas_checkout_link_counts_its_cart_with_its_checkout(client, product):
    response = client.get("/checkout", query_string={"products": f"{product.variants[0].sku}:1"})
    assert response.status_code == 200
    client.get("/checkout")
    assert steps() == {("web", "", "carts"): 1, ("web", "", "checkouts"): 1}


def test_counts_go_to_the_shops_local_day(app):
    # 23:30 UTC on 1 December is 01:30 on 2 December in Riga.
    late = dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.timezone.utc)
    with app.test_request_context("/"):
        assert current_app.config["SHOP_TIMEZONE"] == "Europe/Riga"
        assert attribution.count_steps([attribution.FunnelStep.CARTS], "vk", "vk", now=late)
        assert attribution.count_steps([attribution.FunnelStep.CARTS], "vk", "vk", now=late)
    [row] = db.session.scalars(sa.select(FunnelCount)).all()
    assert (row.day, row.count) == (dt.date(2026, 12, 2), 2)


# --- under load ----------------------------------------------------------------------------------------

def test_concurrent_beacons_lose_no_product_view(gunicorn_server, product):
    db.session.commit()
    beacons = 24
    body = urllib.parse.urlencode({"page": f"/p/{product.slug}?utm_source=rush",
                                   "referrer": "https://rush.example/"}).encode()

    def send():
        request = urllib.request.Request(f"{gunicorn_server}/beacon", data=body, method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers.get("Set-Cookie")

    results = at_once([send] * beacons)

    assert results == [(204, None)] * beacons
    assert steps() == {("web", "rush", "product_views"): beacons}
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == beacons
