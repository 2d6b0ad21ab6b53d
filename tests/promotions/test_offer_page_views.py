"""Every view of an offer page counts, also when the page comes from the page cache and the
offer is for holders of its code; a cart or view that used a channel's code counts under that
channel."""
from __future__ import annotations

import re

import sqlalchemy as sa

from promotions.models import OfferDailyStat
from storefront.extensions import db
from tests.factories import make_product

from .conftest import make_code, make_offer

WRITES = ("INSERT", "UPDATE", "DELETE")


def counts(offer_id: int) -> dict[str, tuple[int, int]]:
    db.session.commit()  # see what the requests committed
    rows = db.session.execute(sa.select(OfferDailyStat.channel, OfferDailyStat.views, OfferDailyStat.carts)
                              .where(OfferDailyStat.offer_id == offer_id)).all()
    return {channel: (views, carts) for channel, views, carts in rows}


def visit(client, url: str):
    """Read a page as a browser does, then send its beacon; the page's response is returned."""
    page = client.get(url)
    found = re.search(r'data-beacon="([^"]+)"\s+data-offers="([^"]*)"', page.text)
    assert client.post(found.group(1), data={"page": url, "offers": found.group(2)}).status_code == 204
    return page


def test_two_visits_to_a_code_holders_offer_page_count_two_views_the_second_from_the_cache(client, count_queries):
    offer = make_offer(slug="telegram-ten", audience="code_holders")

    with count_queries() as counter:
        first = client.get("/offers/telegram-ten")
    assert [s for s in counter.statements if s.lstrip().upper().startswith(WRITES)] == []
    assert "Set-Cookie" not in first.headers
    visit(client, "/offers/telegram-ten")
    second = visit(client, "/offers/telegram-ten")

    assert second.headers["X-Cache"] == "HIT"
    assert counts(offer.id) == {"web": (2, 0)}


def test_each_visitor_and_each_return_counts_a_view_of_the_offer_page(app, client):
    offer = make_offer(slug="spring")
    for shopper in (client, app.test_client(), app.test_client()):
        visit(shopper, "/offers/spring")
    visit(client, "/offers/spring")  # the first shopper comes back

    assert counts(offer.id) == {"web": (4, 0)}


def test_a_beacon_of_another_page_or_an_unknown_offer_counts_no_page_view(client):
    offer = make_offer(slug="spring", audience="code_holders")
    for page in ("/offers/nope", "/offers/spring/store-code", "/p/spring", "/offers/", "//evil.example/offers/spring"):
        client.post("/beacon", data={"page": page, "offers": ""})

    assert counts(offer.id) == {}


def test_a_cart_and_a_view_with_a_channels_code_count_under_that_channel(client):
    offer = make_offer(slug="telegram-ten", audience="code_holders", benefit="fixed", percent=None, amount=1000)
    make_code(offer, "ZV-TELEGRAM", kind="shared", channel="telegram", max_uses=None)
    product = make_product(variants=[{"price": 12900, "stock": 5}])

    assert client.get("/offers/telegram-ten?code=ZV-TELEGRAM").status_code == 303
    visit(client, "/offers/telegram-ten")
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    client.get("/cart/")

    assert counts(offer.id) == {"telegram": (1, 1)}
