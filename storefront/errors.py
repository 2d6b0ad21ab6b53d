"""Domain errors and the one place that turns any error into a response.

Services raise `ShopError` subclasses with a stable `code`, a translatable message and, where one
input is to blame, its `field`. Views let them propagate: the handler answers the JSON API with
`{"error": {"code", "message", "field"}}` and pages with the shop's own error page.

A 503 is "not now, soon": an overload (`Unavailable`, e.g. the checkout's admission check) or a
database that is briefly away (OperationalError, a lost connection, a pool timeout). It carries
`Retry-After` (BUSY_RETRY_AFTER_SECONDS for a busy checkout, else RETRY_AFTER_SECONDS) and
`Cache-Control: no-store`, and its page is rendered without
touching the database: during an outage every query would fail (or wait), and when the shop is
shedding load the refusal must cost next to nothing.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy.exc
from flask import Flask, current_app, g, has_request_context, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from .extensions import db, login_manager
from .page_cache import keep_nothing


class ShopError(Exception):
    """Base of every domain error. Subclasses set `code`, `status` and a default message."""

    code = "invalid"
    status = 400
    default_message = _l("The request could not be processed.")

    def __init__(self, message=None, *, field: str | None = None, **details):
        self.message = message if message is not None else self.default_message
        self.field = field
        self.details = details
        super().__init__(self.message)


class NotFoundError(ShopError):
    code = "not_found"
    status = 404
    default_message = _l("We could not find that.")


class ConflictError(ShopError):
    code = "conflict"
    status = 409
    default_message = _l("That cannot be done in the current state.")


class Unavailable(ShopError):
    """The shop cannot do this right now but will soon: 503 with Retry-After, nothing done."""

    code = "unavailable"
    status = 503
    default_message = _l("The shop is very busy right now. Please try again in a few seconds.")

    def __init__(self, message=None, *, retry_url: str | None = None, **details):
        super().__init__(message, **details)
        # Where a shopper refused on a form post tries again (the page with the form); a refused
        # GET is simply tried again at its own address.
        self.retry_url = retry_url


DATABASE_AWAY_MESSAGE = _l("The shop is unavailable for a moment. Nothing you did was lost: please try "
                           "again in a few seconds.")


HTTP_MESSAGES = {
    400: (_l("Bad request"), _l("Something in that request was not right. Please go back and try again.")),
    403: (_l("Not allowed"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("We looked everywhere, but this page is not here. It may have sold out or moved.")),
    405: (_l("Not allowed"), _l("That action is not available here.")),
    409: (_l("Conflict"), _l("That cannot be done in the current state.")),
    413: (_l("Too large"), _l("That upload is too large.")),
    422: (_l("Invalid input"), _l("Some of the information sent was not valid.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Please wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("Something went wrong on our side. Please try again in a moment.")),
    503: (_l("Back in a moment"), _l("The shop is very busy right now. Please try again in a few seconds.")),
}
HTTP_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              409: "conflict", 413: "too_large", 422: "invalid", 429: "rate_limited", 500: "server_error",
              503: "unavailable"}
# What the layout calls that would query the database (header and footer) or count a visit (the
# beacon), replaced on a 503 page: it runs no query, and a refused request counts nothing. The cart's
# count is unknown (None: the header shows the cart's link without a count), not 0: the shopper's
# items are still in it. The free-shipping promise says what the pages said, from the offers this
# process keeps for them, or nothing (`rendering_without_database`).
WITHOUT_DATABASE = {"nav_categories": lambda: [], "cart_item_count": lambda: None, "beacon_page": lambda: False}


def rendering_without_database() -> bool:
    """Whether this request is rendering a 503 page, which must not touch the database: what the
    layout shows reads only the configuration then."""
    return has_request_context() and g.get("without_database", False)


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path.startswith("/webhooks/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, code: str, message, field: str | None = None, *, retry_url: str | None = None,
                   **extra):
    if status == 503:
        return unavailable_response(code, message, field, retry_url=retry_url, **extra)
    if wants_json():
        body = {"error": {"code": code, "message": str(message), "field": field}}
        body["error"].update(extra)
        return body, status
    title, default = HTTP_MESSAGES.get(status, HTTP_MESSAGES[400 if status < 500 else 500])
    return render_template("errors/error.html", status=status, title=title,
                           message=message or default), status


def unavailable_response(code: str, message, field: str | None = None, *, retry_url: str | None = None, **extra):
    """503 with Retry-After, in the API's error shape or as the friendly page, with no query."""
    # A busy checkout frees its slot within a second; an overload or a database away takes longer.
    seconds = current_app.config["BUSY_RETRY_AFTER_SECONDS" if code == "busy" else "RETRY_AFTER_SECONDS"]
    headers = {"Retry-After": str(seconds), "Cache-Control": "no-store"}
    if wants_json():
        body = {"error": {"code": code, "message": str(message), "field": field}}
        body["error"].update(extra)
        return body, 503, headers
    if retry_url is None:
        retry_url = request.full_path.rstrip("?") if request.method == "GET" else _form_page()
    _forget_staff_member_if_unreadable()
    title, default = HTTP_MESSAGES[503]
    keep_nothing()  # the layout's kept parts would keep the stand-ins below
    g.without_database = True
    page = render_template("errors/error.html", status=503, title=title, message=message or default,
                           retry_url=retry_url, **WITHOUT_DATABASE)
    return page, 503, headers


