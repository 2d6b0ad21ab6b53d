"""The back office's legal pages (admins: MANAGE_SETTINGS): the list, and one page's editor with
every language side by side."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..accounts.models import Permission
from ..accounts.permissions import permission_required
from ..backoffice.shell import acting_user, staff_blueprint, submit
from ..database import utcnow
from ..i18n import LANGUAGE_NAMES
from . import service
from .forms import LegalPageForm

bp = staff_blueprint("legal_admin", __name__, "/admin/legal")


@bp.get("")
@permission_required(Permission.MANAGE_SETTINGS)
def pages():
    return render_template("admin/legal_pages.html", pages=service.PAGES, written=service.written_languages(),
                           languages=current_app.config["LANGUAGES"], language_names=LANGUAGE_NAMES)


@bp.route("/<page>", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_SETTINGS)
def edit(page: str):
    """:raise 404: for a page the shop does not have."""
    texts = service.texts_of(page)
    languages = current_app.config["LANGUAGES"]
    form = LegalPageForm.for_languages(languages)()
    if not form.is_submitted():
        form.fill(texts)
    sent = submit(form, lambda: service.save_page(acting_user(), page, form.drafts(),
                                                  default_language=languages[0], now=utcnow()))
    if sent.done:
        flash(_("Page saved.") if sent.result else _("Nothing changed."), "success")
        return redirect(url_for(".edit", page=page))
    return render_template("admin/legal_edit.html", page=page, form=form, languages=languages,
                           language_names=LANGUAGE_NAMES, texts=texts), sent.status
