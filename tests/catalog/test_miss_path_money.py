"""`format_money` keeps each amount's text once made; the text is always Babel's for that amount,
currency and language, however the calls interleave."""
from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency

from storefront.money import format_money

AMOUNTS = sorted({0, 1, -1, 5, 9, 10, 99, 100, 101, 999, 1000, 1050, 2500, 12345, -12345, 99999, 100000, 123456789,
                  -987654321, 10**12 + 7, -(10**15), *range(-250, 250, 7), *(n * 333 for n in range(1, 60))})


def babel(minor: int, currency: str, locale: str) -> str:
    digits = {"JPY": 0, "KWD": 3}.get(currency, 2)
    return format_currency(Decimal(minor).scaleb(-digits), currency, locale=locale)


@pytest.mark.parametrize("currency", ["EUR", "USD", "JPY", "KWD"])
def test_every_amount_reads_as_babel_writes_it_in_every_language(currency):
    for _ in range(2):  # the second pass reads what the first one kept
        for minor in AMOUNTS:
            for locale in ("en", "lv", "es"):  # interleaved: the language is part of what is kept
                assert format_money(minor, currency, locale) == babel(minor, currency, locale), (minor, locale)


def test_the_shoppers_language_and_the_shops_currency_are_the_defaults(app):
    app.config["SHOP_CURRENCY"] = "EUR"
    seen = {}
    for lang in ("lv", "en", "es", "lv"):
        # An app context of its own, as each request has (the test's would keep the first language).
        with app.app_context(), app.test_request_context(f"/?lang={lang}"):
            seen[lang] = format_money(123456)
            assert seen[lang] == babel(123456, "EUR", lang)
    assert len(set(seen.values())) == 3
    try:
        app.config["SHOP_CURRENCY"] = "USD"
        with app.app_context(), app.test_request_context("/?lang=en"):
            assert format_money(123456) == "$1,234.56"
    finally:
        app.config["SHOP_CURRENCY"] = "EUR"
