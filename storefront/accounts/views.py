"""Staff sign-in and sign-out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from ..extensions import limiter
from .forms import LoginForm, LogoutForm
from .service import AccountDisabled, authenticate, record_logout

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
    login_user(user, remember=form.remember.data)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    # CSRFProtect has already refused a forged POST; the form check keeps that true if it is
    # ever exempted.
    if LogoutForm().validate_on_submit() and current_user.is_authenticated:
        record_logout(current_user._get_current_object())
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))
