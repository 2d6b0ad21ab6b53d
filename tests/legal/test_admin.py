"""Admins edit each legal page in every language side by side; each change is audited, bad input
is refused with a message on its field and writes nothing, and no other role may edit."""
from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from storefront.extensions import db
from storefront.legal.models import LegalText
from tests.backoffice.conftest import admin, audit_actions, staff  # noqa: F401 - fixtures

FULL = {"title_en": "Terms of sale", "body_en": "## Prices\n\nPrices include VAT.",
        "title_es": "Condiciones de venta", "body_es": "Los precios incluyen el IVA.",
        "title_lv": "Pārdošanas noteikumi", "body_lv": "Cenas ietver PVN."}


def stored() -> dict[str, tuple[str, str]]:
    db.session.expire_all()
    return {row.language: (row.title, row.body) for row in db.session.scalars(sa.select(LegalText))}


def test_an_admin_writes_a_page_in_three_languages_at_once_and_the_edit_is_audited(client, admin):
    editor = client.get("/admin/legal/terms").get_data(as_text=True)
    assert all(f'name="{name}"' in editor for name in FULL)
    assert '<fieldset class="legal-column" lang="lv">' in editor
    response = client.post("/admin/legal/terms", data=FULL)
    assert response.status_code == 302
    assert stored() == {"en": ("Terms of sale", FULL["body_en"]), "es": ("Condiciones de venta", FULL["body_es"]),
                        "lv": ("Pārdošanas noteikumi", FULL["body_lv"])}
    assert audit_actions() == ["legal_page.update"]
    assert "Cenas ietver PVN." in client.get("/legal/terms?lang=lv").get_data(as_text=True)


def test_saving_the_same_texts_again_changes_and_audits_nothing(client, admin):
    client.post("/admin/legal/terms", data=FULL)
    client.post("/admin/legal/terms", data=FULL)
    assert audit_actions() == ["legal_page.update"]


def test_a_language_emptied_is_removed_and_its_shoppers_read_the_default(client, admin):
    client.post("/admin/legal/terms", data=FULL)
    client.post("/admin/legal/terms", data={**FULL, "title_es": "", "body_es": ""})
    assert set(stored()) == {"en", "lv"}
    assert "Prices include VAT." in client.get("/legal/terms?lang=es").get_data(as_text=True)


def test_the_list_marks_the_languages_still_missing(client, admin):
    client.post("/admin/legal/terms", data={**FULL, "title_lv": "", "body_lv": ""})
    rows = client.get("/admin/legal").get_data(as_text=True)
    terms = re.search(r'<tr[^>]*>\s*<td[^>]*><a href="/admin/legal/terms">.*?</tr>', rows, flags=re.DOTALL).group(0)
    assert terms.count("Written") == 2 and terms.count("Missing") == 1


@pytest.mark.parametrize("change, field, message", [
    ({"title_en": "", "body_en": ""}, "title_en", "Write this page in the shop's default language"),
    ({"body_es": ""}, "body_es", "Write the page's text in this language too"),
    ({"title_lv": ""}, "title_lv", "Give the page a title in this language too."),
    ({"title_es": "Bad\x00title"}, "title_es", "Remove the line breaks, tabs and control characters"),
    ({"body_lv": "x" * 60_001}, "body_lv", "Field cannot be longer than 60000 characters."),
    ({"body_lv": "Sveiki no {shop_nam}!"}, "body_lv", "The shop fills in no {shop_nam}. Use one of: {shop_name},"),
])
def test_bad_input_is_refused_on_its_field_and_nothing_is_written(client, admin, change, field, message):
    response = client.post("/admin/legal/terms", data={**FULL, **change})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html.unescape(page)
    assert f'id="{field}" name="{field}"' in page or f'name="{field}"' in page
    assert re.search(rf'<(?:input|textarea)[^>]*aria-invalid="true"[^>]*id="{field}"'
                     rf'|<(?:input|textarea)[^>]*id="{field}"[^>]*aria-invalid="true"', page)
    assert stored() == {} and audit_actions() == []


def test_an_unknown_page_has_no_editor(client, admin):
    assert client.get("/admin/legal/cookies").status_code == 404


@pytest.mark.parametrize("role", ["marketer", "support"])
def test_only_admins_edit_the_legal_pages(client, staff, role):
    staff(role)
    assert client.get("/admin/legal").status_code == 403
    assert client.post("/admin/legal/terms", data=FULL).status_code == 403
    assert stored() == {}
