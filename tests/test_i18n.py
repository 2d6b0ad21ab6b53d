"""The shop speaks English, Spanish and Latvian: every message translated, the language chosen by
?lang=, then the session, then the browser's Accept-Language."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.factories import make_category, make_product

TRANSLATIONS = Path(__file__).parent.parent / "translations"


def untranslated(language: str) -> list[str]:
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=language)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(str(message.id))
    return problems


def template_messages() -> set[str]:
    with open(TRANSLATIONS / "messages.pot", "rb") as pot:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot) if m.id}


@pytest.mark.database_independent  # the .po files only
@pytest.mark.parametrize("language", ["es", "lv"])
def test_every_message_is_translated_and_none_is_fuzzy(language):
    assert untranslated(language) == []


@pytest.mark.database_independent  # the .po files only
@pytest.mark.parametrize("language", ["es", "lv"])
def test_the_catalogs_cover_every_extracted_message(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        translated = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(po, locale=language) if m.id}
    assert template_messages() - translated == set()


def translated_pairs(language: str) -> list[tuple[str, str]]:
    """(msgid, each msgstr) of a language's catalog: a plural's forms one by one."""
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=language)
    return [(message.id if isinstance(message.id, str) else message.id[0], string)
            for message in catalog if message.id
            for string in (message.string if isinstance(message.string, tuple) else (message.string,))]


# One word for one thing, on the shopper's pages and the staff's alike. Spanish says "existencias"
# for stock: "stock" stays only as the CSV's column names (`stock`, `stock_exported`) and in
# placeholders. Latvian says "opcijas" for a product's options; "iespējas" are possibilities.
@pytest.mark.database_independent  # the .po files only
def test_spanish_says_existencias_for_stock_everywhere():
    mixed = []
    for msgid, string in translated_pairs("es"):
        words = re.sub(r"%\(\w+\)\w|\bstock_exported\b", "", string)
        if msgid.startswith("stock") and words.startswith("stock"):  # the column a CSV message is about
            words = words[len("stock"):]
        if re.search(r"\bstock\b", words, re.IGNORECASE):
            mixed.append(string)
    assert mixed == []


@pytest.mark.database_independent  # the .po files only
def test_latvian_says_opcijas_for_a_products_options_everywhere():
    mixed = [string for msgid, string in translated_pairs("lv")
             if re.search(r"\boptions?\b", msgid, re.IGNORECASE) and "iespēj" in string.lower()]
    assert mixed == []


@pytest.fixture
def shop():
    category = make_category("Sweaters", slug="sweaters")
    make_product("Harbour Sweater", category=category, slug="harbour",
                 variants=[{"price": 8900, "compare_at_price": 9900, "stock": 2}])


@pytest.mark.parametrize("language, words", [
    ("es", ["Novedades", "Comprar por categoría", "Carrito", "Todos los precios incluyen IVA", "89,00\xa0€"]),
    ("lv", ["Jaunumi", "Iepirkties pēc kategorijas", "Grozs", "Visās cenās iekļauts PVN", "89,00\xa0€"]),
])
def test_home_renders_in_spanish_and_latvian(client, shop, language, words):
    page = client.get(f"/?lang={language}").get_data(as_text=True)
    assert f'<html lang="{language}"' in page
    for word in words:
        assert word in page


@pytest.mark.parametrize("language, words", [
    ("es", ["Añadir al carrito", "IVA incluido", "Solo quedan 2", "Rebaja"]),
    ("lv", ["Pievienot grozam", "PVN iekļauts", "Palikuši tikai 2", "Atlaide"]),
])
def test_product_page_renders_in_spanish_and_latvian(client, shop, language, words):
    page = client.get(f"/p/harbour?lang={language}").get_data(as_text=True)
    for word in words:
        assert word in page


@pytest.mark.parametrize("language, words", [
    ("es", ["1 producto", "Ordenar por", "Precio: de menor a mayor"]),
    ("lv", ["1 prece", "Kārtot pēc", "Cena: no zemākās"]),
])
def test_category_page_renders_in_spanish_and_latvian(client, shop, language, words):
    page = client.get(f"/c/sweaters?lang={language}").get_data(as_text=True)
    for word in words:
        assert word in page


def test_cart_and_its_errors_render_in_latvian(client, shop):
    home = client.get("/?lang=lv").get_data(as_text=True)
    cart_link = re.search(r'class="cart-link" href="([^"]+)"', home).group(1)
    assert cart_link == "/cart/?lang=lv"  # the language travels with the links
    cart = client.get(cart_link).get_data(as_text=True)
    assert "Jūsu grozs ir tukšs." in cart
    response = client.post("/cart/update?lang=lv", data={"variant_id": "1", "quantity": "abc"})
    assert response.status_code == 400
    assert "Lūdzu, ievadiet veselu skaitli, ne mazāku par 1." in response.get_data(as_text=True)


def test_the_chosen_language_is_kept_by_the_links_and_by_the_session_once_the_shopper_acts(client, shop):
    chosen = client.get("/?lang=es")
    assert "Set-Cookie" not in chosen.headers  # reading a page remembers nothing
    assert 'class="cart-link" href="/cart/?lang=es"' in chosen.get_data(as_text=True)
    assert "New arrivals" in client.get("/").get_data(as_text=True)  # a bare address: the browser's choice
    # The first form sent from a Spanish page (its action carries ?lang=es) keeps the choice.
    client.post("/cart/update?lang=es", data={"variant_id": "1", "quantity": "abc"})
    assert "Novedades" in client.get("/").get_data(as_text=True)
    # ?lang= beats the session
    assert "Jaunumi" in client.get("/?lang=lv").get_data(as_text=True)


def test_the_browser_language_is_used_when_the_shopper_chose_none(client, shop):
    assert "Jaunumi" in client.get("/", headers={"Accept-Language": "lv-LV,lv;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert "Novedades" in client.get("/", headers={"Accept-Language": "es-ES"}).get_data(as_text=True)
    assert "New arrivals" in client.get("/", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)


def test_an_unknown_language_is_ignored(client, shop):
    page = client.get("/?lang=xx", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Novedades" in page
    with client.session_transaction() as session:
        assert "lang" not in session


def test_language_links_keep_the_page_and_its_arguments(client, shop):
    page = client.get("/c/sweaters?sort=name").get_data(as_text=True)
    assert 'href="/c/sweaters?sort=name&amp;lang=lv"' in page


def test_error_pages_speak_the_shoppers_language(client):
    page = client.get("/no-such-page", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Página no encontrada" in page and "Volver a la tienda" in page
    page = client.get("/no-such-page?lang=lv").get_data(as_text=True)
    assert "Lapa nav atrasta" in page and "Atpakaļ uz veikalu" in page


def test_a_language_chosen_while_browsing_is_kept_by_the_links_not_by_a_cookie(client, shop):
    page = client.get("/?lang=lv").get_data(as_text=True)
    beacon = client.post("/beacon", data={"page": "/?lang=lv"})
    assert beacon.status_code == 204 and "Set-Cookie" not in beacon.headers
    assert 'href="/c/sweaters?lang=lv"' in page


def test_the_beacon_of_a_page_read_in_a_chosen_language_keeps_it_in_a_session_the_visitor_has(client, shop):
    with client.session_transaction() as session:
        session["channel"] = "telegram"  # a tab launch started the session
    client.get("/?lang=lv")
    assert client.post("/beacon", data={"page": "/?lang=lv"}).status_code == 204
    assert "Jaunumi" in client.get("/").get_data(as_text=True)
    client.post("/beacon", data={"page": "/?lang=xx"})  # not a language the shop speaks: ignored
    assert "Jaunumi" in client.get("/").get_data(as_text=True)


# Latvian's plural forms in this catalog's order (its Plural-Forms header): one (1, 21, 31…), other,
# zero. Written in another order, "1 atbildēti" and "5 rakstzīmei" slipped through once.
@pytest.mark.parametrize(("singular", "plural", "expected"), [
    ("%(num)d review", "%(num)d reviews", ("21 atsauksme", "5 atsauksmes", "0 atsauksmju")),
    ("%(num)d answered", "%(num)d answered", ("21 atbildēts", "5 atbildēti", "0 atbildētu")),
    ("Stock hold ending within 24 hours", "Stock holds ending within 24 hours",
     ("rezervācija beidzas", "rezervācijas beidzas", "rezervācijas beidzas")),
    ("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.",
     ("21 rakstzīmei", "5 rakstzīmēm", "0 rakstzīmēm")),
])
def test_latvian_plurals_agree_with_their_number(app, singular, plural, expected):
    from flask_babel import force_locale, ngettext
    with app.test_request_context("/"), force_locale("lv"):
        shown = [ngettext(singular, plural, n, min=n) for n in (21, 5, 0)]
    for text, words in zip(shown, expected):
        assert words in text, (text, words)


def test_a_filter_of_a_constant_is_evaluated_in_each_requests_language_not_once_when_compiled(app):
    """Jinja folds "0|money" while compiling; the shop's filters read the request's language."""
    import flask_babel

    template = app.jinja_env.from_string("{{ 1250|money }} {{ '24.90'|typed_number }} {{ 'lv'|language_name }}")
    with app.test_request_context("/?lang=en"):
        assert template.render() == "€12.50 24.90 Latvian"
    with app.test_request_context("/?lang=lv"):
        flask_babel.refresh()  # the test's app context outlives a request: forget its language
        assert template.render() == "12,50\xa0€ 24,90 Latviešu"


def test_names_sort_as_a_reader_of_the_language_expects(app):
    from storefront.i18n import sort_key

    latvian = ["Zviedrija", "Īrija", "Itālija", "Čehija", "Indija", "Dānija", "Cipra", "Ēģipte"]
    assert sorted(latvian, key=lambda name: sort_key(name, "lv")) == [
        "Cipra", "Čehija", "Dānija", "Ēģipte", "Indija", "Īrija", "Itālija", "Zviedrija"]
    spanish = ["Noruega", "Ñandú", "Nepal", "Österreich", "Austria"]
    assert sorted(spanish, key=lambda name: sort_key(name, "es")) == ["Austria", "Nepal", "Noruega", "Ñandú",
                                                                       "Österreich"]
