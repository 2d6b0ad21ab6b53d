"""Response headers that every page carries: a Content-Security-Policy, framing rules.

Scripts and styles come from the shop's own files. A page that needs an inline `<script>` or
`<style>` asks for a per-response nonce (`{{ csp_nonce() }}` in templates) and only that page's
policy names it; such a page is never stored by the page cache (a nonce inside shared HTML would
be the same for every visitor, which defeats it). The storefront may be framed only by itself and the configured parent origins
(`FRAME_ANCESTORS`, exact origins: a social platform's page, the demo page); staff pages and the
demo social page never (`frame-ancestors 'none'` and `X-Frame-Options: DENY`), so a hostile page
cannot clickjack the back office. `allow_sources` widens one response's policy (Stripe.js on the
payment page; the demo page's frame and the launch form it posts into it). The origins are
checked when the app is created: a wildcard, a path or a typo is a `FrameAncestorsError` at
startup, never a silently wider (or broken) policy in production.

This module is the one place that writes these headers. Staff pages are never cached either; the
back office's blueprints declare themselves staff pages with `serve_as_staff_pages` (which
`backoffice.shell.staff_blueprint` calls), the sign-in pages are named in `STAFF_BLUEPRINTS`. Any
address under a staff page's prefix counts as one, a 404 included: a missing page under /admin/
must not be framable either.

Pages and API answers that show one shopper's cart, address or order (`PERSONAL_BLUEPRINTS`) are
sent `Cache-Control: private, no-store`: no shared cache keeps them, and neither does the browser
(a shared computer's back button). Shared storefront pages keep the page cache's headers.

HTTPS: every answer to a request that arrived over HTTPS (directly, or through the trusted proxy
that `PROXY_FIX_HOPS` names) carries `Strict-Transport-Security` (`HSTS_MAX_AGE`). It is added by
a WSGI middleware (`wrap`) outside the page cache, so cached pages and overload refusals carry it
too; a plain-HTTP answer never does (browsers ignore it there, and a forged X-Forwarded-Proto from
an untrusted client must not turn it on).
"""
from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, request

# Staff pages outside the back office (signing in); the back office's blueprints declare
# themselves with `serve_as_staff_pages`. Staff pages are never cached and never framed.
STAFF_BLUEPRINTS = frozenset({"accounts"})
# Other pages never framed: the demo social page, which plays a platform's top-level page (CSP
# frame-ancestors overrides X-Frame-Options in browsers, so it must say 'none' here).
NEVER_FRAMED = frozenset({"demo"})
# Pages and JSON answers that show one shopper's cart, address or order: the cart and checkout
# pages, the tracking and payment pages, and the cart and order API (quote included).
PERSONAL_BLUEPRINTS = frozenset({"cart", "checkout", "tracking", "carts", "orders"})
PERSONAL_CACHE_CONTROL = "private, no-store"


class FrameAncestorsError(ValueError):
    """FRAME_ANCESTORS holds something that is not an exact origin (scheme://host[:port])."""


# A host is a DNS name or an IPv4 address (letters, digits, dots, hyphens), or an IPv6 address
# (urlsplit gives it without its brackets).
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_HOST = re.compile(rf"^(?:{_LABEL}(?:\.{_LABEL})*|[0-9a-f.]*:[0-9a-f:.]*)$")


def parse_origin(entry: str) -> str:
    """The exact origin `entry` names, e.g. "https://shop.example:8443".

    Only http and https origins with a host, an optional port and nothing else are accepted: a
    CSP source with a wildcard, a path, a query or credentials would allow more (or other) parents
    than the operator meant.
    :raise FrameAncestorsError: for anything else, naming the entry.
    """
    if not isinstance(entry, str) or entry != entry.strip() or not entry:
        raise FrameAncestorsError(f"FRAME_ANCESTORS entry {entry!r} is not an origin like https://example.com")
    parts = urlsplit(entry)
    try:
        port = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        port = -1
    problems = [
        parts.scheme not in {"http", "https"},
        "*" in entry,
        parts.path != "",
        bool(parts.query or parts.fragment or parts.username or parts.password),
        entry.endswith("?") or entry.endswith("#"),
        not parts.hostname or not _HOST.match(parts.hostname),
        port == -1,
    ]
    if any(problems):
        raise FrameAncestorsError(
            f"FRAME_ANCESTORS entry {entry!r} is not an exact origin (scheme://host[:port], "
            "no wildcard, no path)")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def validate_frame_ancestors(entries) -> list[str]:
    """The configured parent origins, normalised; :raise FrameAncestorsError: on a bad entry."""
    if isinstance(entries, str):
        raise FrameAncestorsError("FRAME_ANCESTORS must be a list of origins, not one string")
    return [parse_origin(entry) for entry in entries or []]


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def allow_sources(directive: str, *sources: str) -> None:
    """Let this response's page load from more origins (e.g. Stripe.js on the payment page only)."""
    extra = g.setdefault("csp_extra", {})
    extra.setdefault(directive, []).extend(s for s in sources if s)