def _form_page() -> str | None:
    """The page a refused form was sent from (the same-site Referer), to try it again there."""
    referrer = request.referrer or ""
    if not referrer.startswith(request.host_url):
        return None
    parts = urlsplit(referrer)
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _forget_staff_member_if_unreadable() -> None:
    """The layout asks whether a staff member is signed in; with the database away, reading their
    account fails, so this one page is shown as to anybody (nothing is signed out)."""
    if "_login_user" in g:
        return
    try:
        login_manager._load_user()  # noqa: SLF001 - Flask-Login's own loader, run now to catch its failure
    except sqlalchemy.exc.SQLAlchemyError:
        _rollback_quietly()
        login_manager._update_request_context_with_user()  # noqa: SLF001 - anonymous for this request only


def _rollback_quietly() -> None:
    # The connection may be gone: ending the transaction must not raise again from the handler
    # (the app context's teardown removes the session in any case).
    try:
        db.session.rollback()
    except sqlalchemy.exc.SQLAlchemyError:
        pass


def handle_shop_error(error: ShopError):
    _rollback_quietly()
    extra = {k: v for k, v in error.details.items() if isinstance(v, (int, str, bool, type(None)))}
    return error_response(error.status, error.code, error.message, error.field,
                          retry_url=getattr(error, "retry_url", None), **extra)


def database_is_away(error: Exception) -> bool:
    """Whether a database error means "unreachable for now" (refused, closed, timed out, pool
    exhausted) rather than a fault of this request or of our code."""
    if isinstance(error, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.TimeoutError)):
        return True
    return isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated


def handle_database_error(error: sqlalchemy.exc.SQLAlchemyError):
    """503 for a database that is away (the shopper may simply try again: a use case that failed
    this way wrote nothing); anything else is the unexpected error it is."""
    if not database_is_away(error):
        return handle_unexpected(error)
    _rollback_quietly()
    # One line per request, not a traceback: an outage would otherwise flood the log.
    reason = str(getattr(error, "orig", None) or error).strip().partition("\n")[0]
    current_app.logger.warning("database unavailable on %s %s: %s", request.method, request.path, reason)
    return unavailable_response("database_unavailable", DATABASE_AWAY_MESSAGE)


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    title, default = HTTP_MESSAGES.get(status, (error.name, error.description))
    message = default
    field = None
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:  # webargs/marshmallow validation: name the first bad field
        location_errors = next(iter(messages.values()))
        if isinstance(location_errors, dict) and location_errors:
            field, problems = next(iter(location_errors.items()))
            if field == "_schema":
                field = None
            message = problems[0] if isinstance(problems, list) and problems else str(problems)
        elif isinstance(location_errors, list) and location_errors:
            message = _l("The request body is not valid JSON.")
    elif status == 400 and error.description and "CSRF" in str(error.description):
        message = _l("Your session expired or the form was already sent. Please reload the page and try again.")
    response = error_response(status, HTTP_CODES.get(status, "http_error"), message, field)
    allowed = getattr(error, "valid_methods", None)  # a 405's (never a 503's, whose tuple has headers)
    if allowed:
        # A 405 names the methods the address does take (RFC 9110, 15.5.6), as Werkzeug's own does.
        return (*response, {"Allow": ", ".join(allowed)})
    return response


def handle_unexpected(error: Exception):
    _rollback_quietly()
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "server_error", HTTP_MESSAGES[500][1])


def handle_out_of_range(error: Exception):
    """A number too large for the database slipped past validation: the request's fault, not ours."""
    _rollback_quietly()
    current_app.logger.warning("out-of-range value on %s %s: %s", request.method, request.path, error)
    return error_response(400, "out_of_range", _l("A number in the request is out of range."))


def register_errorhandlers(app: Flask) -> None:
    app.register_error_handler(OverflowError, handle_out_of_range)
    app.register_error_handler(sqlalchemy.exc.DataError, handle_out_of_range)
    app.register_error_handler(sqlalchemy.exc.DBAPIError, handle_database_error)
    app.register_error_handler(sqlalchemy.exc.TimeoutError, handle_database_error)
    app.register_error_handler(ShopError, handle_shop_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
