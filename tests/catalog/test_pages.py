"""The catalog pages as a shopper sees them: home, category, product and search."""
from __future__ import annotations

import datetime as dt

from storefront.database import utcnow
from storefront.extensions import db
from tests.catalog.helpers import card_titles
from tests.factories import make_category, make_product


def made_at(product, minutes_ago: int):
    product.created_at = utcnow() - dt.timedelta(minutes=minutes_ago)
    db.session.commit()
    return product


def test_home_shows_the_brand_its_categories_new_arrivals_and_sale_items(client):
    sweaters = make_category("Sweaters", slug="sweaters")
    make_category("Hats", slug="hats")
    make_product("Harbour Sweater", category=sweaters, variants=[{"price": 8900, "compare_at_price": 11000}])
    make_product("Dune Cardigan", category=sweaters, variants=[{"price": 7400}])

    page = client.get("/").get_data(as_text=True)

    assert "Ziemeļu Vilna" in page and "Knitwear from the Baltic coast" in page
    assert 'href="/c/sweaters"' in page and 'href="/c/hats"' in page
    assert "New arrivals" in page and "Dune Cardigan" in page
    assert "On sale now" in page
    assert "€110.00" in page and "€89.00" in page


def test_home_without_products_still_welcomes_the_shopper(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "New pieces are on the needles" in response.get_data(as_text=True)


def test_category_page_shows_breadcrumbs_subcategories_and_products_below_it(client):
    knitwear = make_category("Knitwear", slug="knitwear")
    cardigans = make_category("Cardigans", parent=knitwear, slug="cardigans")
    make_product("Dune Cardigan", category=cardigans)
    make_product("Harbour Sweater", category=knitwear)

    page = client.get("/c/knitwear").get_data(as_text=True)
    assert '<h1>Knitwear</h1>' in page
    assert 'href="/c/cardigans"' in page
    assert sorted(card_titles(page)) == ["Dune Cardigan", "Harbour Sweater"]
    assert "2 products" in page

    sub = client.get("/c/cardigans").get_data(as_text=True)
    assert 'href="/c/knitwear">Knitwear</a>' in sub  # breadcrumb back to the parent
    assert card_titles(sub) == ["Dune Cardigan"]


def test_category_pages_paginate(client):
    category = make_category("Socks", slug="socks")
    for n in range(14):
        made_at(make_product(f"Sock {n:02d}", category=category), minutes_ago=n)

    first = client.get("/c/socks").get_data(as_text=True)
    second = client.get("/c/socks?page=2").get_data(as_text=True)

    assert card_titles(first) == [f"Sock {n:02d}" for n in range(12)]
    assert card_titles(second) == ["Sock 12", "Sock 13"]
    assert "Page 1 of 2" in first and 'href="/c/socks?page=2"' in first
    assert "Page 2 of 2" in second and 'rel="prev"' in second


def test_a_nonsense_or_huge_page_number_is_not_an_error(client):
    category = make_category("Socks", slug="socks")
    make_product("Sock", category=category)
    assert card_titles(client.get("/c/socks?page=abc").get_data(as_text=True)) == ["Sock"]
    far = client.get("/c/socks?page=99999999999999999999999")
    assert far.status_code == 200
    assert "There is nothing on this page." in far.get_data(as_text=True)


def test_category_sorts_by_newest_price_and_name(client):
    category = make_category("Hats", slug="hats")
    made_at(make_product("Beret", category=category, variants=[{"price": 3000}]), minutes_ago=30)
    made_at(make_product("Arctic Beanie", category=category, variants=[{"price": 4500}]), minutes_ago=10)
    made_at(make_product("Cloche", category=category, variants=[{"price": 1900}]), minutes_ago=20)

    def titles(sort):
        return card_titles(client.get(f"/c/hats?sort={sort}").get_data(as_text=True))

    assert titles("newest") == ["Arctic Beanie", "Cloche", "Beret"]
    assert titles("price_asc") == ["Cloche", "Beret", "Arctic Beanie"]
    assert titles("price_desc") == ["Arctic Beanie", "Beret", "Cloche"]
    assert titles("name") == ["Arctic Beanie", "Beret", "Cloche"]
    assert titles("bogus") == titles("newest")
    page = client.get("/c/hats?sort=price_desc").get_data(as_text=True)
    assert '<option value="price_desc" selected>' in page


def test_cards_show_from_price_strike_through_and_badges(client):
    category = make_category("Sweaters", slug="sweaters")
    make_product("Range Sweater", category=category, variants=[{"price": 5000}, {"price": 6000}])
    make_product("Sale Sweater", category=category, variants=[{"price": 4000, "compare_at_price": 5500}])
    make_product("Gone Sweater", category=category, variants=[{"price": 4000, "stock": 0}])

    page = client.get("/c/sweaters").get_data(as_text=True)
    assert '<span class="price-from">from</span>' in page
    assert "€55.00</s>" in page
    assert 'badge-sale">Sale<' in page
    assert 'badge-soldout">Sold out<' in page


def test_product_page_shows_price_options_stock_and_tax_note(client):
    category = make_category("Sweaters", slug="sweaters")
    product = make_product(
        "Harbour Sweater", category=category, slug="harbour", option_names=("Size", "Colour"),
        description="Rib-knit fisherman sweater.",
        variants=[{"sku": "H-S", "options": {"Size": "S", "Colour": "Navy"}, "price": 8900, "compare_at_price": 11000, "stock": 3},
                  {"sku": "H-M", "options": {"Size": "M", "Colour": "Navy"}, "price": 8900, "stock": 40},
                  {"sku": "H-L", "options": {"Size": "L", "Colour": "Oat"}, "price": 9500, "stock": 0}])

    page = client.get("/p/harbour").get_data(as_text=True)

    assert "<h1 class=\"product-title\">Harbour Sweater</h1>" in page
    assert "Rib-knit fisherman sweater." in page
    assert "VAT included" in page
    assert 'data-price>€89.00<' in page and "€110.00" in page
    assert "Only 3 left" in page and "In stock" in page and "Sold out" in page
    assert page.count('name="variant_id"') == 3
    for variant in product.variants:
        assert f'value="{variant.id}"' in page
    assert 'name="quantity"' in page and "Add to cart" in page
    assert 'href="/c/sweaters">Sweaters</a>' in page


def test_product_page_preselects_the_requested_or_first_available_variant(client):
    product = make_product(variants=[{"stock": 0, "price": 1000}, {"stock": 4, "price": 2000}, {"stock": 9, "price": 3000}])
    first_available, last = product.variants[1], product.variants[2]

    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert f'value="{first_available.id}"\n                     checked' in page
    assert 'data-price>€20.00<' in page

    chosen = client.get(f"/p/{product.slug}?variant={last.id}").get_data(as_text=True)
    assert 'data-price>€30.00<' in chosen


def test_sold_out_product_cannot_be_added(client):
    product = make_product(variants=[{"stock": 0}])
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "Sold out" in page
    assert "data-add-to-cart disabled" in page


def test_prices_without_tax_say_plus_vat(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PRICES_INCLUDE_TAX", False)
    product = make_product()
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "Plus VAT" in page and "VAT included" not in page


def test_unknown_product_and_category_are_friendly_404s(client):
    for url in ("/p/no-such-sweater", "/c/no-such-category"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 404
        assert "Page not found" in page
        assert "Back to the shop" in page


def test_unknown_product_404_speaks_the_shoppers_language(client):
    spanish = client.get("/p/no-such-sweater", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Página no encontrada" in spanish
    latvian = client.get("/c/nothing?lang=lv").get_data(as_text=True)
    assert "Lapa nav atrasta" in latvian


def test_inactive_products_are_not_shown(client):
    category = make_category("Hats", slug="hats")
    hidden = make_product("Hidden Hat", category=category, active=False)
    assert "Hidden Hat" not in client.get("/c/hats").get_data(as_text=True)
    assert client.get(f"/p/{hidden.slug}").status_code == 404


def test_user_text_is_escaped(client):
    category = make_category("<b>Bold</b>", slug="bold")
    make_product("<script>alert(1)</script>", category=category, slug="xss",
                 description="<img src=x onerror=alert(1)>")
    page = client.get("/p/xss").get_data(as_text=True) + client.get("/c/bold").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


class TestSearch:
    def test_finds_products_by_name_and_by_description(self, client):
        make_product("Harbour Sweater", description="Heavy rib knit.")
        make_product("Dune Cardigan", description="Soft merino with horn buttons.")
        make_product("Bobble Hat", description="Red and warm.")

        by_name = client.get("/search?q=harbour").get_data(as_text=True)
        by_description = client.get("/search?q=MERINO").get_data(as_text=True)

        assert card_titles(by_name) == ["Harbour Sweater"]
        assert card_titles(by_description) == ["Dune Cardigan"]
        assert "1 product found" in by_name

    def test_percent_and_underscore_are_no_wildcards(self, client):
        make_product("Scarf 100% wool", description="")
        make_product("Plain scarf", description="")
        make_product("Sock_pair", description="")
        make_product("Socks", description="")

        # Search matches words (storefront.catalog.search): signs are no word, and no wildcard.
        assert card_titles(client.get("/search?q=%25").get_data(as_text=True)) == []
        assert card_titles(client.get("/search?q=_").get_data(as_text=True)) == []
        assert card_titles(client.get("/search?q=100%25").get_data(as_text=True)) == ["Scarf 100% wool"]

    def test_no_match_and_empty_query_are_explained(self, client):
        make_product("Bobble Hat")
        nothing = client.get("/search?q=zzz").get_data(as_text=True)
        assert "Nothing matches “zzz”" in nothing
        empty = client.get("/search?q=").get_data(as_text=True)
        assert "Type what you are looking for" in empty
        assert card_titles(empty) == []

    def test_the_query_is_escaped_and_kept_in_the_form(self, client):
        page = client.get("/search?q=%3Cscript%3E").get_data(as_text=True)
        assert "<script>" not in page.split("</head>")[1].replace('<script src="/static/js/shop.js" defer></script>', "")
        assert 'value="&lt;script&gt;"' in page
