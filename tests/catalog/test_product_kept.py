"""Each process keeps the product a product page shows (`catalog.kept`), its stock read live: a
page that a sale made stale is rendered again from the kept product and one stock statement, is
byte for byte the page rendered from the mapped rows, and an editor's change (on any node) is in
the very next page."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from storefront import page_cache
from storefront.catalog.models import Product, ProductImage, Variant
from storefront.extensions import db
from tests.factories import add_image, make_category, make_order, make_product
from tests.kept_support import another_process, statements_like

FULL_LOAD = re.compile(r"products\.description")  # only the whole product's statement reads it
STOCK_READ = re.compile(r"SELECT variants\.id, variants\.stock\s+FROM variants\s+WHERE variants\.product_id")


@pytest.fixture
def gansey():
    """Two options, pictures per colour, words in three languages, one variant on sale, one
    sold out, one nearly gone."""
    knitwear = make_category("Knitwear", slug="knitwear")
    product = make_product(
        title="Gansey", slug="gansey", category=knitwear, option_names=("Size", "Colour"),
        translations={"lv": {"title": "Zvejnieka džemperis", "description": "Adīts Rīgā.",
                             "options": {"Size": "Izmērs", "Colour": "Krāsa"},
                             "values": {"Colour": {"Navy": "Tumši zils", "Sand": "Smilšu"}}},
                      "es": {"title": "Jersey de pescador", "options": {"Colour": "Color"},
                             "values": {"Colour": {"Navy": "Azul marino"}}}},
        variants=[{"options": {"Size": "S", "Colour": "Navy"}, "price": 8900, "stock": 12},
                  {"options": {"Size": "M", "Colour": "Navy"}, "price": 8900, "compare_at_price": 9900, "stock": 3},
                  {"options": {"Size": "S", "Colour": "Sand"}, "price": 9400, "stock": 0},
                  {"options": {"Size": "M", "Colour": "Sand"}, "price": 9400, "stock": 1}])
    navy, sand = add_image(product, "demo/navy.jpg", "Navy gansey"), add_image(product, "demo/sand.jpg", "")
    for variant in product.variants:
        variant.image = navy if variant.options["Colour"] == "Navy" else sand
    make_product(title="Cap", slug="cap", category=knitwear)  # a related product
    db.session.commit()
    return product


@pytest.fixture
def statements(app):
    with statements_like() as seen:
        yield seen


def render_again(app, client, path: str, headers: dict | None = None) -> str:
    """The page rendered anew, as after a sale bumped every page's version (the product's stays)."""
    page_cache._bump_pages(app)
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200, path
    assert response.headers.get("X-Cache") != "HIT"
    return response.get_data(as_text=True)


def rendered_whole(app, client, path: str, headers: dict) -> str:
    app.extensions["page_cache_paused"] = True  # the mapped rows, nothing kept
    try:
        return client.get(path, headers=headers).get_data(as_text=True)
    finally:
        app.extensions["page_cache_paused"] = False


def stock_labels(page: str) -> list[str]:
    return re.findall(r'data-variant-stock-label="([^"]*)"', page)


@pytest.mark.parametrize("language", ["en", "es", "lv"])
def test_the_kept_product_s_page_is_the_page_of_the_mapped_rows(app, client, gansey, language):
    headers = {"Accept-Language": language}
    ids = [variant.id for variant in gansey.variants]
    for path in ("/p/gansey", f"/p/gansey?lang={language}", f"/p/gansey?variant={ids[1]}",
                 f"/p/gansey?variant={ids[2]}", "/p/cap"):
        render_again(app, client, path, headers)  # kept …
        kept = render_again(app, client, path, headers)  # … and shown from what was kept
        assert kept == rendered_whole(app, client, path, headers), path


def test_a_sale_renders_the_page_again_from_the_kept_product_and_its_live_stock(app, client, gansey, statements):
    assert stock_labels(render_again(app, client, "/p/gansey")) == ["In stock", "Only 3 left", "Sold out", "Only 1 left"]
    statements.clear()
    small_navy = db.session.get(Variant, gansey.variants[0].id)
    with app.test_request_context("/"):
        make_order(small_navy, 8)  # in stock → only a few left: every page is stale
    statements.clear()
    page = client.get("/p/gansey")
    assert page.headers.get("X-Cache") != "HIT"
    assert stock_labels(page.get_data(as_text=True)) == ["Only 4 left", "Only 3 left", "Sold out", "Only 1 left"]
    assert not any(FULL_LOAD.search(s) for s in statements)
    assert sum(bool(STOCK_READ.search(s)) for s in statements) == 1


def test_an_editor_s_change_is_in_the_next_page(app, client, gansey):
    render_again(app, client, "/p/gansey")
    db.session.get(Product, gansey.id).title = "Fisherman's gansey"
    db.session.commit()
    assert "Fisherman&#39;s gansey" in render_again(app, client, "/p/gansey")

    db.session.get(Variant, gansey.variants[0].id).price = 7900
    db.session.commit()
    assert 'data-variant-price="€79.00"' in render_again(app, client, "/p/gansey")

    image = db.session.scalars(sa.select(ProductImage).where(ProductImage.filename == "demo/navy.jpg")).one()
    image.alt = "A navy gansey, folded"
    db.session.commit()
    assert 'alt="A navy gansey, folded"' in render_again(app, client, "/p/gansey")

    db.session.get(Product, gansey.id).active = False
    db.session.commit()
    page_cache._bump_pages(app)
    assert client.get("/p/gansey").status_code == 404


def test_plain_sql_is_read_after_a_bump(app, client, gansey):
    render_again(app, client, "/p/gansey")
    with db.engine.begin() as connection:  # past the session's events: nothing is bumped
        connection.execute(sa.text("UPDATE variants SET price = 5000"))
    assert 'data-variant-price="€89.00"' in render_again(app, client, "/p/gansey")  # kept (plain SQL must bump)
    page_cache.bump(app)
    assert 'data-variant-price="€50.00"' in client.get("/p/gansey").get_data(as_text=True)


def test_stock_taken_or_returned_keeps_the_product_and_any_other_variant_write_does_not(app, gansey):
    from storefront.catalog.stock import return_stock, take_stock

    store = app.extensions["page_cache"]
    marker = page_cache._section_marker("products")

    def bumped(write) -> bool:
        before = store.read_marker(marker)
        write()
        db.session.commit()
        return store.read_marker(marker) != before

    variant_id = gansey.variants[0].id
    assert not bumped(lambda: take_stock({variant_id: 2}))
    assert not bumped(lambda: return_stock({variant_id: 2}))
    assert bumped(lambda: db.session.execute(sa.update(Variant).where(Variant.id == variant_id).values(stock=40)))
    assert bumped(lambda: setattr(db.session.get(Variant, variant_id), "sku", "GANSEY-S-NAVY"))


def test_a_product_written_by_another_process_is_in_this_one_s_next_page(app, client, gansey):
    render_again(app, client, "/p/gansey")
    with another_process(app):
        db.session.get(Product, gansey.id).title = "Harbour gansey"
        db.session.commit()
    assert "Harbour gansey" in render_again(app, client, "/p/gansey")


def test_outside_a_get_request_the_page_reads_the_mapped_product(app, client, gansey):
    """A refused add to cart renders the product page again, from the rows."""
    render_again(app, client, "/p/gansey")
    response = client.post("/cart/add", data={"product_id": gansey.id, "variant_id": gansey.variants[2].id,
                                              "quantity": "1"})
    assert response.status_code in (400, 409, 422)
    assert stock_labels(response.get_data(as_text=True)) == ["In stock", "Only 3 left", "Sold out", "Only 1 left"]
