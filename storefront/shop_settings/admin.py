"""The back office's settings page (admins: MANAGE_SETTINGS): every editable setting in sections,
saved together; a setting an admin changed can be put back to the environment's default."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..accounts.models import Permission
from ..accounts.permissions import permission_required
from ..backoffice.shell import acting_user, require_confirmation, show_error, staff_blueprint, submit
from ..database import utcnow
from . import service
from .forms import SettingsForm
from .registry import SECTIONS, InvalidSetting

bp = staff_blueprint("settings_admin", __name__, "/admin/settings")


@bp.route("", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_SETTINGS)
def edit():
    states, last = service.settings_in_force(), service.last_change()
    form = SettingsForm.for_settings(states)()
    if not form.is_submitted():
        form.fill(service.version_seen(last))
    sent = submit(form, lambda: service.change_settings(form.changes(), acting_user(), now=utcnow(),
                                                        based_on=form.version.data or ""))
    if sent.done:
        flash(_("Settings saved. The shop uses them from the next page on.") if sent.result
              else _("Nothing changed."), "success")
        return redirect(url_for(".edit"))
    if sent.status == 409:  # another admin saved first: show what is in force now
        form = SettingsForm.for_settings(states)(formdata=None)
        form.fill(service.version_seen(last))
    return _page(form, states, last), sent.status


@bp.post("/reset/<key>")
@permission_required(Permission.MANAGE_SETTINGS)
def reset(key: str):
    """Put one setting back to the environment's default. :raise 400: for an unknown setting."""
    require_confirmation()
    try:
        service.change_settings({}, acting_user(), now=utcnow(), reset=[key])
    except InvalidSetting as error:
        states, last = service.settings_in_force(), service.last_change()
        form = SettingsForm.for_settings(states)(formdata=None)
        form.fill(service.version_seen(last))
        return _page(form, states, last), show_error(None, error)
    flash(_("The setting is back to its default."), "success")
    return redirect(url_for(".edit", _anchor=f"setting-{key}"))


def _page(form, states, last):
    return render_template("admin/settings.html", form=form, states=states, sections=SECTIONS, last=last)
