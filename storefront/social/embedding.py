"""The shop inside a social page's frame: its session cookie, and what happens when there is none.

Cookies. Inside a cross-site frame a browser keeps only cookies marked `SameSite=None; Secure;
Partitioned` (CHIPS: stored per top-level site, so the shop's cookie inside the brand's page is
not the one it has at top level). One switch, `EMBEDDED_COOKIES`, sets the session cookie's three
attributes, so an operator cannot turn on one and forget another. `Secure` needs HTTPS in
production; browsers treat http://localhost and http://127.0.0.1 as secure, so the demo works.
The remember-me cookie stays `SameSite=Lax` (made `Secure`): it belongs to staff sign-in, whose
pages are never framed (`frame-ancestors 'none'`), and a long-lived staff credential has no reason
to travel on cross-site requests.

No cookies at all. Some browsers, or shoppers, block even partitioned third-party cookies. The
shop then cannot keep a cart or a CSRF token inside the frame: every form post arrives without a
session, and the usual answer ("your session expired, reload and try again") would send the
shopper round the same loop for ever. Design choice: we do NOT carry a signed session token
through every link and form of the frame (every template and redirect would have to carry it, and
a token in URLs leaks through Referer and history). Instead, a CSRF failure on a request that came
from inside a frame (`Sec-Fetch-Dest: iframe`) with no session cookie at all is answered once,
with status 400, by a plain explanation (never a redirect or a reload that would post again):
"your browser blocks cookies in this page", with an "Open the shop in a new tab" button
(`target=_blank`) to the page the shopper was on, in their language. At top level the shop's
cookie is first-party and everything works, payment included. The cart carries over trivially:
with no cookie a cart can never be attached to the frame's session (the first add to cart is the
post that fails), so nothing is left behind.

A CSRF failure with a session cookie present, or at top level, is answered as before ("reload and
try again"): at top level a missing cookie is most often a session that ended (a tab restored
after the browser restarted), which a reload mends.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError

from ..errors import handle_http_exception, wants_json


def apply_cookie_settings(config) -> None:
    """With EMBEDDED_COOKIES on, make the session cookie usable in a cross-site frame."""
    if not config.get("EMBEDDED_COOKIES"):
        return
    config["SESSION_COOKIE_SAMESITE"] = "None"
    config["SESSION_COOKIE_SECURE"] = True
    config["SESSION_COOKIE_PARTITIONED"] = True
    # Staff sign-in is never framed: its remember cookie keeps SameSite=Lax (see the docstring).
    config["REMEMBER_COOKIE_SECURE"] = True


def is_framed() -> bool:
    """The browser says this request loads a document inside a frame (Fetch Metadata)."""
    return request.headers.get("Sec-Fetch-Dest", "").lower() in {"iframe", "frame"}


def came_without_session_cookie() -> bool:
    return current_app.config["SESSION_COOKIE_NAME"] not in request.cookies


def continue_url() -> str:
    """The page the shopper was on (same origin only, so we never send them elsewhere), at top
    level and in the language they were reading; the home page when the browser did not say."""
    target = url_for("catalog.home")
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if referrer.startswith(request.host_url) and parts.path.startswith("/") and not parts.path.startswith("//"):
        target = parts.path
    return f"{target}?lang={get_locale()}"  # the new tab has no session to remember the language


def handle_csrf_error(error: CSRFError):
    """A refused form post: explained plainly when the cause is a missing cookie, never a loop."""
    if wants_json() or not is_framed() or not came_without_session_cookie():
        return handle_http_exception(error)
    current_app.logger.info("framed form post without a session cookie on %s", request.path)
    return render_template("social/cookies_blocked.html", continue_url=continue_url()), 400


def init_app(app: Flask) -> None:
    apply_cookie_settings(app.config)
    # More specific than the HTTPException handler in errors.py, so Flask picks this one.
    app.register_error_handler(CSRFError, handle_csrf_error)
