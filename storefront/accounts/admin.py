"""The back office's staff pages: admins invite, set roles, disable and sign out staff
(`/admin/staff`); every member changes their own password and ends their sessions
(`/admin/account`). Thin: each button is one use case of `accounts.service`, `sessions` or
`invitations`, audited there."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from ..backoffice.shell import ConfirmForm, acting_user, require_confirmation, show_error, staff_blueprint, submit
from ..database import utcnow
from ..errors import ShopError
from . import invitations, service, sessions
from .forms import ChangePasswordForm, InviteForm, RoleForm
from .models import ROLE_LABELS, Permission
from .permissions import permission_required

bp = staff_blueprint("staff", __name__, "/admin/staff")
own = staff_blueprint("my_account", __name__, "/admin/account")
manage_users = permission_required(Permission.MANAGE_USERS)


def _members_page(form: InviteForm, status: int = 200):
    now = utcnow()
    return render_template("admin/staff.html", members=service.staff_members(), form=form,
                           invitations=invitations.pending_invitations(now), role_labels=ROLE_LABELS,
                           confirm_form=ConfirmForm()), status


@bp.route("", methods=["GET", "POST"])
@manage_users
def members():
    form = InviteForm()
    sent = submit(form, lambda: invitations.invite(form.email.data, form.role.data, actor=acting_user(),
                                                   now=utcnow(), locale=str(get_locale())))
    if sent.done:
        flash(_("Invitation sent to %(email)s.", email=sent.result.email), "success")
        return redirect(url_for(".members"))
    return _members_page(form, sent.status)


def _member_page(user_id: int, form: RoleForm | None = None, status: int = 200):
    user = service.get_user(user_id)
    form = form or RoleForm(data={"role": user.role})
    return render_template("admin/staff_member.html", member=user, form=form, role_labels=ROLE_LABELS,
                           sessions=sessions.live_sessions(user.id, now=utcnow()), confirm_form=ConfirmForm(),
                           is_self=user.id == acting_user().id), status


@bp.get("/<int:user_id>")
@manage_users
def member(user_id: int):
    return _member_page(user_id)


@bp.post("/<int:user_id>/role")
@manage_users
def member_role(user_id: int):
    form = RoleForm()
    sent = submit(form, lambda: service.set_role(user_id, form.role.data, actor=acting_user()))
    if sent.done:
        flash(_("Role saved."), "success")
        return redirect(url_for(".member", user_id=user_id))
    return _member_page(user_id, form, sent.status)


def _button(user_id: int, use_case, done_message: str):
    """A state-changing button on a member's page: run it, or show why it was refused."""
    require_confirmation()
    try:
        use_case()
    except ShopError as error:
        return _member_page(user_id, status=show_error(None, error))
    flash(done_message, "success")
    return redirect(url_for(".member", user_id=user_id))


@bp.post("/<int:user_id>/disable")
@manage_users
def member_disable(user_id: int):
    email = service.get_user(user_id).email
    return _button(user_id, lambda: service.set_active(email, False, actor=acting_user()),
                   _("Account disabled; all its sessions have ended."))


@bp.post("/<int:user_id>/enable")
@manage_users
def member_enable(user_id: int):
    email = service.get_user(user_id).email
    return _button(user_id, lambda: service.set_active(email, True, actor=acting_user()),
                   _("Account enabled. Its old sessions stay ended: it signs in again."))


@bp.post("/<int:user_id>/sign-out")
@manage_users
def member_sign_out(user_id: int):
    service.get_user(user_id)
    return _button(user_id, lambda: sessions.sign_out_everywhere(user_id, actor=acting_user(), now=utcnow()),
                   _("Signed out everywhere."))


@bp.post("/<int:user_id>/reset-link")
@manage_users
def member_reset_link(user_id: int):
    return _button(user_id, lambda: invitations.send_reset_link(user_id, actor=acting_user(), now=utcnow(),
                                                                locale=str(get_locale())),
                   _("A link to choose a new password was e-mailed."))


@bp.post("/invitations/<int:invitation_id>/revoke")
@manage_users
def invitation_revoke(invitation_id: int):
    require_confirmation()
    invitations.revoke(invitation_id, actor=acting_user(), now=utcnow())
    flash(_("Invitation withdrawn."), "success")
    return redirect(url_for(".members"))


# --- the signed-in member's own account -----------------------------------------------------------

def _own_page(form: ChangePasswordForm, status: int = 200):
    user = acting_user()
    return render_template("admin/staff_account.html", form=form, member=user, role_labels=ROLE_LABELS,
                           sessions=sessions.live_sessions(user.id, now=utcnow()),
                           current_session_id=user.staff_session_id, confirm_form=ConfirmForm()), status


@own.route("", methods=["GET", "POST"])
@permission_required(Permission.ACCESS_BACKOFFICE)
def account():
    form = ChangePasswordForm()
    user = acting_user()
    sent = submit(form, lambda: service.change_own_password(user.id, form.current_password.data,
                                                            form.new_password.data, now=utcnow()))
    if not sent.done:
        return _own_page(form, sent.status)
    # Every session ended with the old password, this one too: this browser signs in afresh, kept
    # signed in if it was.
    remembered, fresh = user.session_remembered, sent.result
    sessions.begin_session(fresh, remember=remembered, now=utcnow(), ip_address=request.remote_addr or "",
                           user_agent=request.user_agent.string)
    login_user(fresh, remember=remembered, duration=sessions.remember_limit())
    flash(_("Password changed. You were signed out everywhere else."), "success")
    return redirect(url_for(".account"))


@own.post("/sign-out-everywhere")
@permission_required(Permission.ACCESS_BACKOFFICE)
def sign_out_everywhere():
    require_confirmation()
    sessions.sign_out_everywhere(acting_user().id, actor=acting_user(), now=utcnow())
    logout_user()
    flash(_("You are signed out on every device."), "info")
    return redirect(url_for("accounts.login"))
