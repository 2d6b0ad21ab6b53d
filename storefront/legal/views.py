"""`GET /legal/<page>`: a legal page in the shopper's language, the same for every visitor (cached)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import format_date, get_locale

from ..i18n import requested_language
from . import mail as _mail  # noqa: F401  (adds the contract's terms to an order's first mails)
from . import service

bp = Blueprint("legal", __name__)


@bp.app_context_processor
def legal_links() -> dict:
    """The footer's and the checkout's links: the pages, in order (no query)."""
    return {"legal_pages": service.PAGES}


@bp.get("/legal/<page>")
def page(page: str):
    """:raise 404: for a page the shop does not have or has not written."""
    text = service.page_text(page, str(get_locale()), current_app.config["LANGUAGES"][0])
    return render_template("legal/page.html", page=page, text=text, updated=format_date(text.updated_at, "long"),
                           body=service.render_body(text.body, current_app.config, language=requested_language(),
                                                    text_language=text.language))
