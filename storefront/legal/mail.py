"""The contract's terms in an order's first mails: who sold, and the right of withdrawal with the
model form, on a durable medium (Directive 2011/83/EU, art. 8(7)). A link to a web page is not
one: the returns page's text itself goes into the mail, in the order's language (else the
shop's default), as the shop wrote it, with the seller's details and links to the pages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from ..mail.service import order_mail_part, public_url
from .service import (PAGES, LegalPageNotFound, fill_placeholders, in_language, page_text, postal_address,
                      render_body)

# The order's first mails: the payment instructions of a manual payment, the receipt of a card's.
CONTRACT_MAILS = frozenset({"order_received", "receipt"})


@dataclass(frozen=True)
class ContractTerms:
    seller: list[tuple[str, str]]  # (label, value), the ones the shop has set
    withdrawal_title: str
    withdrawal_text: str  # the returns page as written, its Markdown marks taken out
    withdrawal_html: Markup
    links: list[tuple[str, str]]  # (the page's name, its address in the order's language)


@order_mail_part
def contract_terms(kind: str, language: str) -> dict:
    if kind not in CONTRACT_MAILS:
        return {}
    config = current_app.config
    seller = [(_("Seller"), config.get("SHOP_LEGAL_NAME") or config["SHOP_NAME"]),
              (_("Address"), postal_address(config.get("SHOP_ADDRESS") or "", config.get("SHOP_COUNTRY") or "",
                                            language)),
              (_("Registration number"), config.get("SHOP_REGISTRATION_NUMBER") or ""),
              (_("VAT number"), config.get("SHOP_VAT_NUMBER") or ""),
              (_("E-mail"), config.get("SHOP_EMAIL") or ""),
              (_("Phone"), config.get("SHOP_PHONE") or "")]
    links = [(str(PAGES[page]), public_url("legal.page", page=page, lang=language))
             for page in ("terms", "returns", "privacy")]
    try:
        text = page_text("returns", language, config["LANGUAGES"][0])
    except LegalPageNotFound:  # not written yet: the seller and the links still go
        title, body, html = "", "", Markup("")
    else:
        title = text.title
        base_url = public_url("legal.page", page="returns", lang=None).rsplit("/legal/", 1)[0]
        body = as_plain_text(fill_placeholders(text.body, config, text.language), base_url, language)
        html = render_body(text.body, config, language=language, text_language=text.language, base_url=base_url)
    return {"contract": ContractTerms(seller=[(label, value) for label, value in seller if value],
                                      withdrawal_title=title, withdrawal_text=body, withdrawal_html=html,
                                      links=links)}


def as_plain_text(markdown: str, base_url: str = "", language: str | None = None) -> str:
    """Markdown as a plain-text mail reads it: headings' "#"s, emphasis's "*"s and escapes go,
    a heading stands in capitals (the text part has no bold), links keep their address (a link to
    one of the shop's pages in `language`, as `render_body` writes it in the HTML part)."""
    lines = []
    for line in markdown.splitlines():
        heading = re.match(r"\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            line = heading.group(1).upper()
        line = re.sub(r"\[([^\]]*)\]\(([^)\s]+)[^)]*\)",
                      lambda link: f"{link.group(1)} ({_absolute(_in(link.group(2), language), base_url)})", line)
        line = re.sub(r"(\*\*|__)(.+?)\1", r"\2", line)
        line = re.sub(r"\\([\\`*_{}\[\]()#+\-.!])", r"\1", line)
        lines.append(line)
    return "\n".join(lines)


def _in(href: str, language: str | None) -> str:
    return in_language(href, language) if language else href


def _absolute(href: str, base_url: str) -> str:
    return base_url.rstrip("/") + href if href.startswith("/") and not href.startswith("//") else href
