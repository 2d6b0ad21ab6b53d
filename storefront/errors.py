"""Domain errors and the one place that turns any error into a response.

Services raise `ShopError` subclasses with a stable `code`, a translatable message and, where one
input is to blame, its `field`. Views let them propagate: the handler answers the JSON API with
`{"error": {"code", "message", "field"}}` and pages with the shop's own error page.
"""
from __future__ import annotations

import sqlalchemy.exc
from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from .extensions import db


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
}
HTTP_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              409: "conflict", 413: "too_large", 422: "invalid", 429: "rate_limited", 500: "server_error"}


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path.startswith("/webhooks/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, code: str, message, field: str | None = None, **extra):
    if wants_json():
        body = {"error": {"code": code, "message": str(message), "field": field}}
        body["error"].update(extra)
        return body, status
    title, default = HTTP_MESSAGES.get(status, HTTP_MESSAGES[400 if status < 500 else 500])
    return render_template("errors/error.html", status=status, title=title,
                           message=message or default), status


def handle_shop_error(error: ShopError):
    db.session.rollback()
    extra = {k: v for k, v in error.details.items() if isinstance(v, (int, str, bool, type(None)))}
    return error_response(error.status, error.code, error.message, error.field, **extra)


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
    return error_response(status, HTTP_CODES.get(status, "http_error"), message, field)


def handle_unexpected(error: Exception):
    db.session.rollback()
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "server_error", HTTP_MESSAGES[500][1])


def handle_out_of_range(error: Exception):
    """A number too large for the database slipped past validation: the request's fault, not ours."""
    db.session.rollback()
    current_app.logger.warning("out-of-range value on %s %s: %s", request.method, request.path, error)
    return error_response(400, "out_of_range", _l("A number in the request is out of range."))


def register_errorhandlers(app: Flask) -> None:
    app.register_error_handler(OverflowError, handle_out_of_range)
    app.register_error_handler(sqlalchemy.exc.DataError, handle_out_of_range)
    app.register_error_handler(ShopError, handle_shop_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
