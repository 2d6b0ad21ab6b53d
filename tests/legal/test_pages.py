"""The legal pages: written by an admin in every language, read by anyone without a cookie, the
shop's own name and contact filled in, linked from the footer, the withdrawal notice at checkout."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from storefront import page_cache
from storefront.demo.legal import LEGAL_PAGES, load_legal_pages
from storefront.extensions import db
from storefront.legal.models import LegalText
from storefront.legal.service import PAGES, Draft, save_page
from tests.checkout.test_pages import DETAILS, fill_cart
from tests.factories import make_product

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.timezone.utc)
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def demo_pages(app):
    load_legal_pages(app.config["LANGUAGES"], NOW)


def write(page: str, **texts: tuple[str, str]) -> None:
    drafts = {language: Draft(*texts.get(language, ("", ""))) for language in ("en", "es", "lv")}
    save_page(None, page, drafts, default_language="en", now=NOW)


@pytest.mark.parametrize("lang", ["en", "es", "lv"])
def test_every_legal_page_is_there_in_each_language_with_the_shops_own_details(client, app, demo_pages,
                                                                                 monkeypatch, lang):
    monkeypatch.setitem(app.config, "SHOP_LEGAL_NAME", "SIA Testa Vilna")
    monkeypatch.setitem(app.config, "SHOP_EMAIL", "care@vilna.test")
    for page in PAGES:
        response = client.get(f"/legal/{page}?lang={lang}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200, page
        assert f"<h1>{LEGAL_PAGES[page][lang][0]}</h1>" in html, page
        assert "{email}" not in html and "{legal_name}" not in html, page
    contact = client.get(f"/legal/contact?lang={lang}").get_data(as_text=True)
    assert "SIA Testa Vilna" in contact and "care@vilna.test" in contact


def test_the_returns_page_holds_the_model_withdrawal_form_addressed_to_the_shop(client, demo_pages):
    html = client.get("/legal/returns?lang=lv").get_data(as_text=True)
    assert "Atteikuma veidlapas paraugs" in html and "14 dienu" in html
    assert "Kam: SIA Ziemeļu Vilna (demo), Krasta iela 1" in html
    english = client.get("/legal/returns").get_data(as_text=True)
    assert "Model withdrawal form" in english and "(*) Delete as appropriate." in english


def test_the_accessibility_statement_says_what_the_act_asks(client, demo_pages):
    html = client.get("/legal/accessibility").get_data(as_text=True)
    for part in ["WCAG", "2.1, level AA", "partially conformant", "Known limitations", "Feedback and contact",
                 "Enforcement", "Consumer Rights Protection Centre", "shop@example.com"]:
        assert part in html, part


def test_a_page_not_written_in_the_shoppers_language_is_shown_in_the_default_one_and_says_so(client):
    write("privacy", en=("Privacy", "We keep **little**."))
    html = client.get("/legal/privacy?lang=lv").get_data(as_text=True)
    assert '<article class="legal-page" lang="en">' in html
    assert "<strong>little</strong>" in html
    assert "Šī lapa vēl nav pieejama jūsu valodā" in html


@pytest.mark.parametrize("path", ["/legal/cookies", "/legal/terms"])
def test_an_unknown_or_unwritten_page_is_a_404(client, path):
    assert client.get(path).status_code == 404


def test_reading_a_legal_page_writes_nothing_sets_no_cookie_and_is_shared(client, demo_pages, count_queries):
    with count_queries() as counter:
        rendered = client.get("/legal/returns?lang=es")
    assert rendered.status_code == 200
    assert not [s for s in counter.statements if s.lstrip().upper().startswith(WRITES)]
    first, second = client.get("/legal/returns?lang=es"), client.get("/legal/returns?lang=es")
    assert "Set-Cookie" not in rendered.headers and "Set-Cookie" not in second.headers
    assert second.headers["X-Cache"] == "HIT" and second.get_data() == rendered.get_data()
    assert second.headers["Cache-Control"].startswith("public")


def test_an_edit_is_read_on_the_very_next_request(client, demo_pages):
    client.get("/legal/terms")
    write("terms", en=("Terms of sale", "New terms."), es=("Condiciones", "Nuevas."), lv=("Noteikumi", "Jauni."))
    assert "New terms." in client.get("/legal/terms").get_data(as_text=True)


def test_markup_in_a_text_is_shown_as_text_and_script_links_are_dropped(client):
    write("terms", en=("Terms", '<script>alert(1)</script>\n\n[click](javascript:alert(2)) <img src=x onerror=y>'))
    html = client.get("/legal/terms").get_data(as_text=True)
    body = re.search(r'<div class="legal-body">(.*?)</div>', html, flags=re.DOTALL).group(1)
    assert "<script" not in body and "<img" not in body and "href=\"javascript" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.parametrize("lang", ["es", "lv"])
def test_a_link_in_a_page_s_text_to_another_of_the_shop_s_pages_keeps_the_page_s_language(client, demo_pages, lang):
    """The terms link the returns page in their text: read with ?lang=, the link keeps it, as the
    shop's own links do, so a Latvian shopper whose browser is English stays in Latvian. A link
    elsewhere, and a page read without ?lang=, are left as written."""
    write("privacy", en=("Privacy", "[Terms](/legal/terms?x=1&lang=en), [EU](https://europa.eu/), [top](#a)."))
    body = client.get(f"/legal/terms?lang={lang}").get_data(as_text=True)
    assert f'href="/legal/returns?lang={lang}"' in body
    returns = client.get(f"/legal/returns?lang={lang}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"<h1>{LEGAL_PAGES['returns'][lang][0]}</h1>" in returns
    privacy = client.get(f"/legal/privacy?lang={lang}").get_data(as_text=True)
    assert f'href="/legal/terms?x=1&amp;lang={lang}"' in privacy
    assert 'href="https://europa.eu/"' in privacy and 'href="#a"' in privacy
    assert 'href="/legal/returns"' in client.get("/legal/terms").get_data(as_text=True)


@pytest.mark.parametrize("lang, country", [("en", "Latvia"), ("es", "Letonia"), ("lv", "Latvija")])
def test_the_shop_s_address_names_its_country_in_the_page_s_language(client, app, demo_pages, monkeypatch,
                                                                      lang, country):
    """SHOP_COUNTRY is named as the page's language names it; the postcode does not break at its
    hyphen (at 400 px "LV-" ended one line and "1003" began the next), which stays the hyphen typed,
    so that the address copied from the page pastes into a courier's form as written."""
    monkeypatch.setitem(app.config, "SHOP_ADDRESS", "Krasta iela 1, Rīga, LV-1003")
    monkeypatch.setitem(app.config, "SHOP_COUNTRY", "LV")
    contact = client.get(f"/legal/contact?lang={lang}").get_data(as_text=True)
    assert f'Krasta iela 1, Rīga, <span class="postcode">LV-1003</span>, {country}' in contact
    assert "\u2011" not in contact and (lang == "en" or "Latvia" not in contact)
    # An address that names its country already is left as written, whatever the page's language.
    monkeypatch.setitem(app.config, "SHOP_ADDRESS", "Krasta iela 1, Rīga, LV-1003, Latvia")
    page_cache.bump(app)  # configuration is read at start; a restart renders every page again
    contact = client.get(f"/legal/contact?lang={lang}").get_data(as_text=True)
    assert '<span class="postcode">LV-1003</span>, Latvia' in contact and f"Latvia, {country}" not in contact


