"""Browsing alone sets no cookie, so reading the shop needs no consent banner: every storefront
page type, read and then its beacon sent, leaves the browser with no cookie at all, while the
visit is still counted once; the first thing the shopper does that needs a session starts one."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from storefront.demo.legal import load_legal_pages
from storefront.extensions import db
from storefront.social.models import Visit
from tests.factories import make_category, make_order, make_product
from tests.promotions.conftest import make_offer

SHOP = "http://localhost"


@pytest.fixture
def shop(app):
    category = make_category("Hats", slug="hats")
    hat = make_product("Dune Hat", category=category, slug="dune-hat",
                       variants=[{"sku": "HAT-1", "price": 3900, "stock": 10}])
    offer = make_offer(name="Winter ten", slug="winter-ten")
    load_legal_pages(app.config["LANGUAGES"], dt.datetime.now(dt.timezone.utc))
    with app.test_request_context():
        order = make_order(hat.variants[0])
    return hat, order, offer


def storefront_pages(order) -> list[str]:
    """One address of every page type a shopper can browse to."""
    return ["/", "/?lang=lv", "/c/hats", "/p/dune-hat", "/p/dune-hat?lang=es", "/search?q=hat",
            "/p/dune-hat/reviews", "/p/dune-hat/reviews/ledger", "/p/dune-hat/questions", "/reviews/how-they-work",
            "/offers/winter-ten", "/legal/returns", "/legal/privacy?lang=lv", "/legal/accessibility", "/cart/",
            f"/orders/{order.tracking_token}", "/no-such-page"]


def test_every_storefront_page_and_its_beacon_set_no_cookie_and_the_visit_counts_once(client, shop):
    hat, order, offer = shop
    previous = "https://www.facebook.com/"
    for path in storefront_pages(order):
        page = client.get(path)
        assert page.status_code in (200, 404), path
        beacon = client.post("/beacon", data={"page": path, "referrer": previous, "offers": str(offer.id)})
        for response in (page, beacon):
            assert "Set-Cookie" not in response.headers, path
        previous = SHOP + path
    assert client.get_cookie("session") is None
    db.session.commit()
    [visit] = db.session.scalars(sa.select(Visit)).all()
    assert (visit.landing_path, visit.referrer_host) == ("/", "www.facebook.com")


def test_adding_to_the_cart_is_what_starts_the_session(client, shop):
    hat, _, _ = shop
    client.get("/p/dune-hat?utm_source=telegram")
    client.post("/beacon", data={"page": "/p/dune-hat?utm_source=telegram"})
    added = client.post("/cart/add", data={"variant_id": hat.variants[0].id, "quantity": 1},
                        headers={"Referer": SHOP + "/p/dune-hat?utm_source=telegram"})
    assert added.status_code == 303 and "Set-Cookie" in added.headers
    with client.session_transaction() as session:
        assert session["utm_source"] == "telegram" and session["cart_token"]
