"""The JSON API's error body and its documentation, shared by every API module.

Every 4xx/5xx answer under /api/v1 is ``{"error": {"code", "message", "field"}}`` (rendered by
storefront.errors); these schemas describe it in the OpenAPI document.
"""
from __future__ import annotations

from marshmallow import Schema, fields


class ApiErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={
        "description": "Stable machine-readable code, e.g. insufficient_stock, cart_not_found, invalid."})
    message = fields.String(required=True, metadata={"description": "What went wrong, in the shopper's language."})
    field = fields.String(allow_none=True, required=True, metadata={
        "description": "The input to blame (a body field or query parameter), or null."})
    available = fields.Integer(metadata={
        "description": "With insufficient_stock: units in stock, the most one cart line can hold."})
    reason = fields.String(metadata={
        "description": "With code_refused: why the code cannot be used (empty, unknown, not_yet_valid, expired, "
                       "used, sold_out, other_channel)."})
    total = fields.Integer(metadata={"description": "With total_changed: the server's total now, in minor units."})
    variant_ids = fields.String(metadata={
        "description": "With sold_out: the ids of the variants that ran out, comma-separated."})


class ApiErrorSchema(Schema):
    """Every 4xx/5xx answer of the API: ``{"error": {"code", "message", "field"}}``, plus the
    details some codes carry (each is listed, so a client can rely on the document)."""

    error = fields.Nested(ApiErrorDetailSchema, required=True)


CATALOG_AND_ORDER_ERRORS = {
    400: "The request was malformed (e.g. the body is not JSON) or a quantity is not allowed.",
    404: "No such product, variant, cart, line or order.",
    409: "Not enough stock, or the order's state or total changed; `code` says which.",
    422: "A field or query parameter is missing or has the wrong type; `field` names it.",
    429: "Too many unknown offer codes tried from this client (`rate_limited`); wait and try again.",
}


def error_responses(blp, *statuses: int, descriptions: dict[int, str] = CATALOG_AND_ORDER_ERRORS):
    """Document the error body for each status an endpoint can answer with (decorator factory);
    an API area with codes of its own passes its `descriptions` by status."""

    def decorate(view):
        for status in statuses:
            view = blp.alt_response(status, schema=ApiErrorSchema, description=descriptions[status])(view)
        return view

    return decorate
