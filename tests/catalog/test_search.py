"""Search as a shopper uses it: words in any of the shop's languages, accents and case ignored, the
most relevant first and those in the shopper's language before the rest; the index follows every
write. The same tests run on SQLite (FTS5) and PostgreSQL (tsvector, unaccent)."""
from __future__ import annotations


import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from storefront.catalog.models import Product
from storefront.extensions import db
from tests.catalog.helpers import bulk_products, card_titles
from tests.factories import make_category, make_product


def found(client, query: str, language: str = "en", **args) -> list[str]:
    response = client.get("/search", query_string={"q": query, "lang": language, **args})
    assert response.status_code == 200
    return card_titles(response.get_data(as_text=True))


def latvian_sweater(**fields):
    return make_product("Latvian Sweater", description="Hand knit in Latgale.", translations={
        "es": {"title": "Jersey letón", "description": "Tejido a mano en Latgale."},
        "lv": {"title": "Latviešu džemperis", "description": "Adīts ar rokām Latgalē."}}, **fields)


class TestWords:
    def test_accents_and_case_do_not_matter(self, client):
        latvian_sweater()
        make_product("Wool Hat")

        for query in ("dzemperis", "džemperis", "DŽEMPERIS", "Dzemperis", "adits ar rokam", "LETON"):
            assert len(found(client, query, "lv")) == 1, query

    def test_a_word_in_any_language_finds_the_product_in_the_shoppers_language(self, client):
        latvian_sweater()
        make_product("Wool Hat")

        assert found(client, "jersey", "es") == ["Jersey letón"]
        assert found(client, "jersey", "en") == ["Latvian Sweater"]
        assert found(client, "sweater", "lv") == ["Latviešu džemperis"]
        assert found(client, "džemperis", "es") == ["Jersey letón"]

    def test_a_product_without_translations_is_found_in_every_language(self, client):
        make_product("Patterned Mittens", description="Warm.")

        for language in ("en", "es", "lv"):
            assert found(client, "mittens", language) == ["Patterned Mittens"], language

    def test_every_word_must_match_and_may_be_the_start_of_one(self, client):
        latvian_sweater()
        make_product("Latvian Mittens")

        assert found(client, "latv sweat") == ["Latvian Sweater"]
        assert sorted(found(client, "latvian")) == ["Latvian Mittens", "Latvian Sweater"]
        assert found(client, "latvian socks") == []

    def test_a_word_of_one_or_two_letters_matches_whole_words_only(self, client):
        make_product("Wool Hat", description="Size M.")
        make_product("Merino Scarf")

        assert found(client, "m") == ["Wool Hat"]
        assert found(client, "me") == [] and found(client, "mer") == ["Merino Scarf"]

    def test_the_category_name_in_each_language_finds_its_products(self, client):
        hats = make_category("Hats", translations={"es": {"name": "Gorros"}, "lv": {"name": "Cepures"}})
        make_product("Bobble", category=hats)
        make_product("Scarf")

        assert found(client, "gorros", "es") == ["Bobble"]
        assert found(client, "cepures", "en") == ["Bobble"]

    def test_a_parent_categorys_name_finds_the_products_of_its_subcategories(self, client):
        sweaters = make_category("Sweaters", translations={"lv": {"name": "Džemperi"}})
        make_product("Gauja Pullover", category=make_category("Pullovers", parent=sweaters))
        make_product("Bobble Hat")

        assert found(client, "sweaters") == ["Gauja Pullover"]
        assert found(client, "dzemperi", "lv") == ["Gauja Pullover"]

    @pytest.mark.parametrize("query, finds", [
        ('"', False), ("*", False), ("%", False), ("_", False), ("(", False), ("-", False), ("^", False),
        ("'", False), ("!", False), ("&", False), ("|", False), ("<->", False), ("a:b", False), ("AND", False),
        ("OR x", False), ("{title_en}: x", False), ("NOT", True), ("100%", True), ('"wool', True),
        ("scarf*", True), ("wo\\", False), ("woo\\", True), ("-wool", True), ("wool | x", False)])
    def test_punctuation_and_operators_are_no_query_syntax(self, client, query, finds):
        make_product("Scarf 100% wool", description="Or not.")

        assert found(client, query) == (["Scarf 100% wool"] if finds else [])


