"""The JSON API and the catalog feed answer in the language asked for (`?lang=` or
Accept-Language), with the same slugs, SKUs and option keys in every language."""
from __future__ import annotations

import csv
import io

import pytest

from tests.factories import make_category, make_product

WORDS = {
    "es": {"title": "Jersey de ochos Gauja", "description": "Tres ochos trenzados.",
           "options": {"Colour": "Color"}, "values": {"Colour": {"Navy": "Azul marino"}}},
    "lv": {"title": "Gaujas bižu džemperis", "description": "Trīs bizes.",
           "options": {"Colour": "Krāsa"}, "values": {"Colour": {"Navy": "Tumši zils"}}},
}


@pytest.fixture
def gauja():
    sweaters = make_category("Sweaters", slug="sweaters", translations={"lv": {"name": "Džemperi"}})
    return make_product("Gauja Cable-Knit Pullover", category=sweaters, slug="gauja", option_names=("Colour",),
                        description="Three rope cables.", translations=WORDS,
                        variants=[{"sku": "GAUJA-NAVY", "options": {"Colour": "Navy"}}])


@pytest.mark.parametrize("ask, language, title, colour", [
    ({"query_string": {"lang": "es"}}, "es", "Jersey de ochos Gauja", "Azul marino"),
    ({"headers": {"Accept-Language": "lv-LV,lv;q=0.9,en;q=0.5"}}, "lv", "Gaujas bižu džemperis", "Tumši zils"),
    ({}, "en", "Gauja Cable-Knit Pullover", "Navy"),
])
def test_a_product_comes_in_the_language_asked_for(api, gauja, ask, language, title, colour):
    response = api.get(f"/api/v1/products/{gauja.id}", **ask)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == language and "Accept-Language" in response.headers["Vary"]
    body = response.json
    assert body["title"] == title and body["slug"] == "gauja"
    variant = body["variants"][0]
    assert variant["sku"] == "GAUJA-NAVY" and variant["options"] == {"Colour": "Navy"}
    assert variant["option_labels"] == {"Colour": colour} and variant["label"] == colour
    listing = api.get("/api/v1/products", **ask).json
    assert [item["title"] for item in listing["items"]] == [title]


def test_a_text_without_a_translation_comes_in_the_default_language(api, gauja):
    body = api.get(f"/api/v1/products/{gauja.id}?lang=es").json
    assert body["category"]["name"] == "Sweaters"
    assert api.get(f"/api/v1/products/{gauja.id}?lang=lv").json["category"]["name"] == "Džemperi"


def test_the_api_description_says_how_to_ask_for_a_language(api):
    description = api.get("/api/v1/openapi.json").json["info"]["description"]
    assert "?lang=" in description and "Accept-Language" in description


def feed_rows(api, **ask) -> list[dict]:
    response = api.get("/feeds/catalog.csv", **ask)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_catalog_feed_is_written_in_the_language_asked_for(api, gauja):
    variant_id = gauja.variants[0].id
    (row,) = feed_rows(api, query_string={"lang": "lv"})
    assert row["id"] == "GAUJA-NAVY"
    assert row["title"] == "Gaujas bižu džemperis (Tumši zils)" and row["description"] == "Trīs bizes."
    assert row["link"].endswith(f"/p/gauja?variant={variant_id}&lang=lv")
    (spanish,) = feed_rows(api, headers={"Accept-Language": "es"})
    assert spanish["title"] == "Jersey de ochos Gauja (Azul marino)"
    (english,) = feed_rows(api)
    assert english["title"] == "Gauja Cable-Knit Pullover (Navy)"
