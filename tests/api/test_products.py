"""The product API: what a partner sees when listing and opening products."""
from __future__ import annotations

import pytest

from storefront.extensions import db
from tests.factories import add_image, make_category, make_product


def test_product_list_shows_active_products_with_prices_stock_and_images(api):
    hats = make_category("Hats", slug="hats")
    hat = make_product("Wool hat", category=hats, brand="Ziemeļu Vilna", variants=[
        {"sku": "HAT-S", "price": 2500, "stock": 3, "compare_at_price": 3200},
        {"sku": "HAT-M", "price": 2700, "stock": 0},
    ])
    add_image(hat, "hats/wool-hat.jpg", alt="A grey wool hat")
    make_product("Hidden draft", category=hats, active=False)

    response = api.get("/api/v1/products")

    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.json["pagination"] == {"total": 1, "page": 1, "per_page": 20, "pages": 1}
    [item] = response.json["items"]
    assert item["title"] == "Wool hat"
    assert item["brand"] == "Ziemeļu Vilna"
    assert item["category"] == "hats"
    assert (item["price_min"], item["price_max"], item["currency"]) == (2500, 2700, "EUR")
    assert item["compare_at_price"] == 3200
    assert item["price_min_formatted"] == "€25.00"
    assert item["in_stock"] is True
    assert item["image"] == "http://localhost/media/hats/wool-hat.jpg"


def test_product_list_pages_through_the_catalog(api):
    category = make_category()
    for n in range(5):
        make_product(f"Scarf {n}", category=category)

    first = api.get("/api/v1/products?per_page=2&sort=name").json
    last = api.get("/api/v1/products?per_page=2&page=3&sort=name").json
    beyond = api.get("/api/v1/products?per_page=2&page=4&sort=name").json

    assert first["pagination"] == {"total": 5, "page": 1, "per_page": 2, "pages": 3}
    assert [p["title"] for p in first["items"]] == ["Scarf 0", "Scarf 1"]
    assert [p["title"] for p in last["items"]] == ["Scarf 4"]
    assert beyond["items"] == [] and beyond["pagination"]["total"] == 5


def test_product_list_filters_by_category_with_its_subcategories(api):
    knitwear = make_category("Knitwear", slug="knitwear")
    sweaters = make_category("Sweaters", slug="sweaters", parent=knitwear)
    socks = make_category("Socks", slug="socks")
    make_product("Fisherman sweater", category=sweaters)
    make_product("Knitted vest", category=knitwear)
    make_product("Hiking socks", category=socks)

    titles = sorted(p["title"] for p in api.get("/api/v1/products?category=knitwear").json["items"])

    assert titles == ["Fisherman sweater", "Knitted vest"]


def test_product_list_searches_titles_and_descriptions(api):
    category = make_category()
    make_product("Linen shirt", category=category, description="Light and cool")
    make_product("Wool coat", category=category, description="Warm, with linen lining")
    make_product("Rain boots", category=category, description="Waterproof")

    found = api.get("/api/v1/products?q=LINEN&sort=name").json

    assert [p["title"] for p in found["items"]] == ["Linen shirt", "Wool coat"]
    assert found["pagination"]["total"] == 2


def test_product_list_searches_every_language_without_accents_within_a_category(api):
    knitwear, socks = make_category(slug="knitwear"), make_category(slug="socks")
    make_product("Gauja sweater", category=knitwear, translations={"lv": {"title": "Gaujas džemperis"},
                                                                    "es": {"title": "Jersey Gauja"}})
    make_product("Gauja socks", category=socks, translations={"lv": {"title": "Gaujas zeķes"}})
    make_product("Rain boots", category=knitwear)

    latvian = api.get("/api/v1/products?q=dzemperis", headers={"Accept-Language": "lv"}).json
    spanish = api.get("/api/v1/products?q=JERSEY&lang=es").json
    in_knitwear = api.get("/api/v1/products?q=gauja&category=knitwear").json
    no_word = api.get("/api/v1/products?q=%25%2A%3A").json

    assert [p["title"] for p in latvian["items"]] == ["Gaujas džemperis"]
    assert [p["title"] for p in spanish["items"]] == ["Jersey Gauja"]
    assert [p["title"] for p in in_knitwear["items"]] == ["Gauja sweater"]
    assert no_word["items"] == [] and no_word["pagination"]["total"] == 0


@pytest.mark.parametrize(("sort", "expected"), [
    ("price_asc", ["Mittens", "Beanie", "Cardigan"]),
    ("price_desc", ["Cardigan", "Beanie", "Mittens"]),
    ("name", ["Beanie", "Cardigan", "Mittens"]),
    ("newest", ["Cardigan", "Mittens", "Beanie"]),
])
def test_product_list_sorts_by_price_name_or_newest(api, sort, expected):
    category = make_category()
    make_product("Beanie", category=category, variants=[{"price": 1900}])
    make_product("Mittens", category=category, variants=[{"price": 1500}])
    make_product("Cardigan", category=category, variants=[{"price": 8900}, {"price": 7900}])

    items = api.get(f"/api/v1/products?sort={sort}").json["items"]

    assert [p["title"] for p in items] == expected


