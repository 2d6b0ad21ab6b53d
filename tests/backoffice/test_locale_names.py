"""Order and customer pages name the shopper's language and country in the staff member's language,
not by the codes the order keeps ("lv", "IE")."""
from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from storefront.backoffice.locale_names import country_name, language_name
from tests.factories import make_order


@pytest.fixture
def order(app):
    # place_order renders the order mail, which needs a request for its language.
    with app.test_request_context("/"):
        return make_order(country="IE", postal_code="D02 X285", city="Dublin", locale="lv")


def address_and_facts(html: str) -> tuple[str, dict[str, str]]:
    address = re.search(r'<address class="address">(.*?)</address>', html, re.S).group(1)
    facts = re.search(r'</address>\s*<dl class="facts">(.*?)</dl>', html, re.S).group(1)
    pairs = re.findall(r"<dt>([^<]*)</dt><dd>(.*?)</dd>", facts, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", address)).strip(), dict(pairs)


@pytest.mark.parametrize("page", ["order", "customer"])
@pytest.mark.parametrize("language, language_label, latvian, ireland", [
    ("en", "Language", "Latvian", "Ireland"),
    ("es", "Idioma", "Letón", "Irlanda"),
    ("lv", "Valoda", "Latviešu", "Īrija"),
])
def test_the_shoppers_language_and_country_are_named_in_the_staff_members_language(
        client, admin, order, page, language, language_label, latvian, ireland):
    path = f"/admin/orders/{order.id}" if page == "order" else f"/admin/customers/{order.id}"
    address, facts = address_and_facts(client.get(f"{path}?lang={language}").text)
    assert address.endswith(f"D02 X285 Dublin {ireland}")
    assert facts[language_label] == latvian


@pytest.mark.database_independent  # Babel's names, no table read
def test_a_code_babel_does_not_know_is_shown_as_it_is(app):
    with app.test_request_context("/"), force_locale("es"):
        assert [language_name(code) for code in ("pt-BR", "lv", "zz", "", None)] == [
            "Portugués (Brasil)", "Letón", "zz", "", ""]
        assert [country_name(code) for code in ("ie", "LV", "XX", "")] == ["Irlanda", "Letonia", "XX", ""]
