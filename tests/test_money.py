"""Amounts as a shopper reads them never part from their sign at the end of a line: the shop's own
(Babel's no-break space in Latvian and Spanish) and those in text staff wrote ("10 € atlaide")."""
from __future__ import annotations

import pytest

from storefront.money import format_money, keep_amounts_whole


@pytest.mark.parametrize("locale, shown", [
    ("lv", "1\u00a0234,50\u00a0€"), ("es", "1.234,50\u00a0€"), ("en", "€1,234.50")])
def test_a_formatted_amount_holds_its_sign_and_its_thousands_with_no_break_spaces(locale, shown):
    assert format_money(123450, "EUR", locale) == shown


@pytest.mark.parametrize("written, shown", [
    ("10 € atlaide no 60 €", "10\u00a0€ atlaide no 60\u00a0€"),
    ("10 € de descuento desde 60 €", "10\u00a0€ de descuento desde 60\u00a0€"),
    ("€ 10 off", "€\u00a010 off"),
    ("$ 5 and 5 £", "$\u00a05 and 5\u00a0£"),
    ("€5 off 2 + 2 € shipping", "€5 off 2 + 2\u00a0€ shipping"),
    ("€10 off from €60", "€10 off from €60"),  # nothing to join
    ("130 × 170 cm, 2 colours", "130 × 170 cm, 2 colours"),  # a figure beside a word stays as written
    ("", ""),
])
def test_a_figure_in_staff_text_keeps_its_currency_sign(written, shown):
    assert keep_amounts_whole(written) == shown