def serve_as_staff_pages(blueprint: Blueprint) -> None:
    """Serve every page of `blueprint` (and of blueprints nested in it) as a staff page."""

    def register(state) -> None:
        name = f"{state.name_prefix}.{state.name}".lstrip(".")
        state.app.extensions.setdefault("staff_blueprints", set(STAFF_BLUEPRINTS)).add(name)
        if state.url_prefix:
            state.app.extensions.setdefault("staff_prefixes", set()).add(state.url_prefix.rstrip("/"))

    blueprint.record(register)


def staff_blueprints() -> set[str] | frozenset[str]:
    return current_app.extensions.get("staff_blueprints", STAFF_BLUEPRINTS)


def staff_prefixes() -> set[str]:
    """The path prefixes of every staff page (/admin, /account), whether or not a page answers there."""
    prefixes = set(current_app.extensions.get("staff_prefixes", ()))
    for name in STAFF_BLUEPRINTS:
        blueprint = current_app.blueprints.get(name)
        if blueprint is not None and blueprint.url_prefix:
            prefixes.add(blueprint.url_prefix.rstrip("/"))
    return prefixes


def is_staff_page() -> bool:
    staff = staff_blueprints()
    if any(name in staff for name in request.blueprints):
        return True
    # An address no route matched (a 404) has no blueprint: its prefix says whose it is.
    path = request.path
    return request.url_rule is None and any(path == p or path.startswith(p + "/") for p in staff_prefixes())


def is_personal_page() -> bool:
    return any(name in PERSONAL_BLUEPRINTS for name in request.blueprints)


def never_framed() -> bool:
    return is_staff_page() or request.blueprint in NEVER_FRAMED


def frame_ancestors() -> str:
    if never_framed():
        return "'none'"
    origins = current_app.config["FRAME_ANCESTORS"]
    return " ".join(["'self'", *origins])


def set_security_headers(response):
    nonce = [f"'nonce-{g.csp_nonce}'"] if "csp_nonce" in g else []
    extra = g.get("csp_extra", {})

    def sources(directive: str, *base: str) -> str:
        return " ".join([directive, *base, *extra.get(directive, [])])

    policy = [
        "default-src 'self'",
        sources("script-src", "'self'", *nonce),
        sources("style-src", "'self'", *nonce),
        sources("img-src", "'self'", "data:"),
        "font-src 'self'",
        sources("connect-src", "'self'"),
        sources("frame-src", "'none'") if not extra.get("frame-src") else sources("frame-src"),
        "object-src 'none'",
        "base-uri 'self'",
        sources("form-action", "'self'"),
        f"frame-ancestors {frame_ancestors()}",
    ]
    response.headers["Content-Security-Policy"] = "; ".join(policy)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if never_framed():
        response.headers["X-Frame-Options"] = "DENY"
    if is_staff_page():
        response.headers["Cache-Control"] = "no-store"
    elif is_personal_page():
        response.headers["Cache-Control"] = PERSONAL_CACHE_CONTROL
    return response


class StrictTransportSecurity:
    """WSGI middleware: `Strict-Transport-Security` on every answer to an HTTPS request.

    It reads `wsgi.url_scheme`, which is "https" only for a TLS connection to this server or, with
    `PROXY_FIX_HOPS`, when the trusted proxy said so (ProxyFix, outside this middleware, sets it);
    an `X-Forwarded-Proto` from anyone else is not read.
    """

    def __init__(self, wsgi_app, max_age: int):
        self.wsgi_app = wsgi_app
        self.value = f"max-age={max_age}"

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def start(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != "strict-transport-security"]
            headers.append(("Strict-Transport-Security", self.value))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def wrap(app: Flask) -> None:
    """Put HSTS around the page cache and the shedding middleware (inside any proxy fix-up)."""
    max_age = app.config.get("HSTS_MAX_AGE", 0)
    if max_age > 0:
        app.wsgi_app = StrictTransportSecurity(app.wsgi_app, max_age)


def init_app(app: Flask) -> None:
    """:raise FrameAncestorsError: when FRAME_ANCESTORS holds anything but exact origins."""
    app.config["FRAME_ANCESTORS"] = validate_frame_ancestors(app.config.get("FRAME_ANCESTORS"))
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
