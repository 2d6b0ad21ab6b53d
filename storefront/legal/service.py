"""Reading and editing the legal pages.

A shopper reads a page in their language, or in the shop's default language where that one was
never written (a page is never half in one language). Texts are Markdown without HTML: an admin
can write headings, lists, emphasis and links, never markup or script, and the shop's name and
contact details (`{shop_name}`, `{email}`, …) are filled in from configuration at render time, so
the same stored text stays true when the shop moves or renames itself.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import get_locale
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from ..audit.service import record
from ..database import write_transaction
from ..errors import ConflictError, NotFoundError, ShopError
from ..extensions import db
from ..i18n import country_name
from .models import BODY_LENGTH, TITLE_LENGTH, LegalText

# The pages, in the order the footer lists them, with the label links use.
PAGES: dict[str, object] = {
    "returns": _l("Returns & withdrawal"),
    "terms": _l("Terms of sale"),
    "privacy": _l("Privacy"),
    "contact": _l("Contact & imprint"),
    "accessibility": _l("Accessibility"),
}
# The configuration each placeholder reads: the shop's real name and contact, never the demo's.
PLACEHOLDERS = {
    "shop_name": "SHOP_NAME",
    "legal_name": "SHOP_LEGAL_NAME",
    "address": "SHOP_ADDRESS",
    "email": "SHOP_EMAIL",
    "phone": "SHOP_PHONE",
    "registration_number": "SHOP_REGISTRATION_NUMBER",
    "vat_number": "SHOP_VAT_NUMBER",
}
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_PLACEHOLDER_LIKE = re.compile(r"\{([a-z][a-z_]{0,40})\}")  # what a placeholder typed by hand looks like
_POSTCODE = re.compile(r"\b[A-Z]{2}-\d{3,6}\b")  # "LV-1003", "EE-10111"
# An address that already ends with its country may name it in these languages, or by these.
_ADDRESS_LANGUAGES = ("en", "es", "lv", "de", "fr", "ru", "et", "lt", "pl", "fi", "sv")
_COUNTRY_ABBREVIATIONS = {"US": {"USA", "U.S.A", "U.S"}, "GB": {"UK", "U.K"}}
# CommonMark with raw HTML off (typed markup is shown as text) and its own link check (no
# `javascript:` or `data:` links); tables for the imprint's details.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def _text_keeping_postcodes_whole(renderer, tokens, idx, options, env) -> str:
    """Text as Markdown writes it, with each postcode ("LV-1003") in a span that does not break at
    its hyphen (at 400 px "LV-" ended one line and "1003" began the next). The hyphen stays the
    one the shop typed, so an address copied from the page pastes as it was written."""
    text = escapeHtml(tokens[idx].content)
    return _POSTCODE.sub(lambda match: f'<span class="postcode">{match.group(0)}</span>', text)


_MARKDOWN.add_render_rule("text", _text_keeping_postcodes_whole)


class LegalPageNotFound(NotFoundError):
    default_message = _l("We could not find that page.")


class LegalTextRefused(ShopError):
    code = "invalid_legal_text"
    status = 400


class LegalPageSavedMeanwhile(ConflictError):
    code = "legal_page_saved_meanwhile"
    default_message = _l("Someone else saved this page at the same moment. Reload it and try again.")


@dataclass(frozen=True)
class Draft:
    """What an admin sent for one language: both blank means "not written in this language"."""

    title: str
    body: str

    @property
    def blank(self) -> bool:
        return not self.title and not self.body


def check_page(page: str) -> str:
    """:raise LegalPageNotFound: for a page the shop does not have."""
    if page not in PAGES:
        raise LegalPageNotFound()
    return page


def page_text(page: str, language: str, default_language: str) -> LegalText:
    """The page in `language`, else in the default language (one query).

    :raise LegalPageNotFound: for an unknown page, or one written in neither language.
    """
    check_page(page)
    rows = db.session.scalars(sa.select(LegalText).where(
        LegalText.page == page, LegalText.language.in_({language, default_language}))).all()
    by_language = {row.language: row for row in rows}
    text = by_language.get(language) or by_language.get(default_language)
    if text is None:
        raise LegalPageNotFound()
    return text


def texts_of(page: str) -> dict[str, LegalText]:
    """Every language's text of one page, by language. :raise LegalPageNotFound:"""
    check_page(page)
    rows = db.session.scalars(sa.select(LegalText).where(LegalText.page == page)).all()
    return {row.language: row for row in rows}


def written_languages() -> dict[str, set[str]]:
    """For the back office's list: which languages each page is written in (one query)."""
    written: dict[str, set[str]] = {page: set() for page in PAGES}
    for page, language in db.session.execute(sa.select(LegalText.page, LegalText.language)):
        written.setdefault(page, set()).add(language)
    return written


def fill_placeholders(text: str, config, language: str | None = None) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        filled = str(config.get(PLACEHOLDERS[name]) or "")
        return postal_address(filled, config.get("SHOP_COUNTRY") or "", language) if name == "address" else filled

    return _PLACEHOLDER.sub(value, text)


