"""The back office's editor of one legal page: a title and a text per language, side by side."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from ..text_input import ShopForm
from .models import BODY_LENGTH, TITLE_LENGTH
from .service import Draft


class LegalPageForm(ShopForm):
    """Fields `title_<lang>` and `body_<lang>` for each language (`for_languages`)."""

    languages: tuple[str, ...] = ()

    @classmethod
    def for_languages(cls, languages: list[str]) -> type[LegalPageForm]:
        fields = {}
        for language in languages:
            fields[f"title_{language}"] = StringField(_l("Title"), validators=[Length(max=TITLE_LENGTH)])
            fields[f"body_{language}"] = TextAreaField(
                _l("Text"), validators=[Length(max=BODY_LENGTH)],
                description=_l("Markdown: ## for a heading, - for a list item, [words](address) for a link. "
                               "{shop_name}, {legal_name}, {address}, {email}, {phone}, {registration_number} "
                               "and {vat_number} are filled in from the shop's settings."))
        return type("LegalPageForm", (cls,), {"languages": tuple(languages), **fields})

    def fill(self, texts: dict) -> None:
        """Show the stored texts (by language) in the fields."""
        for language in self.languages:
            text = texts.get(language)
            self[f"title_{language}"].data = text.title if text else ""
            self[f"body_{language}"].data = text.body if text else ""

    def drafts(self) -> dict[str, Draft]:
        return {language: Draft(self[f"title_{language}"].data or "", self[f"body_{language}"].data or "")
                for language in self.languages}
