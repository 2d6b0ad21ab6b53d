"""Staff sign-in and sign-out, and the e-mailed links that set a password."""
from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from ..database import utcnow
from ..extensions import limiter
from . import invitations
from .forms import ChoosePasswordForm, LoginForm, LogoutForm
from .models import InvitationPurpose
from .passwords import WeakPassword
from .service import AccountDisabled, authenticate
from .sessions import begin_session, end_session, remember_limit

bp = Blueprint("accounts", __name__, url_prefix="/account")


@bp.record_once
def _configure_login_manager(state) -> None:
    # Flask-Login's own prompt is English-only; ours goes through gettext.
    manager = state.app.login_manager
    manager.login_message = _l("Please sign in to see the staff pages.")
    manager.login_message_category = "info"


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login is a phishing tool.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not urlsplit(target).netloc:
        return target
    return url_for("admin.dashboard")


def account_key() -> str:
    """The per-account limit's key: the e-mail tried, from whatever address (credential stuffing
    spreads over many). Hashed, so the limiter's store holds no e-mail addresses."""
    email = (request.form.get("email") or "").strip().lower()[:254]
    return "account:" + hashlib.sha256(email.encode()).hexdigest()[:32]


@bp.errorhandler(429)
def too_many_attempts(error):
    # Answer on the sign-in page itself, so the person sees why and what to do; the Retry-After
    # header Flask-Limiter computed travels along.
    response = make_response(render_template("accounts/login.html", form=LoginForm(formdata=None),
                                              rate_limited=True), 429)
    embedded = error.get_response() if hasattr(error, "get_response") else None
    if embedded is not None and "Retry-After" in embedded.headers:
        response.headers["Retry-After"] = embedded.headers["Retry-After"]
    return response


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], key_func=account_key, methods=["POST"],
               scope="account")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form), 400 if form.is_submitted() else 200
    try:
        user = authenticate(form.email.data, form.password.data)
    except AccountDisabled as error:
        flash(str(error.message), "error")
        return render_template("accounts/login.html", form=form), error.status
    if user is None:
        flash(_("Wrong e-mail or password."), "error")
        return render_template("accounts/login.html", form=form), 401
    begin_session(user, remember=form.remember.data, now=utcnow(), ip_address=request.remote_addr or "",
                  user_agent=request.user_agent.string)
    login_user(user, remember=form.remember.data, duration=remember_limit())
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    # CSRFProtect has already refused a forged POST; the form check keeps that true if it is
    # ever exempted.
    if LogoutForm().validate_on_submit() and current_user.is_authenticated:
        end_session(current_user.get_id(), actor=current_user._get_current_object(), now=utcnow())
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/link/<token>", methods=["GET", "POST"])
def accept_link(token: str):
    """An e-mailed invitation or reset link: choose a password, once.

    :raise 404: for a link that is not ours. :raise 410: for one used, withdrawn or expired.
    """
    invitation = invitations.open_link(token, now=utcnow())
    form = ChoosePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            invitations.accept(token, form.password.data, now=utcnow())
        except WeakPassword as error:
            form.password.errors = [*form.password.errors, str(error.message)]
            status = error.status
        else:
            flash(_("Your password is set. Sign in with it."), "success")
            return redirect(url_for("accounts.login"))
    elif form.is_submitted():
        status = 400
    response = make_response(render_template(
        "accounts/choose_password.html", form=form, invitation=invitation,
        reset=invitation.purpose == InvitationPurpose.RESET.value), status)
    # The token is in the address: never passed on to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
