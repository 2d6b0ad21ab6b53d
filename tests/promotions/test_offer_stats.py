"""Views and carts per offer, channel and day: counted once per visit, added in SQL."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask import g, render_template_string

from promotions import stats
from promotions.models import OfferDailyStat
from storefront.extensions import db
from tests.factories import make_product
from tests.promotions.conftest import make_offer
from tests.promotions.test_shopper_pages import launch

UTC = dt.timezone.utc


def counts(offer_id: int) -> dict[str, tuple[int, int]]:
    db.session.commit()  # see what the requests committed
    rows = db.session.execute(sa.select(OfferDailyStat.channel, OfferDailyStat.views, OfferDailyStat.carts)
                              .where(OfferDailyStat.offer_id == offer_id)).all()
    return {channel: (views, carts) for channel, views, carts in rows}


def view(client, url: str) -> None:
    """Read a page as a browser does: the page writes nothing, its beacon names what it showed and
    the page the browser came from (a visit without a cookie starts where that is not the shop)."""
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'data-beacon="([^"]+)"\s+data-offers="([^"]*)"', page)
    client.post(found.group(1), data={"page": url, "offers": found.group(2),
                                      "referrer": getattr(client, "last_page", "")})
    client.last_page = f"http://localhost{url}"


def test_a_banner_counts_one_view_per_visit(client, app):
    offer = make_offer(slug="spring")
    make_product(slug="sweater")
    for _ in range(2):
        client.get("/")
        assert counts(offer.id) == {}  # reading a page writes nothing: its beacon counts
    view(client, "/")
    view(client, "/")
    view(client, "/p/sweater")
    assert counts(offer.id) == {"web": (1, 0)}
    view(app.test_client(), "/")
    assert counts(offer.id) == {"web": (2, 0)}


def test_views_are_counted_on_the_visits_channel(client):
    offer = make_offer(slug="friends", audience="tab_visitors")
    view(client, "/")  # a direct visit: the tab offer is not shown, not counted
    assert counts(offer.id) == {}
    launch(client)
    view(client, "/")
    assert counts(offer.id) == {"meta": (1, 0)}


def test_a_beacon_counts_only_offers_that_exist_and_ignores_junk(client):
    offer = make_offer(slug="spring")
    client.post("/beacon", data={"page": "/", "offers": f"{offer.id},999999,abc,-3,{'9' * 40}"})
    assert counts(offer.id) == {"web": (1, 0)}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OfferDailyStat)) == 1


def test_a_cart_is_counted_once_when_the_offer_applies_to_it(client):
    applies = make_offer(slug="spring", percent=10)
    not_yet = make_offer(slug="big", percent=20, min_subtotal=100_000)
    product = make_product(variants=[{"price": 3000, "stock": 10}])
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    client.get("/cart/")
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    client.get("/cart/")
    assert counts(applies.id)["web"][1] == 1
    assert counts(not_yet.id).get("web", (0, 0))[1] == 0


def test_the_upsert_adds_in_the_database(app):
    offer = make_offer()
    day = dt.date(2026, 6, 15)
    for _ in range(3):
        stats.count(offer.id, "vk", day, views=1)
    stats.count(offer.id, "vk", day, carts=1)
    stats.count(offer.id, "vk", day + dt.timedelta(days=1), views=1)
    db.session.commit()
    rows = db.session.execute(sa.select(OfferDailyStat.day, OfferDailyStat.views, OfferDailyStat.carts)
                              .where(OfferDailyStat.offer_id == offer.id).order_by(OfferDailyStat.day)).all()
    assert [tuple(r) for r in rows] == [(day, 3, 1), (day + dt.timedelta(days=1), 1, 0)]


def test_a_refused_page_counts_nothing(client):
    offer = make_offer(slug="spring", audience="code_holders")
    client.get("/offers/spring?code=NOPE-NOPE")  # 422
    assert counts(offer.id) == {}


def test_the_template_helpers_only_read_the_view_counts(app):
    offer = make_offer(slug="spring")
    with app.test_request_context("/"):
        shown = render_template_string("{% for s in offer_banners() %}{{ s.offer.slug }}{% endfor %}")
        assert shown == "spring"
        assert "offer_stats_pending" not in g  # nothing noted by the template
    assert counts(offer.id) == {}
