"""Staff write products, categories and offers in every language side by side; the back office
marks a missing translation; the catalog CSV carries one column per language, and a file without
those columns leaves the translations alone."""
from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from promotions.models import Offer
from storefront.audit.models import AuditEntry
from storefront.catalog.models import Category, Product
from storefront.extensions import db
from tests.factories import make_category, make_product
from tests.promotions.conftest import make_offer

from .test_csv import export, run_import

WORDS = {"es": {"title": "Gorro de merino", "description": "Abriga.", "options": {"Colour": "Color"},
                "values": {"Colour": {"Navy": "Azul marino"}}},
         "lv": {"title": "Merīno cepure"}}


def product_form(category, **changes) -> dict:
    data = {"title": "Merino beanie", "slug": "beanie", "description": "Warm.", "brand": "",
            "category_id": str(category.id), "option_names": "Colour", "active": "y",
            "title_es": "Gorro de merino", "description_es": "Abriga.", "title_lv": "", "description_lv": ""}
    data.update(changes)
    return data


def reread(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def test_the_product_form_shows_every_language_side_by_side_and_marks_what_is_missing(client, admin):
    product = make_product("Merino beanie", option_names=("Colour",), translations=WORDS,
                           variants=[{"options": {"Colour": "Navy"}}])
    page = client.get(f"/admin/products/{product.id}").get_data(as_text=True)
    assert 'name="title_es"' in page and 'value="Gorro de merino"' in page and 'name="title_lv"' in page
    assert 'id="value-es-0-0" name="value-es-0-0" value="Azul marino"' in page
    assert page.count("Translation missing: shoppers see the English text") == 1  # Latvian lacks its description
    listing = client.get("/admin/products").get_data(as_text=True)
    assert "Translation missing: Latvian" in listing  # by name, not "LV"


def test_staff_save_a_products_words_in_each_language(client, admin):
    product = make_product("Merino beanie", option_names=("Colour",), variants=[{"options": {"Colour": "Navy"}}])
    response = client.post(f"/admin/products/{product.id}", data=product_form(
        product.category, title_lv="Merīno cepure", **{"option-lv-0": "Krāsa", "value-lv-0-0": "Tumši zils"}))
    assert response.status_code == 302
    saved = reread(Product, product.id)
    assert saved.slug == "beanie" and saved.title == "Merino beanie"
    assert saved.translations == {"es": {"title": "Gorro de merino", "description": "Abriga."},
                                  "lv": {"title": "Merīno cepure", "options": {"Colour": "Krāsa"},
                                         "values": {"Colour": {"Navy": "Tumši zils"}}}}
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "product.update"))
    assert entry.details["translated"] == ["es", "lv"]
    assert "Merīno cepure" in client.get("/p/beanie?lang=lv").get_data(as_text=True)


def test_a_too_long_translation_is_refused_on_its_field_and_nothing_changes(client, admin):
    product = make_product("Merino beanie", translations=WORDS)
    response = client.post(f"/admin/products/{product.id}", data=product_form(product.category, title_es="x" * 201))
    assert response.status_code == 400 and "cannot be longer than 200 characters" in response.get_data(as_text=True)
    assert reread(Product, product.id).translations == WORDS


def test_staff_name_a_category_in_each_language(client, admin):
    category = make_category("Hats", slug="hats")
    response = client.post(f"/admin/categories/{category.id}", data={
        "name": "Hats", "slug": "hats", "parent_id": "0", "description": "Warm hats.",
        "name_es": "Gorros", "description_es": "", "name_lv": "Cepures", "description_lv": "Siltas cepures."})
    assert response.status_code == 302
    assert reread(Category, category.id).translations == {
        "es": {"name": "Gorros"}, "lv": {"name": "Cepures", "description": "Siltas cepures."}}
    page = client.get(f"/admin/categories/{category.id}").get_data(as_text=True)
    assert "Translation missing: shoppers see the English text" in page  # the Spanish description
    assert "<h1>Cepures</h1>" in client.get("/c/hats?lang=lv").get_data(as_text=True)


def test_an_offers_name_and_banner_text_are_written_in_each_language(client, admin):
    offer = make_offer(name="Free shipping from €40", description="Free standard delivery.", state="draft")
    zone = ZoneInfo("Europe/Riga")
    local = (lambda moment: moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M"))
    now = dt.datetime.now(dt.UTC)
    response = client.post(f"/admin/offers/{offer.id}/edit", data={
        "name": "Free shipping from €40", "description": "Free standard delivery.", "benefit": "percent",
        "percent": "10", "target": "order", "audience": "everyone", "timezone": "Europe/Riga", "priority": "0",
        "starts_at": local(now + dt.timedelta(days=1)), "ends_at": local(now + dt.timedelta(days=8)),
        "name_es": "Envío gratis desde 40 €", "description_es": "Envío estándar gratis.",
        "name_lv": "Bezmaksas piegāde no 40 €", "description_lv": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert reread(Offer, offer.id).translations == {
        "es": {"name": "Envío gratis desde 40 €", "description": "Envío estándar gratis."},
        "lv": {"name": "Bezmaksas piegāde no 40 €"}}
    form = client.get(f"/admin/offers/{offer.id}/edit").get_data(as_text=True)
    assert 'value="Envío gratis desde 40 €"' in form


def test_shoppers_read_an_offers_banner_in_their_language(client):
    make_offer(name="Free shipping from €40", description="Free standard delivery.", slug="free-40",
               translations={"lv": {"name": "Bezmaksas piegāde no 40 €", "description": "Bez maksas."}})
    latvian = client.get("/offers/free-40?lang=lv").get_data(as_text=True)
    assert "<h1>Bezmaksas piegāde no 40\u00a0€</h1>" in latvian and "Bez maksas." in latvian  # "40 €" on one line
    assert "Free standard delivery." in client.get("/offers/free-40?lang=es").get_data(as_text=True)


def test_the_catalog_csv_carries_a_column_per_language_and_round_trips(client, admin):
    make_product("Merino beanie", slug="beanie", option_names=("Colour",), translations=WORDS,
                 variants=[{"sku": "BEANIE-NAVY", "options": {"Colour": "Navy"}}])
    text = export(client)
    (row,) = csv.DictReader(io.StringIO(text))
    assert (row["title_es"], row["description_es"], row["option1_name_es"], row["option1_value_es"]) == \
        ("Gorro de merino", "Abriga.", "Color", "Azul marino")
    assert (row["title_lv"], row["description_lv"]) == ("Merīno cepure", "")
    progress, job = run_import(client, text.replace("Merīno cepure", "Merīno vilnas cepure"))
    assert progress["status"] == "done", job.errors
    saved = db.session.scalar(sa.select(Product).where(Product.slug == "beanie"))
    assert saved.translations == dict(WORDS, lv={"title": "Merīno vilnas cepure"})


def test_an_old_file_without_language_columns_keeps_the_translations(client, admin):
    make_product("Merino beanie", slug="beanie", option_names=("Colour",), translations=WORDS,
                 variants=[{"sku": "BEANIE-NAVY", "options": {"Colour": "Navy"}}])
    old = ("sku,title,price,stock,category,product_slug,option1_name,option1_value\r\n"
           "BEANIE-NAVY,Merino beanie,19.90,4,hats,beanie,Colour,Navy\r\n")
    progress, job = run_import(client, old)
    assert progress["status"] == "done", job.errors
    saved = db.session.scalar(sa.select(Product).where(Product.slug == "beanie"))
    assert saved.translations == WORDS and saved.variants[0].price == 1990
