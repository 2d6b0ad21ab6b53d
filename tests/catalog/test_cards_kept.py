"""Each process keeps product cards (`catalog.browse.run_cards`: category listings, the home
page's shelves, related products) while no product, variant or picture is written and no variant
runs out or comes back: a card shows stock only as "sold out", so a sale that leaves every card
as it was renders the pages again without reading them, and one that turns a card is in the very
next page."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from storefront import page_cache
from storefront.catalog.models import Variant
from storefront.catalog.service import refresh_price_min
from storefront.catalog.stock import return_stock, take_stock
from storefront.extensions import db
from tests.factories import make_category, make_product
from tests.kept_support import statements_like

CARD_READ = r"SELECT products\.id, products\.slug, products\.title, products\.price_min"


@pytest.fixture
def shelf():
    hats = make_category("Hats", slug="hats")
    beanie = make_product(title="Beanie", slug="beanie", category=hats,
                          variants=[{"price": 2900, "stock": 8}, {"price": 2900, "stock": 1}])
    make_product(title="Beret", slug="beret", category=hats, variants=[{"price": 3400, "stock": 1}])
    return beanie


@pytest.fixture
def card_reads(app):
    with statements_like(CARD_READ) as seen:
        yield seen


def sold(variant_ids: dict[int, int], *, back: bool = False) -> None:
    """A sale (or its units returned), as checkout's own statements make it; every page is stale."""
    (return_stock if back else take_stock)(variant_ids)
    page_cache.mark_pages_changed()
    db.session.commit()


def sold_out_cards(client, path: str = "/c/hats") -> list[str]:
    response = client.get(path)
    assert response.status_code == 200 and response.headers.get("X-Cache") != "HIT"
    page = response.get_data(as_text=True)
    cards = re.findall(r'<article class="card( is-sold-out)?" data-product-card>.*?card-title">([^<]+)<', page, re.S)
    return [title for sold_out, title in cards if sold_out]


def test_a_sale_that_turns_no_card_reads_no_card(app, client, shelf, card_reads):
    assert sold_out_cards(client) == []
    assert client.get("/").status_code == 200 and client.get("/p/beret").status_code == 200
    card_reads.clear()
    sold({shelf.variants[0].id: 3})  # in stock → a few left: every page is rendered again …
    assert sold_out_cards(client) == []
    assert client.get("/").status_code == 200 and client.get("/p/beret").status_code == 200
    assert card_reads == []  # … from the cards kept


def test_a_card_says_sold_out_from_the_sale_that_ran_its_product_out_and_no_longer_once_units_return(
        app, client, shelf, card_reads):
    beret = db.session.scalars(sa.select(Variant).where(Variant.price == 3400)).one()
    assert sold_out_cards(client) == []
    sold({shelf.variants[1].id: 1})  # one of the beanie's variants runs out: its card stands
    assert sold_out_cards(client) == []
    sold({beret.id: 1})
    assert sold_out_cards(client) == ["Beret"]
    assert "is-sold-out" in client.get("/p/beanie").get_data(as_text=True)  # among its related products
    sold({beret.id: 1}, back=True)
    assert sold_out_cards(client) == []


def test_an_editor_s_change_is_on_the_next_cards(app, client, shelf):
    assert "€29.00" in client.get("/c/hats").get_data(as_text=True)
    beanie = db.session.get(type(shelf), shelf.id)
    for variant in beanie.variants:
        variant.price = 2500
    refresh_price_min(beanie)  # as the catalog's editing does
    db.session.commit()
    assert "€25.00" in client.get("/c/hats").get_data(as_text=True)


def test_a_search_s_cards_are_not_kept(app, client, shelf):
    """A search's words come from the visitor: each would be a value kept, crowding out the rest."""
    for n in range(5):
        assert client.get(f"/search?q=beanie+x{n}").status_code == 200
    kept = app.extensions.get("page_cache_memos", {})
    assert not any(name == "cards" and "search" in str(key[0]).lower() for name, key in kept)
    assert not any(name == "cards" and any("x3" in str(part) for part in key) for name, key in kept)
