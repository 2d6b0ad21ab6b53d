"""Request and response bodies of the checkout and order API."""
from __future__ import annotations

from babel import Locale
from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate

from ..delivery import CODE_PATTERN, DELIVERY_METHODS
from ..cart.schemas import LostOfferSchema, TotalsSchema
from ..idempotency import KEY_PATTERN
from ..orders.models import PaymentMethod
from ..text_input import Text

# What the document lists as accepted values. The checkout refuses a delivery option, payment
# method or country the shop does not offer with 400 invalid_checkout (which the shop's settings
# decide: DELIVERY_METHODS, card only with Stripe keys, SHIP_TO_COUNTRIES), so these are the values
# a client may send, and the quote lists the ones on offer. tests/api/test_openapi.py keeps them in step.
# A delivery method is a built-in code or one an admin added (`storefront.delivery`), so the
# document gives its form and names the built-in ones, not a closed list.
SHIPPING_METHOD_WORDS = (f"A delivery method's code: {', '.join(DELIVERY_METHODS)}, or one the shop added "
                         "(the quote's `shipping_methods` lists those on offer, with their names).")
PAYMENT_METHODS = tuple(method.value for method in PaymentMethod)
# ISO 3166-1 alpha-2 codes (with the user-assigned ones Babel knows, such as XK).
COUNTRY_CODES = tuple(sorted(code for code in Locale("en").territories if len(code) == 2 and code.isalpha()))


def _choice(values: tuple[str, ...], **kwargs) -> Text:
    return Text(metadata={"enum": list(values), **kwargs.pop("metadata", {})}, **kwargs)


def _method(**kwargs) -> Text:
    """A delivery method's code: its form is documented (and any other text refused by checkout)."""
    return Text(validate=validate.Length(max=40), metadata={"pattern": CODE_PATTERN.pattern,
                                                            "example": DELIVERY_METHODS[0],
                                                            **kwargs.pop("metadata", {})}, **kwargs)


def _email(**kwargs) -> Text:
    return Text(validate=[validate.Length(max=254), validate.Email(error=_l("Please enter a valid e-mail address."))],
                metadata={"format": "email", **kwargs.pop("metadata", {})}, **kwargs)


class QuoteArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    cart_token = Text(required=True, validate=validate.Length(max=64))
    shipping_method = _method(load_default=None, metadata={
        "description": f"{SHIPPING_METHOD_WORDS} Without it, the first the shop offers (the first of the quote's "
                       "`shipping_methods`). 400 invalid_checkout for one it does not offer."})
    code = Text(load_default=None, validate=validate.Length(max=40), metadata={
        "description": "An offer code the shopper entered; 422 code_refused says why one cannot be used."})
    email = _email(load_default=None, metadata={
        "description": "The shopper's e-mail, when known: first-order offers and per-customer caps need it."})


class OptionSchema(Schema):
    code = fields.String()
    name = fields.String()


class QuoteSchema(Schema):
    totals = fields.Nested(TotalsSchema)
    lost_offers = fields.List(fields.Nested(LostOfferSchema), metadata={
        "description": "Offers the shopper had (the code sent) that no longer apply, each with why (e.g. "
                       "used_up with the order that used it, once the e-mail is known)."})
    shipping_methods = fields.List(fields.Nested(OptionSchema))
    payment_methods = fields.List(fields.Nested(OptionSchema))


def _text(max_length: int, required: bool = True, **kwargs) -> Text:
    """A one-line text field; a required one refuses "" and whitespace alike."""
    if required:
        return Text(required=True, validate=validate.Length(min=1, max=max_length, error=_l(
            "Fill in this field (at most {max} characters).")), **kwargs)
    return Text(load_default="", validate=validate.Length(max=max_length), **kwargs)


class PlaceOrderSchema(Schema):
    """What the shopper tells us. Prices, totals and discounts are never read from the client:
    unknown fields are dropped, and `expected_total` is only compared, never used."""

    class Meta:
        unknown = EXCLUDE

    cart_token = Text(required=True, validate=validate.Length(max=64))
    email = _email(required=True)
    full_name = _text(120)
    address_line1 = _text(200, required=False, metadata={
        "description": "Required (400 invalid_checkout) unless the delivery needs no address (`pickup`), in which "
                       "case the address fields are not kept."})
    address_line2 = _text(200, required=False)
    city = _text(120, required=False, metadata={"description": "Required unless the delivery is `pickup`."})
    postal_code = _text(20, required=False, metadata={
        "description": "Checked against the country's form and kept as the country writes it (`lv1011` becomes "
                       "`LV-1011`, `1234ab` in NL `1234 AB`); 400 invalid_postal_code, with an `example` of the "
                       "form, for one that cannot be right or is missing. It may be left out where the country "
                       "has no postcodes or they are optional (Ireland's Eircode)."})
    country = _choice(COUNTRY_CODES, required=False, validate=validate.Length(equal=2), metadata={
        "description": "ISO 3166-1 alpha-2 code; 400 invalid_checkout if the shop does not deliver there. "
                       "Required unless the delivery is `pickup`."})
    phone = _text(40, required=False)
    shipping_method = _method(required=True, metadata={
        "description": f"{SHIPPING_METHOD_WORDS} One of the quote's `shipping_methods`; 400 invalid_checkout for "
                       "another."})
    payment_method = _choice(PAYMENT_METHODS, required=True, metadata={
        "description": "One of the quote's `payment_methods` (card only where the shop takes cards); "
                       "400 invalid_checkout for another."})
    expected_total = fields.Integer(load_default=None, strict=True, metadata={
        "description": "The total the shopper was shown; if the server's differs, 409 total_changed."})
    utm_source = _text(80, required=False)
    utm_campaign = _text(80, required=False)
    code = Text(load_default=None, validate=validate.Length(max=40), metadata={
        "description": "An offer code; 422 code_refused (with the reason) when it cannot be used."})


class IdempotencyHeaderSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # every other header

    idempotency_key = fields.String(data_key="Idempotency-Key", validate=validate.Regexp(
        f"^{KEY_PATTERN}$", error=_l("An Idempotency-Key has 1 to 255 visible ASCII characters.")), metadata={
        "description": "A unique value the client makes for this order (e.g. a UUID), 1 to 255 visible ASCII "
                       "characters. Sending the request again with the same key returns the first answer "
                       "instead of placing a second order, for 24 hours."})


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
