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


def allow_sources(directive: str, *sources: str) -> None:
    """Let this response's page load from more origins (e.g. Stripe.js on the payment page only)."""
    extra = g.setdefault("csp_extra", {})
    extra.setdefault(directive, []).extend(s for s in sources if s)


def frame_ancestors() -> str:
    if request.blueprint in STAFF_BLUEPRINTS:
        return "'none'"
    origins = current_app.config["FRAME_ANCESTORS"]
    return " ".join(["'self'", *origins])


def set_security_headers(response):
    nonce = csp_nonce()
    extra = g.get("csp_extra", {})

    def sources(directive: str, *base: str) -> str:
        return " ".join([directive, *base, *extra.get(directive, [])])

    policy = [
        "default-src 'self'",
        sources("script-src", "'self'", f"'nonce-{nonce}'"),
        sources("style-src", "'self'", f"'nonce-{nonce}'"),
        sources("img-src", "'self'", "data:"),
        "font-src 'self'",
        sources("connect-src", "'self'"),
        sources("frame-src", "'none'") if not extra.get("frame-src") else sources("frame-src"),
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors()}",
    ]
    response.headers["Content-Security-Policy"] = "; ".join(policy)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.blueprint in STAFF_BLUEPRINTS:
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