def test_product_detail_has_variants_with_stock_images_and_category(api):
    coats = make_category("Coats", slug="coats")
    coat = make_product("Pea coat", category=coats, option_names=("Size", "Colour"), description="Double-breasted",
                        variants=[
                            {"sku": "COAT-M-NAVY", "options": {"Size": "M", "Colour": "Navy"}, "price": 14900,
                             "compare_at_price": 17900, "stock": 12},
                            {"sku": "COAT-L-NAVY", "options": {"Size": "L", "Colour": "Navy"}, "price": 14900,
                             "stock": 2},
                            {"sku": "COAT-L-GREY", "options": {"Size": "L", "Colour": "Grey"}, "price": 15900,
                             "stock": 0},
                        ])
    front = add_image(coat, "coats/front.jpg", alt="Front")
    grey = add_image(coat, "coats/grey.jpg", alt="Grey")
    coat.variants[2].image = grey
    db.session.commit()
    product_id, coats_id, front_url = coat.id, coats.id, "http://localhost/media/coats/front.jpg"
    assert front.position == 0

    response = api.get(f"/api/v1/products/{product_id}")

    assert response.status_code == 200
    body = response.json
    assert body["title"] == "Pea coat" and body["description"] == "Double-breasted"
    assert body["category"] == {"id": coats_id, "slug": "coats", "name": "Coats"}
    assert body["option_names"] == ["Size", "Colour"]
    assert [image["url"] for image in body["images"]] == [front_url, "http://localhost/media/coats/grey.jpg"]
    by_sku = {v["sku"]: v for v in body["variants"]}
    assert list(by_sku) == ["COAT-M-NAVY", "COAT-L-NAVY", "COAT-L-GREY"]
    navy_m = by_sku["COAT-M-NAVY"]
    assert navy_m["options"] == {"Size": "M", "Colour": "Navy"} and navy_m["label"] == "M / Navy"
    assert (navy_m["price"], navy_m["compare_at_price"], navy_m["currency"]) == (14900, 17900, "EUR")
    assert navy_m["on_sale"] is True and navy_m["price_formatted"] == "€149.00"
    assert (navy_m["stock_state"], navy_m["available"], navy_m["stock_label"]) == ("in_stock", 12, "In stock")
    assert navy_m["image"] == front_url
    assert (by_sku["COAT-L-NAVY"]["stock_state"], by_sku["COAT-L-NAVY"]["available"]) == ("low", 2)
    assert by_sku["COAT-L-NAVY"]["stock_label"] == "Only 2 left"
    assert (by_sku["COAT-L-GREY"]["stock_state"], by_sku["COAT-L-GREY"]["available"]) == ("sold_out", 0)
    assert by_sku["COAT-L-GREY"]["image"] == "http://localhost/media/coats/grey.jpg"


def test_product_without_pictures_has_no_image_urls(api):
    product_id = make_product("Gift card").id

    body = api.get(f"/api/v1/products/{product_id}").json

    assert body["image"] is None and body["images"] == [] and body["variants"][0]["image"] is None


@pytest.mark.parametrize("product_id", ["999999", "2147483647", "99999999999999999999999"])
def test_unknown_product_is_a_json_404(api, product_id):
    make_product()

    response = api.get(f"/api/v1/products/{product_id}")

    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert response.json["error"]["code"] in {"product_not_found", "not_found"}
    assert response.json["error"]["message"]


def test_an_inactive_product_cannot_be_opened(api):
    product_id = make_product("Withdrawn", active=False).id

    response = api.get(f"/api/v1/products/{product_id}")

    assert response.status_code == 404
    assert response.json["error"]["code"] == "product_not_found"


def test_unknown_category_is_a_json_404(api):
    response = api.get("/api/v1/products?category=no-such-category")

    assert response.status_code == 404
    assert response.json["error"]["code"] == "category_not_found"


@pytest.mark.parametrize(("query", "field"), [
    ("per_page=0", "per_page"),
    ("per_page=101", "per_page"),
    ("per_page=ten", "per_page"),
    ("page=0", "page"),
    ("page=1.5", "page"),
    ("page=99999999999999999999", "page"),
    ("sort=cheapest", "sort"),
])
def test_bad_list_parameters_are_refused_naming_the_parameter(api, query, field):
    make_product()

    response = api.get(f"/api/v1/products?{query}")

    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"
    assert response.json["error"]["field"] == field
    assert response.json["error"]["message"]


def _catalog_of(count: int) -> None:
    categories = [make_category() for _ in range(3)]
    for n in range(count):
        product = make_product(category=categories[n % 3], variants=[{"price": 1000 + n}, {"price": 2000 + n}])
        add_image(product, f"p{n}.jpg")


def test_product_list_runs_the_same_queries_for_10_and_1000_products(api, count_queries):
    def queries_for_listing() -> int:
        urls = ["/api/v1/products?per_page=100", "/api/v1/products?per_page=4&sort=price_desc&page=2",
                "/api/v1/products?per_page=100&q=product", "/api/v1/products?per_page=100&category=" + slug]
        counts = []
        for url in urls:
            with count_queries() as counter:
                assert api.get(url).status_code == 200
            counts.append(counter.count)
            statements.append(counter.statements)
        return counts

    statements = []
    _catalog_of(10)
    slug = make_category(slug="pinned").slug
    small = queries_for_listing()
    _catalog_of(990)
    large = queries_for_listing()

    assert api.get("/api/v1/products?per_page=100").json["pagination"]["total"] == 1000
    assert small == large
    assert max(large) <= 6, statements


def test_product_detail_runs_the_same_queries_for_1_and_40_variants(api, count_queries):
    one = make_product(variants=[{}]).id
    many = make_product(variants=[{"sku": f"MANY-{n}", "options": {"Size": str(n)}} for n in range(40)]).id

    counts = []
    for product_id in (one, many):
        with count_queries() as counter:
            assert api.get(f"/api/v1/products/{product_id}").status_code == 200
        counts.append(counter.count)

    assert counts[0] == counts[1]
