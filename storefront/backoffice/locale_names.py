"""Languages and countries by name in the staff member's language: an order keeps codes ("lv",
"IE"), staff read words ("Latvian", "Irlanda", "Īrija").

The names are CLDR's, through Babel, translated already: they need no entry in the message catalogs.
A code Babel does not know is shown as it is.
"""
from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale

from .. import i18n


def _stand_alone(name: str) -> str:
    # CLDR writes Spanish and Latvian language names in small letters, as they are inside a
    # sentence ("inglés", "angļu"); its context transforms capitalise them when they stand alone,
    # as a value in a list does. Babel does not carry those transforms.
    return name[:1].upper() + name[1:]


def language_name(code: str | None) -> str:
    """The language of `code` ("lv", "pt_BR", "pt-BR") named in the current locale's words."""
    if not code:
        return ""
    try:
        language = Locale.parse(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return code
    return _stand_alone(language.get_display_name(get_locale()) or code)


def country_name(code: str | None) -> str:
    """The country of an ISO 3166 code ("LV", "ie") named in the current locale's words."""
    if not code:
        return ""
    return i18n.country_name(code) or code
