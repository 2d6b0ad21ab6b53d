"""A refused add to cart (sold out, too many) shows the product page again. It wrote nothing, so
it is built as the product page's GET is, from what each process keeps (`page_cache.shows_a_page`):
in a flash sale most adds are refused, and each used to read and render the whole page from the
rows. Same bytes as the page rendered whole; an editor's change is in the next one; a request that
wrote keeps nothing."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import g

from storefront import page_cache
from storefront.catalog.models import Product
from storefront.extensions import db
from tests.catalog.test_product_kept import FULL_LOAD, STOCK_READ, gansey  # noqa: F401 (a fixture)
from tests.kept_support import another_process, statements_like

REVIEW_READ = re.compile(r"FROM reviews\b")
CATEGORY_READ = re.compile(r"FROM categories\b")


def refused_add(client, product, variant_index: int, quantity: int, headers: dict | None = None):
    variant = product.variants[variant_index]
    response = client.post("/cart/add", headers=headers or {},
                           data={"product_id": product.id, "variant_id": variant.id, "quantity": str(quantity)})
    assert response.status_code == 409, response.status_code
    assert "set-cookie" not in {name.lower() for name in response.headers.keys()}  # nothing was started
    return response.get_data(as_text=True)


def refused_whole(app, client, product, variant_index, quantity, headers) -> str:
    app.extensions["page_cache_paused"] = True  # the mapped rows, nothing kept
    try:
        return refused_add(client, product, variant_index, quantity, headers)
    finally:
        app.extensions["page_cache_paused"] = False


@pytest.mark.parametrize("language, messages", [
    ("en", ("Sorry, this item is sold out.", "Only 3 left in stock.", "Only 12 left in stock.")),
    ("lv", ("Atvainojiet, šī prece ir izpārdota.", "Noliktavā palika tikai 3.", "Noliktavā palika tikai 12.")),
])
def test_a_refused_add_built_from_kept_parts_is_the_page_rendered_whole(app, client, gansey, language, messages):
    headers = {"Accept-Language": language}
    for (variant_index, quantity), message in zip(((2, 1), (1, 4), (0, 13)), messages):  # sold out; too many
        refused_add(client, gansey, variant_index, quantity, headers)  # kept …
        kept = refused_add(client, gansey, variant_index, quantity, headers)  # … and built from it
        assert kept == refused_whole(app, client, gansey, variant_index, quantity, headers)
        assert message in kept


def test_a_refused_add_reads_only_the_stock_once_the_page_is_kept(app, client, gansey):
    client.get("/p/gansey")
    refused_add(client, gansey, 2, 1)
    with statements_like() as statements:
        page = refused_add(client, gansey, 2, 1)
    assert "Sold out" in page
    assert sum(bool(STOCK_READ.search(s)) for s in statements) == 1
    for read in (FULL_LOAD, REVIEW_READ, CATEGORY_READ):
        assert not any(read.search(s) for s in statements), read.pattern


def test_an_editor_s_change_on_another_node_is_in_the_next_refused_add(app, client, gansey):
    assert "Gansey" in refused_add(client, gansey, 2, 1)
    with another_process(app):
        db.session.get(Product, gansey.id).title = "Fisherman's gansey"
        db.session.commit()
    assert "Fisherman&#39;s gansey" in refused_add(client, gansey, 2, 1)


def test_only_a_request_that_shows_a_page_and_wrote_nothing_uses_what_is_kept(app, gansey):
    with app.test_request_context("/p/gansey"):
        assert page_cache.shows_a_page()
    with app.test_request_context("/cart/add", method="POST"):
        assert not page_cache.shows_a_page()  # a POST showing no page: its own answer
        g.page_endpoint = ("catalog.product", {"slug": "gansey"})
        assert page_cache.shows_a_page()  # a refused form showing its GET page
        db.session.get(Product, gansey.id).brand = "Ziemeļu Vilna"
        assert not page_cache.shows_a_page()  # a write in progress
        db.session.commit()
        assert not page_cache.shows_a_page()  # it committed: it reads its own writes from now on
    with app.test_request_context("/cart/add", method="POST"):
        g.page_endpoint = ("catalog.product", {"slug": "gansey"})
        db.session.execute(sa.update(Product).where(Product.id == gansey.id).values(brand="Other"))
        db.session.rollback()
        assert page_cache.shows_a_page()  # rolled back: nothing of it stands


def test_a_refused_add_with_made_up_query_arguments_stores_no_copy_of_its_own(app, client, gansey):
    """The reviews section a refused add shows is stored under the add's path alone: junk in its
    query (anyone can post to /cart/add?anything) is not a new copy, read and stored again."""
    refused_add(client, gansey, 2, 1)
    variant = gansey.variants[2]
    with statements_like(REVIEW_READ.pattern) as reads:
        for n in range(3):
            response = client.post(f"/cart/add?junk={n}", data={"product_id": gansey.id, "variant_id": variant.id,
                                                                 "quantity": "1"})
            assert response.status_code == 409
    assert reads == []
