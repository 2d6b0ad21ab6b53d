"""Shop content in the shop's languages: product, category and offer text, colour and size names.

The shop's default language (the first of `LANGUAGES`) stays in the rows' own columns (`title`,
`name`, `description`, `option_names`, the variants' `options`); every other language lives in
the same row, in one JSON column `translations`:

    products.translations   {"es": {"title": …, "description": …,
                                    "options": {"Colour": "Color"},
                                    "values": {"Colour": {"Navy": "Azul marino"}}}, "lv": {…}}
    categories.translations {"es": {"name": …, "description": …}, "lv": {…}}
    offers.translations     {"es": {"name": …, "description": …}, "lv": {…}}

Kept with the row, a translation costs no statement: the product page, a listing or the feed
reads exactly what it read in one language (a translation table joined per locale would add a
join or a statement to every page). A text missing in a language (absent or empty) falls back to
the default language's column, and the back office marks it. Slugs and SKUs are the same in every
language, and variants keep their default-language option values, which the carts and orders
store; only what a shopper reads is translated.

`localized` is the one accessor: the models' `localized(field)`, the cards and the API use it. It
joins a figure and its currency sign with a no-break space, as the shop's own amounts are joined.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, g, has_app_context
from flask_babel import get_locale

from ..money import keep_amounts_whole

# The JSON keys of each kind of row's translated text.
PRODUCT_FIELDS = ("title", "description")
CATEGORY_FIELDS = ("name", "description")
OFFER_FIELDS = ("name", "description")


def shop_languages() -> list[str]:
    """The shop's languages, the default first."""
    return list(current_app.config["LANGUAGES"])


def other_languages() -> list[str]:
    """The languages kept in `translations` (every one but the default)."""
    return shop_languages()[1:]


def content_language(language: str | None = None) -> str | None:
    """The language to show content in: the one named, else the request's or the one
    `force_locale` chose (an e-mail), else None (the default language)."""
    if language:
        return language
    if not has_app_context():
        return None
    # flask_babel keeps the request's locale on `g` (and `force_locale` changes it there): read it
    # in one lookup, as `templating.current_locale` does, since a product page asks dozens of times.
    locale = getattr(getattr(g, "_flask_babel", None), "babel_locale", None) or get_locale()
    return locale.language if locale is not None else None


def localized(translations: Mapping | None, field: str, default: str, language: str | None = None) -> str:
    """`field` of the row in `language` (default: the request's), else the default-language text;
    an amount in it kept on one line (`keep_amounts_whole`: an offer named "10 € atlaide")."""
    if translations:
        language = content_language(language)
        text = (translations.get(language) or {}).get(field) if language else None
        if text:
            return keep_amounts_whole(text)
    return keep_amounts_whole(default)


def localized_option_name(translations: Mapping | None, name: str, language: str | None = None) -> str:
    """An option's name ("Colour") in the language, else as stored."""
    return _option_text(translations, "options", name, language) or name


def localized_option_value(translations: Mapping | None, name: str, value, language: str | None = None) -> str:
    """An option's value ("Navy" of "Colour") in the language, else as stored."""
    values = _option_text(translations, "values", name, language)
    return (values or {}).get(str(value)) or str(value)


def _option_text(translations: Mapping | None, key: str, name: str, language: str | None):
    if not translations:
        return None
    language = content_language(language)
    return ((translations.get(language) or {}).get(key) or {}).get(name) if language else None


def missing_translations(translations: Mapping | None, defaults: Mapping[str, str],
                         languages: Iterable[str]) -> list[str]:
    """The languages in which some text that exists in the default language has no translation."""
    translations = translations or {}
    return [language for language in languages
            if any(text and not (translations.get(language) or {}).get(field) for field, text in defaults.items())]


class TranslatedText:
    """What reads a row's text per language: `localized`, `missing_languages` (mixed into the
    mapped rows through `Translated`, and into plain copies of them such as the product a page
    keeps, which have a `translations` attribute of their own)."""

    # The columns kept per language (the keys of each language's entry).
    translated_fields: tuple[str, ...] = ()

    def localized(self, field: str, language: str | None = None) -> str:
        """`field` in the language (default: the request's), else in the shop's default language."""
        return localized(self.translations, field, getattr(self, field) or "", language)

    def missing_languages(self) -> list[str]:
        """The other languages in which a text of this row has no translation (the back office's mark)."""
        return missing_translations(self.translations, {field: getattr(self, field) for field in self.translated_fields},
                                    other_languages())


class Translated(TranslatedText):
    """A row whose shopper-facing text exists per language (see the module's docstring)."""

    translations: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict, server_default="{}")