def postal_address(address: str, country: str, language: str | None) -> str:
    """The shop's address with its country (SHOP_COUNTRY, a code) named in the reader's language
    ("…, Latvija" on a Latvian page, "…, Letonia" on a Spanish one), unless its last part already
    names it (in one of the languages shops around it write addresses in, or as its code)."""
    address = address.strip()
    country = country.strip().upper()
    if not address or not re.fullmatch(r"[A-Z]{2}", country) or country == "ZZ":  # ZZ: "unknown region"
        return address
    name = country_name(country, language or "en")
    known = {country_name(country, code) or "" for code in _ADDRESS_LANGUAGES}
    known = {text.casefold() for text in known | {name or "", country} | _COUNTRY_ABBREVIATIONS.get(country, set())}
    last = re.split(r"[,\n]", address)[-1].strip(" .;").casefold()
    if not name or last in known:
        return address
    return f"{address}, {name}"


def render_body(body: str, config, *, language: str | None = None, text_language: str | None = None,
                base_url: str | None = None) -> Markup:
    """The stored Markdown as safe HTML, the shop's details filled in. With `language` (the page
    was asked for with `?lang=`, as the shop's own links keep it), a link to another of the shop's
    pages ("[withdrawal](/legal/returns)") keeps it too: a shopper reading the terms in Latvian
    reads the returns page in Latvian, whatever their browser's language. The shop's country is
    named in `text_language`, the language the text is written in (default: the page's). With
    `base_url` (a mail's: it is read away from the shop), a link to one of the shop's pages is
    absolute."""
    tokens = _MARKDOWN.parse(fill_placeholders(body, config, text_language or _page_language()))
    if language is not None or base_url is not None:
        for token in tokens:
            for child in token.children or ():
                if child.type == "link_open":
                    href = str(child.attrGet("href") or "")
                    if language is not None:
                        href = in_language(href, language)
                    if base_url is not None and href.startswith("/") and not href.startswith("//"):
                        href = base_url.rstrip("/") + href
                    child.attrSet("href", href)
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    return Markup(html)  # noqa: S704 - html is off: no markup passes


def _page_language() -> str | None:
    locale = get_locale()
    return locale.language if locale is not None else None


def in_language(href: str, language: str) -> str:
    """`href` with `lang=language` in its query when it is an address of this shop (a path)."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return href
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name != "lang"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("lang", language)])))


def _check_drafts(drafts: dict[str, Draft], default_language: str) -> None:
    """:raise LegalTextRefused: naming the field to fix."""
    if drafts[default_language].blank:
        raise LegalTextRefused(_l("Write this page in the shop's default language: shoppers of every "
                                  "other language read it where theirs is missing."),
                               field=f"title_{default_language}")
    for language, draft in drafts.items():
        if draft.blank:
            continue
        if not draft.title:
            raise LegalTextRefused(_l("Give the page a title in this language too."), field=f"title_{language}")
        if not draft.body:
            raise LegalTextRefused(_l("Write the page's text in this language too, or leave its title empty."),
                                   field=f"body_{language}")
        if len(draft.title) > TITLE_LENGTH or len(draft.body) > BODY_LENGTH:
            raise LegalTextRefused(_l("This text is too long."), field=f"body_{language}")
        unknown = [name for name in _PLACEHOLDER_LIKE.findall(draft.body) if name not in PLACEHOLDERS]
        if unknown:
            # A mistyped "{shop_nam}" would reach shoppers as written.
            raise LegalTextRefused(_l("The shop fills in no {%(name)s}. Use one of: %(known)s.", name=unknown[0],
                                      known=", ".join(f"{{{name}}}" for name in PLACEHOLDERS)),
                                   field=f"body_{language}")


def save_page(actor, page: str, drafts: dict[str, Draft], *, default_language: str, now: dt.datetime) -> list[str]:
    """Store one page's texts in every language at once; a language left blank is removed (its
    shoppers then read the default language). Returns the languages that changed, which the audit
    log names.

    :raise LegalPageNotFound: :raise LegalTextRefused: :raise LegalPageSavedMeanwhile:
    """
    check_page(page)
    _check_drafts(drafts, default_language)
    try:
        with write_transaction():
            stored = {row.language: row for row in db.session.scalars(
                sa.select(LegalText).where(LegalText.page == page).with_for_update())}
            changed = []
            for language, draft in drafts.items():
                row = stored.get(language)
                if draft.blank:
                    if row is not None:
                        db.session.delete(row)
                        changed.append(language)
                elif row is None:
                    db.session.add(LegalText(page=page, language=language, title=draft.title, body=draft.body,
                                             updated_at=now))
                    changed.append(language)
                elif (row.title, row.body) != (draft.title, draft.body):
                    row.title, row.body, row.updated_at = draft.title, draft.body, now
                    changed.append(language)
            if changed:
                record(actor, "legal_page.update", "legal_page", page, languages=changed)
    except IntegrityError:
        # Two admins wrote the first text of one language at once (PostgreSQL: the lock above
        # covers only rows that already existed); the unique constraint kept one.
        raise LegalPageSavedMeanwhile() from None
    return changed
