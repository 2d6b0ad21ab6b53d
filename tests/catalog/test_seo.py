"""A shared product link unfurls as a rich card: Open Graph, Twitter Card and schema.org JSON-LD."""
from __future__ import annotations

import pytest

from storefront.catalog.models import ProductImage
from storefront.extensions import db
from tests.catalog.helpers import json_ld, read_head
from tests.factories import make_category, make_product


@pytest.fixture(autouse=True)
def shop_served_from_its_own_host(app, monkeypatch):
    """No public base URL: links are built on the host the request came to (localhost here)."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "")


def shared_sweater():
    category = make_category("Sweaters", slug="sweaters")
    product = make_product(
        "Harbour Sweater", category=category, slug="harbour", option_names=("Size",), brand="Ziemeļu Vilna",
        description="A heavy rib-knit fisherman sweater.\n\nHand-finished in Liepāja.",
        variants=[{"sku": "H-S", "options": {"Size": "S"}, "price": 8900, "compare_at_price": 11000, "stock": 3},
                  {"sku": "H-M", "options": {"Size": "M"}, "price": 9450, "stock": 0}])
    product.images.append(ProductImage(filename="products/harbour.jpg", alt="Navy sweater"))
    db.session.commit()
    return product


def test_product_page_has_open_graph_and_twitter_card_tags(client):
    shared_sweater()
    meta = read_head(client.get("/p/harbour").get_data(as_text=True)).meta

    assert meta["og:type"] == "product"
    assert meta["og:title"] == "Harbour Sweater"
    assert meta["og:description"] == "A heavy rib-knit fisherman sweater. Hand-finished in Liepāja."
    assert meta["og:url"] == "http://localhost/p/harbour"
    assert meta["og:image"] == "http://localhost/media/products/harbour.jpg"
    assert meta["product:price:amount"] == "89.00"
    assert meta["product:price:currency"] == "EUR"
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["twitter:title"] == "Harbour Sweater"
    assert meta["twitter:image"] == "http://localhost/media/products/harbour.jpg"


def test_links_use_the_public_base_url_when_set(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://shop.example.lv/")
    shared_sweater()
    page = client.get("/p/harbour").get_data(as_text=True)
    assert read_head(page).meta["og:url"] == "https://shop.example.lv/p/harbour"
    assert json_ld(page)["offers"][0]["url"].startswith("https://shop.example.lv/p/harbour?variant=")


def test_product_json_ld_has_an_offer_per_variant(client):
    product = shared_sweater()
    page = client.get("/p/harbour").get_data(as_text=True)
    data = json_ld(page)

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Product"
    assert data["name"] == "Harbour Sweater"
    assert data["image"] == ["http://localhost/media/products/harbour.jpg"]
    assert data["brand"] == {"@type": "Brand", "name": "Ziemeļu Vilna"}
    small, medium = product.variants
    assert data["offers"] == [
        {"@type": "Offer", "sku": "H-S", "name": "S", "price": "89.00", "priceCurrency": "EUR",
         "availability": "https://schema.org/InStock", "itemCondition": "https://schema.org/NewCondition",
         "url": f"http://localhost/p/harbour?variant={small.id}"},
        {"@type": "Offer", "sku": "H-M", "name": "M", "price": "94.50", "priceCurrency": "EUR",
         "availability": "https://schema.org/OutOfStock", "itemCondition": "https://schema.org/NewCondition",
         "url": f"http://localhost/p/harbour?variant={medium.id}"},
    ]


def test_json_ld_is_a_data_block_without_a_nonce_and_cannot_break_out_of_its_script(client):
    # A data block is never run, so the script policy does not apply to it: no per-response nonce,
    # and the page stays the same bytes for every visitor (and so cacheable).
    make_product("</script><script>alert(1)</script>", slug="evil", description="a & b < c")
    response = client.get("/p/evil")
    page = response.get_data(as_text=True)
    reader = read_head(page)
    assert reader.ld_nonce is None and "nonce-" not in response.headers["Content-Security-Policy"]
    assert "</script><script>alert(1)" not in page
    assert json_ld(page)["name"] == "</script><script>alert(1)</script>"


def test_product_without_pictures_still_shares_an_absolute_image(client):
    make_product("Plain Hat", slug="plain-hat")
    meta = read_head(client.get("/p/plain-hat").get_data(as_text=True)).meta
    assert meta["og:image"] == "http://localhost/static/img/placeholder.svg"
