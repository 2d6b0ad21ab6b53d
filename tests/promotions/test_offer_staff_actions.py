"""The staff-actions list on an offer's page reads as sentences in the staff member's language,
never as a dump of the fields the audit log keeps."""
from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from promotions.models import Offer
from storefront.audit.service import record
from storefront.extensions import db
from tests.backoffice.conftest import sign_in
from tests.factories import make_product, make_user

from .test_offer_admin import offer_form


@pytest.fixture
def marketer(client):
    user = make_user("marketer@example.com", "marketer")
    sign_in(client, user)
    return user


def staff_actions(client, offer_id: int, lang: str = "en") -> str:
    page = client.get(f"/admin/offers/{offer_id}?lang={lang}").text
    return html.unescape(re.sub(r"\s+", " ", page[page.index("audit-trail"):]))


def test_an_edit_reads_as_what_changed_from_what_to_what(client, marketer):
    scarf = make_product("Wool scarf")
    assert client.post("/admin/offers/new", data=offer_form(benefit="fixed", amount="10.00")).status_code == 302
    offer_id = db.session.scalar(sa.select(Offer.id))
    changed = offer_form(benefit="fixed", amount="15.00", audience="tab_visitors",
                         audience_pages="telegram:ZiemeluVilnaBot", cap_total="300", exclusive="y",
                         target="products", product_ids=str(scarf.id))
    assert client.post(f"/admin/offers/{offer_id}/edit", data=changed).status_code == 302

    shown = staff_actions(client, offer_id)

    assert "Changed the amount from €10.00 to €15.00." in shown
    assert "Limited to followers of Telegram" in shown and "ZiemeluVilnaBot" in shown
    assert "Changed who it is for from “Everyone” to “Tab visitors”." in shown
    assert "Changed the total cap from “no cap” to 300." in shown
    assert "Changed the products from (none) to Wool scarf." in shown
    assert "Made it exclusive" in shown
    assert "Created the offer “Follower week” as a draft." in shown
    for dump in ("amount: ", "audience_pages: ", "None", "[]"):
        assert dump not in shown


def test_the_sentences_are_in_the_staff_members_language(client, marketer):
    assert client.post("/admin/offers/new", data=offer_form(benefit="fixed", amount="10.00")).status_code == 302
    offer_id = db.session.scalar(sa.select(Offer.id))
    client.post(f"/admin/offers/{offer_id}/edit", data=offer_form(benefit="fixed", amount="15.00"))

    spanish, latvian = staff_actions(client, offer_id, "es"), staff_actions(client, offer_id, "lv")

    assert "Changed the amount" not in spanish and "10,00 €" in spanish and "15,00 €" in spanish
    assert "Changed the amount" not in latvian and "10,00 €" in latvian and "15,00 €" in latvian


def test_an_entry_written_before_old_values_were_kept_still_reads_as_a_sentence(client, marketer):
    assert client.post("/admin/offers/new", data=offer_form()).status_code == 302
    offer_id = db.session.scalar(sa.select(Offer.id))
    record(marketer, "offer.updated", "offer", offer_id, status="draft", amount=1500, audience_pages=[],
           min_subtotal=None)
    db.session.commit()

    shown = staff_actions(client, offer_id)

    assert "Set the amount to €15.00." in shown
    assert "No longer limited to particular pages." in shown
    assert "Set the minimum subtotal to (none)." in shown
    assert "amount: " not in shown and "None" not in shown


def test_every_field_an_edit_can_change_reads_as_a_sentence(client, marketer):
    assert client.post("/admin/offers/new", data=offer_form()).status_code == 302
    offer_id = db.session.scalar(sa.select(Offer.id))
    record(marketer, "offer.updated", "offer", offer_id, status="draft", changed={
        "shipping_methods": [["standard"], ["standard", "express"]], "translations": [{}, {"es": {"name": "Semana"}}],
        "thank_you": [False, True], "priority": [0, 5]})
    db.session.commit()

    shown = staff_actions(client, offer_id)

    assert ("Changed the deliveries it makes free from standard delivery to standard delivery, express delivery."
            in shown)
    assert "Changed the name or description in another language." in shown
    assert "Sends a thank-you code with each paid order." in shown
    assert "Changed the priority from 0 to 5." in shown
    assert "shipping_methods" not in shown and "{" not in shown.split("audit-trail", 1)[1]
