"""Shop content in three languages: product, category and offer words are kept per language in the
row itself, shown in the shopper's language with the default language where one is missing, and
cost no statement: a page runs as many statements in every language, at 10 and 1,000 products."""
from __future__ import annotations

import pytest

from tests.catalog.helpers import bulk_products, card_titles, json_ld, read_head
from tests.factories import make_category, make_product

GAUJA_WORDS = {
    "es": {"title": "Jersey de ochos Gauja", "description": "Tres ochos trenzados.",
           "options": {"Colour": "Color", "Size": "Talla"}, "values": {"Colour": {"Navy": "Azul marino"}}},
    "lv": {"title": "Gaujas bižu džemperis", "description": "Trīs bizes.",
           "options": {"Colour": "Krāsa", "Size": "Izmērs"}, "values": {"Colour": {"Navy": "Tumši zils"}}},
}


@pytest.fixture
def gauja():
    sweaters = make_category("Sweaters", slug="sweaters",
                             translations={"es": {"name": "Jerséis"}, "lv": {"name": "Džemperi"}})
    return make_product("Gauja Cable-Knit Pullover", category=sweaters, slug="gauja", option_names=("Size", "Colour"),
                        description="Three rope cables.", translations=GAUJA_WORDS,
                        variants=[{"options": {"Size": "M", "Colour": "Navy"}},
                                  {"options": {"Size": "L", "Colour": "Navy"}}])


@pytest.mark.parametrize("lang, title, description, colour, category", [
    ("en", "Gauja Cable-Knit Pullover", "Three rope cables.", "Navy", "Sweaters"),
    ("es", "Jersey de ochos Gauja", "Tres ochos trenzados.", "Azul marino", "Jerséis"),
    ("lv", "Gaujas bižu džemperis", "Trīs bizes.", "Tumši zils", "Džemperi"),
])
def test_the_product_page_speaks_the_shoppers_language(client, gauja, lang, title, description, colour, category):
    page = client.get(f"/p/gauja?lang={lang}").get_data(as_text=True)
    assert f'<h1 class="product-title">{title}</h1>' in page
    assert description in page and colour in page and category in page
    head = read_head(page)
    assert head.meta["og:title"] == title and head.meta["twitter:title"] == title
    assert head.meta["og:description"] == description
    data = json_ld(page)
    assert data["name"] == title and data["description"] == description and data["category"] == category
    assert all(colour in offer["name"] for offer in data["offers"])


def test_the_colour_picker_shows_translated_values_but_matches_the_stored_ones(client, gauja):
    page = client.get("/p/gauja?lang=lv").get_data(as_text=True)
    assert 'value="Navy" data-option-name="Colour" data-option-label="Tumši zils"' in page
    assert "<legend>Krāsa:" in page and "<legend>Izmērs:" in page


def test_a_missing_translation_falls_back_to_the_default_language(client):
    make_product("Undyed Wool Boot Socks", slug="socks", description="The sheep's own colour.",
                 translations={"es": {"title": "Calcetines de lana sin teñir"}})
    spanish = client.get("/p/socks?lang=es").get_data(as_text=True)
    assert "Calcetines de lana sin teñir" in spanish and "The sheep&#39;s own colour." in spanish
    latvian = client.get("/p/socks?lang=lv").get_data(as_text=True)
    assert '<h1 class="product-title">Undyed Wool Boot Socks</h1>' in latvian


def test_slugs_stay_the_same_in_every_language(client, gauja):
    for lang in ("en", "es", "lv"):
        page = client.get(f"/c/sweaters?lang={lang}").get_data(as_text=True)
        assert f"/p/gauja?lang={lang}" in page
    assert card_titles(client.get("/c/sweaters?lang=es").get_data(as_text=True)) == ["Jersey de ochos Gauja"]


def test_cards_are_titled_and_described_in_the_language_of_the_request(client, gauja):
    for lang, title in (("en", "Gauja Cable-Knit Pullover"), ("es", "Jersey de ochos Gauja"),
                        ("lv", "Gaujas bižu džemperis")):
        page = client.get(f"/?lang={lang}").get_data(as_text=True)
        assert card_titles(page) == [title]
        assert f'alt="{title}"' in page  # the picture's own text is English: a translated card uses its title


def test_the_navigation_and_breadcrumbs_name_categories_in_the_shoppers_language(client, gauja):
    page = client.get("/p/gauja?lang=es").get_data(as_text=True)
    assert ">Jerséis</a>" in page and ">Sweaters<" not in page


@pytest.mark.parametrize("lang", ["en", "es", "lv"])
def test_pages_run_as_many_statements_with_1000_translated_products_as_with_10(client, count_queries, lang):
    category = make_category("Sweaters", slug="sweaters",
                             translations={"es": {"name": "Jerséis"}, "lv": {"name": "Džemperi"}})
    make_product("Featured", category=category, slug="featured", translations=GAUJA_WORDS,
                 variants=[{"price": 5000, "compare_at_price": 6000}])
    bulk_products(category, 9, translated=True)
    urls = [f"/?lang={lang}", f"/c/sweaters?lang={lang}", f"/c/sweaters?sort=name&lang={lang}",
            f"/p/featured?lang={lang}", f"/api/v1/products?lang={lang}", f"/feeds/catalog.csv?lang={lang}"]

    def statements(url: str) -> int:
        client.get(url)
        with count_queries() as counter:
            assert client.get(url).status_code == 200, url
        return counter.count

    small = {url: statements(url) for url in urls}
    bulk_products(category, 990, prefix="more", translated=True)
    large = {url: statements(url) for url in urls}
    assert large == small
    english = {url.replace(f"lang={lang}", "lang=en"): count for url, count in large.items()}
    assert english == {url: statements(url) for url in english}
