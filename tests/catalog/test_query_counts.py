"""Pages run the same number of SQL statements whatever the size of the catalog or of a product."""
from __future__ import annotations

from tests.catalog.helpers import bulk_products
from tests.factories import make_category, make_product


def statements_for(client, count_queries, url: str) -> int:
    client.get(url)  # warm up: first-request work is not what we measure
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def test_shop_pages_run_as_many_queries_with_1000_products_as_with_10(client, count_queries):
    category = make_category("Sweaters", slug="sweaters")
    make_category("Hats", slug="hats")
    featured = make_product("Featured Sweater", category=category, slug="featured",
                            variants=[{"price": 5000, "compare_at_price": 6000}])
    bulk_products(category, 9)
    client.post("/cart/add", data={"variant_id": featured.variants[0].id, "quantity": "1", "product_id": featured.id})
    urls = ["/", "/c/sweaters", "/c/sweaters?sort=price_desc", "/search?q=wool", "/p/featured", "/cart/"]

    small = {url: statements_for(client, count_queries, url) for url in urls}
    bulk_products(category, 990, prefix="more")
    large = {url: statements_for(client, count_queries, url) for url in urls}

    assert large == small


def test_product_page_runs_as_many_queries_with_30_variants_as_with_2(client, count_queries):
    category = make_category("Socks", slug="socks")
    two = make_product("Two", category=category, slug="two",
                       variants=[{"options": {"Size": f"{n}"}} for n in range(2)])
    thirty = make_product("Thirty", category=category, slug="thirty",
                          variants=[{"options": {"Size": f"{n}"}} for n in range(30)])
    assert len(two.variants) == 2 and len(thirty.variants) == 30

    assert statements_for(client, count_queries, "/p/two") == statements_for(client, count_queries, "/p/thirty")


def test_the_cart_page_runs_as_many_queries_with_one_line_as_with_ten(client, count_queries):
    category = make_category("Socks", slug="socks")
    products = [make_product(f"Sock {n}", category=category) for n in range(10)]
    client.post("/cart/add", data={"variant_id": products[0].variants[0].id, "quantity": "1"})
    one_line = statements_for(client, count_queries, "/cart/")
    for product in products[1:]:
        client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": "1"})
    assert statements_for(client, count_queries, "/cart/") == one_line