@pytest.mark.parametrize("address, country, expected", [
    ("Krasta iela 1, Rīga, LV-1003, Latvia.", "LV", "Krasta iela 1, Rīga, LV-1003, Latvia."),
    ("Street 1, Lettland", "LV", "Street 1, Lettland"),
    ("1 Main St, New York, NY 10001, USA", "US", "1 Main St, New York, NY 10001, USA"),
    ("1 High St, London, UK", "GB", "1 High St, London, UK"),
    ("Krasta iela 1\nRīga\nLatvija", "LV", "Krasta iela 1\nRīga\nLatvija"),
    ("Krasta iela 1, Rīga", "", "Krasta iela 1, Rīga"),
    ("Krasta iela 1, Rīga", "ZZ", "Krasta iela 1, Rīga"),
    ("", "LV", ""),
])
def test_an_address_that_names_its_country_already_is_left_as_written(address, country, expected):
    from storefront.legal.service import postal_address

    assert postal_address(address, country, "es") == expected


def test_the_footer_links_every_legal_page_in_the_pages_language(client):
    make_product("Hat")
    html = client.get("/?lang=es").get_data(as_text=True)
    footer = html[html.index('<footer class="site-footer">'):]
    for page in PAGES:
        assert f'href="/legal/{page}?lang=es"' in footer, page
    assert "Devoluciones y desistimiento" in footer and "Accesibilidad" in footer


@pytest.mark.parametrize("lang, words", [("en", "Your right to change your mind"),
                                          ("es", "Tu derecho a cambiar de opinión"),
                                          ("lv", "Jūsu tiesības pārdomāt")])
def test_the_checkout_review_states_the_right_of_withdrawal_before_the_place_order_button(client, lang, words):
    fill_cart(client, make_product("Cardigan", variants=[{"price": 2500, "stock": 3}]))
    with client.session_transaction() as session:
        session["lang"] = lang
    assert client.post("/checkout", data=DETAILS).status_code == 303
    html = client.get("/checkout/review").get_data(as_text=True)
    notice, button = html.find(words), html.find("data-place-order")
    assert 0 < notice < button
    assert 'href="/legal/returns"' in html and 'href="/legal/terms"' in html


def test_loading_the_demo_twice_keeps_what_an_admin_wrote(app, demo_pages):
    write("terms", en=("Our terms", "Ours."))
    assert load_legal_pages(app.config["LANGUAGES"], NOW) == 0
    db.session.commit()
    rows = db.session.scalars(sa.select(LegalText).where(LegalText.page == "terms")).all()
    assert [(row.language, row.title) for row in rows] == [("en", "Our terms")]
