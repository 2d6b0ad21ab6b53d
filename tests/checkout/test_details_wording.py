"""The details page reads right whichever delivery is chosen, in each language: its heading asked
"Where should we send it?" and the phone was "for the courier" while the shopper had chosen to
pick the order up at the studio, where nothing is sent and no courier calls."""
from __future__ import annotations

import html
import re

import pytest

from tests.factories import checkout_form, make_product

# Heading; the phone's label; its hint, read as the field's description.
WORDS = {
    "en": ("Your details", "Phone (optional)",
           "In case the courier or our studio needs to reach you about this order."),
    "es": ("Tus datos", "Teléfono (opcional)",
           "Por si el mensajero o nuestro taller necesitan contactarte por este pedido."),
    "lv": ("Jūsu dati", "Tālrunis (nav obligāti)",
           "Ja kurjeram vai mūsu darbnīcai būs jāsazinās ar jums par šo pasūtījumu."),
}


@pytest.mark.parametrize("language", WORDS)
@pytest.mark.parametrize("delivery", ("pickup", "standard"))
def test_the_details_page_names_what_it_asks_for_a_pick_up_and_a_delivery(client, language, delivery):
    scarf = make_product("Scarf", variants=[{"price": 30_00, "stock": 5}]).variants[0]
    client.post("/cart/add", data={"variant_id": scarf.id, "quantity": 1})
    assert client.post("/checkout", data=checkout_form(shipping_method=delivery)).status_code == 303
    # Back from the review ("Change details"): the page shows the delivery chosen.
    page = html.unescape(client.get(f"/checkout?lang={language}").get_data(as_text=True))
    assert re.search(rf'<input[^>]*checked[^>]*value="{delivery}"|<input[^>]*value="{delivery}"[^>]*checked', page)

    heading, label, hint = WORDS[language]
    assert re.search(r"<h1>(.*?)</h1>", page, re.S).group(1).strip() == heading
    assert re.search(r'<label for="phone">(.*?)</label>', page).group(1) == label
    phone = re.search(r'<input[^>]*\bid="phone"[^>]*>', page).group(0)
    assert 'aria-describedby="phone-hint"' in phone
    assert re.search(r'<p class="hint" id="phone-hint">(.*?)</p>', page).group(1) == hint
