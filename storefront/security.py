"""Response headers that every page carries: a nonce-based Content-Security-Policy, framing rules.

Inline `<script>` and `<style>` run only with the per-request nonce (`{{ csp_nonce() }}` in
templates). The storefront may be framed only by the configured parent origins; staff pages
never (`frame-ancestors 'none'`), so a hostile page cannot clickjack the back office.
"""
from __future__ import annotations

import secrets

from flask import Flask, current_app, g, request

# Blueprints whose pages are for staff; they may never be framed.
STAFF_BLUEPRINTS = {"admin", "accounts"}


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def frame_ancestors() -> str:
    if request.blueprint in STAFF_BLUEPRINTS:
        return "'none'"
    origins = current_app.config["FRAME_ANCESTORS"]
    return " ".join(["'self'", *origins])


def set_security_headers(response):
    nonce = csp_nonce()
    policy = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors()}",
    ]
    response.headers["Content-Security-Policy"] = "; ".join(policy)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    if request.blueprint in STAFF_BLUEPRINTS:
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
