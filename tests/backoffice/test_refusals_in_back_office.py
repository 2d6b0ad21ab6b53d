"""A member of staff refused a back-office page (403) stays in the back office: every staff address a
marketer or support may not use answers inside the back-office layout, with the navigation their
role allows, in their language, never the shop's page."""
from __future__ import annotations

import re

import pytest
from flask import current_app

WORDS = {"en": ("Not allowed", "Back to the dashboard"), "es": ("No permitido", "Volver al panel"),
         "lv": ("Nav atļauts", "Atpakaļ uz pārskatu")}


def staff_addresses() -> list[str]:
    """Every back-office page, its address parts filled with a number (a 403 comes before any lookup)."""
    return sorted({re.sub(r"<(?:\w+(?:\([^)]*\))?:)?\w+>", "1", rule.rule)
                   for rule in current_app.url_map.iter_rules()
                   if rule.rule.startswith("/admin") and "GET" in rule.methods})


@pytest.mark.parametrize("role", ["marketer", "support"])
@pytest.mark.parametrize("lang", ["en", "es", "lv"])
def test_every_refused_staff_page_is_shown_in_the_back_office_in_the_members_language(client, staff, role, lang):
    staff(role)
    refused = []
    for address in staff_addresses():
        response = client.get(f"{address}?lang={lang}")
        if response.status_code != 403:
            continue
        refused.append(address)
        page = response.get_data(as_text=True)
        assert 'class="admin"' in page and "site-header" not in page, address
        assert '<nav class="sidebar"' in page and 'href="/admin/"' in page, address
        assert f'<html lang="{lang}" ' in page, address
        for word in WORDS[lang]:
            assert word in page, (address, word)
    assert "/admin/legal" in refused and "/admin/staff" in refused


@pytest.mark.parametrize("address", ["/admin/no-such-page", "/admin/offers/no/such/page"])
def test_a_mistyped_staff_address_is_a_404_inside_the_back_office_for_staff_and_the_shops_for_others(
        client, staff, address):
    shopper = client.get(address, query_string={"lang": "lv"})
    assert shopper.status_code == 404 and 'class="admin"' not in shopper.get_data(as_text=True)
    staff("support")
    response = client.get(address, query_string={"lang": "lv"})
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'class="admin"' in page and "site-header" not in page and '<nav class="sidebar"' in page
    assert '<html lang="lv" ' in page and "Atpakaļ uz pārskatu" in page
