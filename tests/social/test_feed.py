"""The catalog feed a social platform imports: Meta's CSV columns, one row per variant, cheap to fetch."""
import csv
import io

import sqlalchemy as sa

from storefront.catalog.models import Category, Product, ProductImage, Variant
from storefront.extensions import db
from tests.factories import make_product

HEADER = "id,title,description,availability,condition,price,link,image_link,brand,item_group_id,sale_price"


def feed_rows(client) -> list[dict]:
    response = client.get("/feeds/catalog.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def make_sweater() -> Product:
    product = make_product("Jūras sweater, \"navy\"", brand="Ziemeļu Vilna",
                           description="Merino wool.\n\nKnitted in Liepāja, by hand.",
                           option_names=("Size", "Colour"), variants=[
                               {"sku": "JURAS-M-NAVY", "options": {"Size": "M", "Colour": "Navy"},
                                "price": 12900, "stock": 4},
                               {"sku": "JURAS-L-GREY", "options": {"Size": "L", "Colour": "Grey"},
                                "price": 9900, "compare_at_price": 12900, "stock": 0},
                           ])
    product.images.append(ProductImage(filename="products/juras-front.jpg", position=0))
    grey = ProductImage(filename="products/juras-grey.jpg", position=1)
    product.images.append(grey)
    db.session.flush()
    product.variants[1].image_id = grey.id
    db.session.commit()
    return product


def test_the_feed_starts_with_metas_column_header_and_is_utf8_csv(client):
    make_sweater()
    response = client.get("/feeds/catalog.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.get_data().decode("utf-8").split("\r\n")[0] == HEADER


def test_each_variant_is_a_row_grouped_by_its_product_with_price_link_and_picture(client):
    product = make_sweater()
    navy, grey = product.variants
    rows = feed_rows(client)
    assert [row["id"] for row in rows] == ["JURAS-M-NAVY", "JURAS-L-GREY"]
    assert rows[0] == {
        "id": "JURAS-M-NAVY",
        "title": 'Jūras sweater, "navy" (M / Navy)',
        "description": "Merino wool. Knitted in Liepāja, by hand.",
        "availability": "in stock",
        "condition": "new",
        "price": "129.00 EUR",
        "link": f"http://shop.test/p/{product.slug}?variant={navy.id}",
        "image_link": "http://shop.test/media/products/juras-front.jpg",
        "brand": "Ziemeļu Vilna",
        "item_group_id": str(product.id),
        "sale_price": "",
    }
    assert rows[1]["item_group_id"] == str(product.id)


def test_a_variant_on_sale_shows_the_regular_price_and_the_sale_price_as_meta_asks(client):
    make_sweater()
    grey = feed_rows(client)[1]
    assert (grey["price"], grey["sale_price"]) == ("129.00 EUR", "99.00 EUR")
    assert grey["availability"] == "out of stock"
    assert grey["image_link"] == "http://shop.test/media/products/juras-grey.jpg"


def test_hidden_products_are_left_out_and_a_product_without_brand_or_picture_still_has_both(client, app):
    make_product("Hidden hat", active=False, variants=[{"sku": "HIDDEN-1"}])
    make_product("Plain socks", variants=[{"sku": "SOCKS-1", "price": 800}])
    [row] = feed_rows(client)
    assert row["id"] == "SOCKS-1"
    assert row["brand"] == app.config["SHOP_NAME"]
    assert row["image_link"] == "http://shop.test/static/img/placeholder.svg"


def test_links_use_the_request_host_when_no_public_address_is_set(client, app):
    make_product(variants=[{"sku": "HOST-1"}])
    app.config["PUBLIC_BASE_URL"] = ""
    try:
        row = client.get("/feeds/catalog.csv", base_url="https://tab.example.org").get_data(as_text=True)
    finally:
        app.config["PUBLIC_BASE_URL"] = "http://shop.test"
    assert "https://tab.example.org/p/" in row


def test_the_feed_may_be_cached_and_answers_not_modified_until_something_changes(client):
    product = make_sweater()
    first = client.get("/feeds/catalog.csv")
    assert first.headers["Cache-Control"] in ("public, max-age=300", "max-age=300, public")
    assert first.headers["ETag"] and first.headers["Last-Modified"]

    again = client.get("/feeds/catalog.csv", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""

    # A sale changes stock without touching the product's own row: the feed still changes.
    db.session.execute(sa.update(Variant).where(Variant.id == product.variants[0].id).values(stock=0))
    db.session.commit()
    changed = client.get("/feeds/catalog.csv", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert "out of stock" in changed.get_data(as_text=True).split("\r\n")[1]


def add_products(count: int) -> None:
    category = Category(name="Bulk", slug=f"bulk-{count}")
    db.session.add(category)
    existing = db.session.scalar(sa.select(sa.func.count(Product.id)))
    for n in range(existing, existing + count):
        product = Product(title=f"Bulk {n}", slug=f"bulk-{n}", category=category, option_names=["Size"])
        product.variants = [Variant(sku=f"BULK-{n}-{size}", options={"Size": size}, price=1000, stock=3)
                            for size in ("S", "M")]
        product.images = [ProductImage(filename=f"bulk/{n}.jpg")]
        db.session.add(product)
    db.session.commit()


def test_the_number_of_queries_does_not_grow_with_the_catalog(client, count_queries):
    add_products(10)
    with count_queries() as small:
        assert client.get("/feeds/catalog.csv").status_code == 200
    add_products(290)
    with count_queries() as large:
        body = client.get("/feeds/catalog.csv").get_data(as_text=True)
    assert body.count("\r\n") == 1 + 600
    assert large.count == small.count <= 3, large.statements
