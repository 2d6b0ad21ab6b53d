"""Money: integer minor units of the shop's one currency, formatted and rounded here only.

The rounding rule, everywhere: amounts derived by multiplication or division (tax, percentages)
are computed exactly with `Decimal` and rounded once, half away from zero, to the minor unit.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision, get_currency_symbol, get_decimal_symbol
from flask import current_app, has_request_context

from .i18n import current_locale

# The most one payment can take, in minor units: Stripe's limit for the euro and most currencies
# (€999,999.99). A price, a cart and an order stay within it, so what the shop sells can be paid
# for, and every amount fits the database's INTEGER columns (PostgreSQL's end at 2,147,483,647).
MAX_PAYMENT = 99_999_999

def minor_digits(currency: str) -> int:
    return get_currency_precision(currency)


def round_minor(amount: Decimal) -> int:
    """Round an exact amount of minor units to a whole minor unit, half away from zero."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_decimal(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-minor_digits(currency))


def parse_major(text: str, currency: str) -> int:
    """Parse a price typed by staff ("12.50", "12,50", "12", "12,50 €") into minor units.

    Digits with one decimal mark, nothing else: "1e2", "0x10", "½" or "1.000,00" are not amounts a
    person types, and are refused rather than read as a number Python would accept.
    :raise ValueError: if the text is not a non-negative amount with at most the currency's digits.
    """
    cleaned = re.sub(r"\s", "", text)
    for mark in (currency, get_currency_symbol(currency, "en"), get_currency_symbol(currency, "lv")):
        cleaned = cleaned.removesuffix(mark).removeprefix(mark)
    if not re.fullmatch(r"[0-9]{1,15}(?:[.,][0-9]{1,15})?", cleaned):
        raise ValueError("not an amount")
    cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except ArithmeticError as exc:
        raise ValueError("not a number") from exc
    if not value.is_finite() or value < 0:
        raise ValueError("must be zero or more")
    if value > 10**10:  # before scaling: "1e999999" would overflow Decimal's context
        raise ValueError("too large")
    scaled = value.scaleb(minor_digits(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"at most {minor_digits(currency)} decimal places")
    if scaled > 10**10:
        raise ValueError("too large")
    return int(scaled)


def format_major(minor: int, currency: str) -> str:
    """Plain decimal text for feeds and CSV (``12.50``), no symbol, no locale."""
    return f"{to_decimal(minor, currency):.{minor_digits(currency)}f}"


def typed_number(plain: str, locale: str | None = None) -> str:
    """A plain decimal ("12.50") as staff type it in the page's language: "12,50" in Latvian and
    Spanish. No grouping; the shop's parsers read either mark back. Outside a request (no page,
    no language) the plain text, without asking for a locale."""
    if locale is None:
        if not has_request_context():
            return plain
        locale = str(current_locale())
    mark = get_decimal_symbol(locale)
    return plain.replace(".", mark) if mark in ",." else plain


def typed_amount(minor: int, currency: str, locale: str | None = None) -> str:
    """An amount as staff type it, for a form field or a hint (`typed_number` of `format_major`)."""
    return typed_number(format_major(minor, currency), locale)


# A space between a figure and the currency sign beside it ("10 €", "€ 10"): the dollar, cent,
# pound, generic and yen signs and Unicode's block of currency signs (€ is U+20AC).
_CURRENCY_SIGN = "[$\u00a2-\u00a5\u20a0-\u20cf]"
_SPACE_IN_AMOUNT = re.compile(rf"(?<=\d) (?={_CURRENCY_SIGN})|(?<={_CURRENCY_SIGN}) (?=\d)")


def keep_amounts_whole(text: str) -> str:
    """`text` with a no-break space between each figure and the currency sign beside it: staff
    write "10 € atlaide" with an ordinary space, and a narrow line ended between "10" and "€".
    (Amounts the shop formats have Babel's no-break space already.)"""
    return _SPACE_IN_AMOUNT.sub("\u00a0", text) if text else text


def format_money(minor: int, currency: str | None = None, locale: str | None = None) -> str:
    """The amount as the shopper reads it, in their language (``€12.50``, ``12,50 €``)."""
    return _formatted(minor, currency or current_app.config["SHOP_CURRENCY"], locale or str(current_locale()))


# Babel takes ~60 µs an amount (locale data, pattern, Decimal arithmetic), and a page shows the
# same few prices again and again (cards, variant pickers, banners), for every visitor: the text
# of each (amount, currency, locale) is made once. Babel's output for them never changes while
# the process runs; the bound keeps a caller formatting many distinct amounts from growing it.
@lru_cache(maxsize=8192)
def _formatted(minor: int, currency: str, locale: str) -> str:
    return format_currency(to_decimal(minor, currency), currency, locale=locale)
