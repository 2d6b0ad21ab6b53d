"""The demo brand reads as written in Spanish and Latvian: every category, product, colour and
offer has its own words, and no page mixes in the English ones ("Comprar Sweaters")."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from promotions.models import Offer
from storefront.catalog.models import Category, Product
from storefront.demo.content import CATEGORIES, COLOURS, PRODUCTS
from storefront.demo.data import LoadReport, load_catalog
from storefront.demo.offers import OFFERS, load_offers
from storefront.demo.translated import CATEGORY_TEXT, COLOUR_NAMES, OFFER_TEXT, OPTION_NAMES, PRODUCT_TEXT
from storefront.extensions import db

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
LANGUAGES = ("es", "lv")


def test_every_demo_text_has_its_spanish_and_latvian_words():
    english = ({spec.slug: (spec.name, spec.description) for spec in CATEGORIES}, CATEGORY_TEXT), \
              ({spec.slug: (spec.title, spec.description) for spec in PRODUCTS}, PRODUCT_TEXT), \
              ({spec.slug: (spec.name, spec.description) for spec in OFFERS}, OFFER_TEXT)
    for originals, words in english:
        assert set(words) == set(originals)
        for slug, (name, description) in originals.items():
            for language in LANGUAGES:
                translated_name, translated_description = words[slug][language]
                assert translated_name and translated_description, (slug, language)
                assert translated_description != description, (slug, language)
    for table in (COLOUR_NAMES, OPTION_NAMES):
        assert all(set(entry) == set(LANGUAGES) and all(entry.values()) for entry in table.values())
    assert set(COLOUR_NAMES) == set(COLOURS)


@pytest.fixture
def demo_catalog(app):
    load_catalog(LoadReport(), NOW)
    load_offers(NOW)


def visible_text(page: str) -> str:
    body = page.split("<body", 1)[1]
    return re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", body, flags=re.S))


@pytest.mark.parametrize("language, shop_sweaters", [("es", "Ver todo: Prendas de punto"),
                                                     ("lv", "Apskatīt: Adījumi")])
def test_the_demo_shop_has_no_english_category_product_or_colour_names_in_spanish_or_latvian(
        client, demo_catalog, language, shop_sweaters):
    home = client.get(f"/?lang={language}").get_data(as_text=True)
    assert shop_sweaters in home and "Sweaters" not in home
    english_names = {spec.name for spec in CATEGORIES} | {spec.title for spec in PRODUCTS}
    urls = ["/", "/c/sweaters", "/c/accessories", "/p/gauja-cable-knit-pullover", "/p/latvian-pattern-mittens"]
    for url in urls:
        text = visible_text(client.get(f"{url}{'&' if '?' in url else '?'}lang={language}").get_data(as_text=True))
        leftovers = [name for name in english_names if re.search(rf"\b{re.escape(name)}\b", text)]
        assert not leftovers, (url, leftovers)
    mittens = client.get(f"/p/latvian-pattern-mittens?lang={language}").get_data(as_text=True)
    assert COLOUR_NAMES["Cranberry"][language] in mittens and ">Cranberry<" not in mittens
    assert PRODUCT_TEXT["latvian-pattern-mittens"][language][0] in mittens


def test_the_demo_offers_banners_are_translated(client, demo_catalog):
    for language in LANGUAGES:
        page = client.get(f"/offers/free-shipping-40?lang={language}").get_data(as_text=True)
        # As written, but for the no-break space that keeps "40" and "€" on one line.
        name = OFFER_TEXT["free-shipping-40"][language][0].replace(" €", "\u00a0€")
        assert name in page and "Free shipping from €40" not in page


def test_reloading_the_demo_translates_what_was_loaded_before_and_keeps_what_staff_wrote(app, demo_catalog):
    db.session.execute(sa.update(Product).values(translations={}))
    db.session.execute(sa.update(Category).values(translations={}))
    db.session.execute(sa.update(Offer).values(translations={}))
    db.session.execute(sa.update(Product).where(Product.slug == "cesis-pompom-beanie")
                       .values(translations={"es": {"title": "Gorro de la casa"}}))
    db.session.commit()

    load_catalog(LoadReport(), NOW)
    load_offers(NOW)

    db.session.expire_all()
    products = {p.slug: p for p in db.session.scalars(sa.select(Product))}
    assert products["gauja-cable-knit-pullover"].translations["lv"]["title"] == "Gaujas bižu džemperis"
    assert products["cesis-pompom-beanie"].translations == {"es": {"title": "Gorro de la casa"}}
    assert db.session.scalar(sa.select(Category).where(Category.slug == "hats")).translations["lv"]["name"] == "Cepures"
    assert db.session.scalar(sa.select(Offer).where(Offer.slug == "hats-3-for-2")).translations["es"]["name"] == \
        "Gorros: compra 2 y el tercero es gratis"
