"""Each process keeps the live offers' rules (`promotions.service.live_rules`) while no offer is
written, on any node, and none starts or ends: a page that a sale made stale (a stock state, a
price) is rendered again without reading the offers again, and an offer written or starting is
in the very next page."""
from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from promotions.service import live_rules
from storefront import page_cache
from storefront.database import utcnow
from storefront.extensions import db
from tests.factories import make_category, make_product
from tests.kept_support import another_process, statements_like

from .conftest import make_offer

UTC = dt.timezone.utc


@pytest.fixture
def shelf():
    category = make_category("Scarves", slug="scarves")
    make_product(title="Sea scarf", category=category, variants=[{"price": 2500, "stock": 5}])
    return category


@pytest.fixture
def offer_reads(app):
    """The statements that read the offers table, as they run."""
    with statements_like(r"\bFROM offers\b") as seen:
        yield seen


@contextmanager
def in_request(app, path: str, method: str = "GET"):
    """A request of its own (its own `g`, where a request keeps the rules it read)."""
    with app.app_context(), app.test_request_context(path, method=method):
        app.preprocess_request()
        yield


def promise(page: str) -> str | None:
    found = re.search(r"Free shipping from (€[\d.,]+)", page)
    return found.group(1) if found else None


def render_again(app, client, path: str) -> str:
    """The page rendered anew, as after a sale bumped every page's version (the offers' stays)."""
    page_cache._bump_pages(app)
    response = client.get(path)
    assert response.headers.get("X-Cache") != "HIT"
    return response.get_data(as_text=True)


def test_a_page_rendered_again_after_a_sale_reads_no_offer_until_an_offer_is_written(app, client, shelf,
                                                                                        offer_reads):
    make_offer(name="Ships free from €30", benefit="free_shipping", percent=None, min_subtotal=3000)
    assert promise(client.get("/c/scarves").get_data(as_text=True)) == "€30.00"
    assert offer_reads, "the first page reads the offers"

    offer_reads.clear()
    for path in ("/c/scarves", "/c/scarves?sort=price"):
        assert promise(render_again(app, client, path)) == "€30.00"
    assert offer_reads == []
    assert promise(render_again(app, client, "/")) == "€30.00"
    # The home page's banner shows the offer's row, read by its key: the live set is not sought.
    assert offer_reads and all(re.search(r"WHERE offers\.id IN", statement) for statement in offer_reads)

    make_offer(name="Ships free from €20", benefit="free_shipping", percent=None, min_subtotal=2000)
    assert promise(render_again(app, client, "/c/scarves")) == "€20.00"
    assert offer_reads, "an offer written is read again"


def test_each_language_keeps_its_own_offer_names(app, shelf):
    make_offer(name="Winter sale", translations={"lv": {"name": "Ziemas izpārdošana"}})
    now = utcnow()
    for language, name in (("en", "Winter sale"), ("lv", "Ziemas izpārdošana"), ("en", "Winter sale")):
        with in_request(app, f"/?lang={language}"):
            assert [rule.name for rule in live_rules(now)] == [name]


def test_an_offer_that_starts_later_is_in_the_rules_from_its_start(app, shelf):
    now = utcnow()
    make_offer(name="Now")
    make_offer(name="Later", starts_at=now + dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=1))
    with in_request(app, "/"):
        assert [rule.name for rule in live_rules(now)] == ["Now"]
    with in_request(app, "/"):
        assert [rule.name for rule in live_rules(now + dt.timedelta(minutes=59))] == ["Now"]
    with in_request(app, "/"):
        assert sorted(rule.name for rule in live_rules(now + dt.timedelta(hours=1, seconds=1))) == ["Later", "Now"]
    with in_request(app, "/"):  # and an earlier moment than the one kept is read again
        assert [rule.name for rule in live_rules(now)] == ["Now"]


def test_an_offer_written_by_another_process_is_in_this_one_s_next_page(app, client, shelf):
    make_offer(name="Ships free from €30", benefit="free_shipping", percent=None, min_subtotal=3000)
    assert promise(client.get("/c/scarves").get_data(as_text=True)) == "€30.00"
    with another_process(app):  # the other node's marketer: its commit bumps the offers' version
        make_offer(name="Ships free from €10", benefit="free_shipping", percent=None, min_subtotal=1000)
    assert promise(render_again(app, client, "/c/scarves")) == "€10.00"


def test_checkout_reads_the_offers_itself(app, shelf):
    """A locked re-read (`fresh`) never takes the kept rules: caps are judged on the rows."""
    make_offer(name="Ten off")
    now = utcnow()
    with in_request(app, "/"):
        assert [rule.name for rule in live_rules(now)] == ["Ten off"]
    with db.engine.begin() as connection:  # plain SQL past the session's events: no version is bumped
        connection.execute(sa.text("UPDATE offers SET cap_total = 5, redemptions_count = 5"))
    with in_request(app, "/"):
        assert [rule.sold_out for rule in live_rules(now)] == [False]  # kept (plain SQL must bump)
    with in_request(app, "/checkout/place", method="POST"):
        assert [rule.sold_out for rule in live_rules(now, fresh=True)] == [True]
    page_cache.bump(app)
    with in_request(app, "/"):
        assert [rule.sold_out for rule in live_rules(now)] == [True]