class TestOrder:
    def test_the_shoppers_language_comes_first(self, client):
        make_product("Wool Hat", translations={"es": {"title": "Gorro de lana"}, "lv": {"title": "Vilnas cepure"}})
        make_product("Vilnas Mittens", translations={"es": {"title": "Manoplas"}, "lv": {"title": "Dūraiņi"}})

        assert found(client, "vilnas", "lv") == ["Vilnas cepure", "Dūraiņi"]
        assert found(client, "vilnas", "en") == ["Vilnas Mittens", "Wool Hat"]

    def test_a_title_counts_more_than_a_category_more_than_a_description(self, client):
        merino = make_category("Merino")
        make_product("Dune Cardigan", description="Soft merino with horn buttons, knitted slowly in winter.")
        make_product("Plain Scarf", category=merino)
        make_product("Merino Beanie", description="A hat.")

        assert found(client, "merino") == ["Merino Beanie", "Plain Scarf", "Dune Cardigan"]

    def test_the_catalogs_orders_apply_to_the_matches(self, client):
        make_product("Wool Hat", variants=[{"price": 3000}])
        make_product("Wool Socks", variants=[{"price": 1000}])
        make_product("Linen Shirt", variants=[{"price": 2000}])

        assert found(client, "wool", sort="price_asc") == ["Wool Socks", "Wool Hat"]
        assert found(client, "wool", sort="price_desc") == ["Wool Hat", "Wool Socks"]

    def test_results_are_paginated(self, client, app):
        category = make_category("Knitwear")
        bulk_products(category, app.config["CATALOG_PAGE_SIZE"] + 3)

        first = client.get("/search?q=wool").get_data(as_text=True)
        second = client.get("/search?q=wool&page=2").get_data(as_text=True)

        assert len(card_titles(first)) == app.config["CATALOG_PAGE_SIZE"] and len(card_titles(second)) == 3
        assert not set(card_titles(first)) & set(card_titles(second))
        assert f"{app.config['CATALOG_PAGE_SIZE'] + 3} products found" in first


class TestIndexFollowsWrites:
    def test_edits_deactivation_and_deletion(self, client):
        product = latvian_sweater()

        product.translations = {"es": {"title": "Suéter letón"}}
        db.session.commit()
        assert found(client, "sueter", "es") == ["Suéter letón"]
        assert found(client, "dzemperis", "lv") == []
        assert found(client, "sweater", "lv") == ["Latvian Sweater"]  # back to the default language

        product.active = False
        db.session.commit()
        assert found(client, "sweater") == []
        product.active = True
        db.session.commit()
        assert found(client, "sweater") == ["Latvian Sweater"]

        db.session.delete(product)
        db.session.commit()
        assert found(client, "sweater") == []

    def test_category_renames_and_moves(self, client):
        hats, scarves = make_category("Hats"), make_category("Scarves")
        product = make_product("Bobble", category=hats)

        hats.translations = {"lv": {"name": "Cepures"}}
        db.session.commit()
        assert found(client, "cepures") == ["Bobble"]

        product.category = scarves
        db.session.commit()
        assert found(client, "cepures") == [] and found(client, "scarves") == ["Bobble"]

        accessories = make_category("Accessories")
        scarves.parent = accessories
        db.session.commit()
        assert found(client, "accessories") == ["Bobble"]
        accessories.name = "Extras"
        db.session.commit()
        assert found(client, "accessories") == [] and found(client, "extras") == ["Bobble"]

    def test_bulk_inserts_and_updates_without_the_orm(self, client):
        category = make_category("Knitwear")
        bulk_products(category, 3, prefix="bulk")
        assert len(found(client, "wool")) == 3

        db.session.execute(sa.update(Product).where(Product.slug == "bulk-0").values(title="Linen shirt"))
        db.session.commit()
        assert len(found(client, "wool thing")) == 2 and found(client, "linen") == ["Linen shirt"]

    def test_the_migration_indexes_the_products_already_there(self, client, app):
        latvian_sweater()
        downgrade(revision="8a1c2e4f6b05")
        try:
            make_product("Wool Hat")
        finally:
            upgrade()

        assert found(client, "dzemperis", "lv") == ["Latviešu džemperis"]
        assert found(client, "hat") == ["Wool Hat"]


def test_the_search_page_is_the_same_for_every_anonymous_visitor_and_writes_nothing(client):
    latvian_sweater()

    response = client.get("/search?q=dzemperis&lang=lv")

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("visits"))) == 0


def test_the_search_page_runs_as_many_statements_for_150_matches_as_for_15(client, count_queries, app):
    assert app.config["CATALOG_PAGE_SIZE"] < 15  # so that both have a second page
    category = make_category("Knitwear")

    def statements(url: str) -> int:
        client.get(url)
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    bulk_products(category, 15, prefix="few")
    urls = ["/search?q=wool", "/search?q=wool&page=2", "/search?q=wool&sort=price_asc", "/search?q=zzz"]
    few = [statements(url) for url in urls]
    bulk_products(category, 135, prefix="many")

    assert [statements(url) for url in urls] == few
