"""Request and response bodies of the checkout and order API."""
from __future__ import annotations

from flask import current_app
from marshmallow import EXCLUDE, Schema, fields, validate

from ..cart.schemas import TotalsSchema


class QuoteArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    cart_token = fields.String(required=True, validate=validate.Length(max=64))
    shipping_method = fields.String(load_default="standard", validate=validate.Length(max=40))
    code = fields.String(load_default=None, validate=validate.Length(max=40), metadata={
        "description": "An offer code the shopper entered; 422 code_refused says why one cannot be used."})
    email = fields.Email(load_default=None, validate=validate.Length(max=254), metadata={
        "description": "The shopper's e-mail, when known: first-order offers and per-customer caps need it."})


class OptionSchema(Schema):
    code = fields.String()
    name = fields.String()


class QuoteSchema(Schema):
    totals = fields.Nested(TotalsSchema)
    shipping_methods = fields.List(fields.Nested(OptionSchema))
    payment_methods = fields.List(fields.Nested(OptionSchema))


def _text(max_length: int, required: bool = True, **kwargs):
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=max_length), **kwargs)
    return fields.String(load_default="", validate=validate.Length(max=max_length), **kwargs)


class PlaceOrderSchema(Schema):
    """What the shopper tells us. Prices, totals and discounts are never read from the client:
    unknown fields are dropped, and `expected_total` is only compared, never used."""

    class Meta:
        unknown = EXCLUDE

    cart_token = fields.String(required=True, validate=validate.Length(max=64))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    full_name = _text(120)
    address_line1 = _text(200)
    address_line2 = _text(200, required=False)
    city = _text(120)
    postal_code = _text(20)
    country = fields.String(required=True, validate=validate.Length(equal=2))
    phone = _text(40, required=False)
    shipping_method = fields.String(required=True, validate=validate.Length(max=40))
    payment_method = fields.String(required=True, validate=validate.Length(max=20))
    expected_total = fields.Integer(load_default=None, strict=True, metadata={
        "description": "The total the shopper was shown; if the server's differs, 409 total_changed."})
    utm_source = _text(80, required=False)
    utm_campaign = _text(80, required=False)
    code = fields.String(load_default=None, validate=validate.Length(max=40), metadata={
        "description": "An offer code; 422 code_refused (with the reason) when it cannot be used."})


class OrderLineSchema(Schema):
    sku = fields.String()
    title = fields.String()
    variant_label = fields.String()
    unit_price = fields.Integer()
    quantity = fields.Integer()
    discount = fields.Integer()
    total = fields.Integer()


class OrderSchema(Schema):
    number = fields.String()
    status = fields.String()
    tracking_token = fields.String(metadata={"description": "The order's secret; keep it private."})
    email = fields.String()
    payment_method = fields.String()
    payment_reference = fields.String()
    shipping_method = fields.String()
    currency = fields.String()
    items_subtotal = fields.Integer()
    discount = fields.Integer()
    shipping = fields.Integer()
    tax = fields.Integer()
    tax_included = fields.Boolean()
    total = fields.Integer()
    amount_refunded = fields.Integer()
    reserved_until = fields.DateTime(allow_none=True)
    carrier = fields.String()
    tracking_number = fields.String()
    lines = fields.List(fields.Nested(OrderLineSchema))


class PaymentSchema(Schema):
    client_secret = fields.String()
    publishable_key = fields.String()
    amount = fields.Integer()
    currency = fields.String()


def ship_to_countries() -> list[str]:
    return current_app.config["SHIP_TO_COUNTRIES"]
