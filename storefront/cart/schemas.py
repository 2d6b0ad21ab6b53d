"""JSON shapes of the cart API (`/api/v1/carts`).

Request bodies ignore every field they do not define (a client's `price`, `total` or `discount`
never reaches a service). A quantity is passed through as sent and checked by
`cart.service.parse_quantity`, so the API and the pages accept and refuse exactly the same
quantities with the same messages. The cart is dumped from `cart.service.load_cart_view`: every
amount is the server's.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_dump, validate, validates_schema

from promotions.messages import lost_text

from ..catalog.pages import variant_image
from ..catalog.schemas import absolute_media_url
from ..text_input import Text
from .service import CartView

MAX_ID = 2**31 - 1
MAX_SKU_LENGTH = 64


class QuantityField(fields.Raw):
    """A quantity as sent, for `parse_quantity` (Raw, not Integer: marshmallow would turn 1.0 or
    "2" into ints and refuse others with its own wording; parse_quantity is the one rule, shared
    with the cart page's form). A null goes to parse_quantity too (400 invalid_quantity, like any
    other bad quantity) while the document says what is valid: a whole number, never null."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is None:
            return None
        return super().deserialize(value, attr, data, **kwargs)


def quantity_field() -> fields.Raw:
    return QuantityField(required=True,
                         error_messages={"required": _l("Please enter a whole number of at least 1.")},
                         metadata={"type": "integer", "minimum": 1,
                                   "description": "Whole number from 1 to the per-line limit (99 by "
                                                  "default), and no more than the stock available."})


class AddLineSchema(Schema):
    """Add a variant, named by SKU or by id, to a cart."""

    class Meta:
        unknown = EXCLUDE

    sku = Text(validate=validate.Length(min=1, max=MAX_SKU_LENGTH), metadata={"example": "WOOL-HAT-M"})
    variant_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID),
                                error_messages={"invalid": _l("Send the variant's id as a whole number.")})
    quantity = quantity_field()

    @validates_schema
    def names_one_variant(self, data: dict, **kwargs) -> None:
        if "sku" in data and "variant_id" in data:
            raise ValidationError(_l("Send either a sku or a variant_id, not both."), field_name="sku")
        if "sku" not in data and "variant_id" not in data:
            raise ValidationError(_l("Send the sku or the variant_id of the item to add."), field_name="sku")


class SetQuantitySchema(Schema):
    """Change the quantity of a line already in the cart."""

    class Meta:
        unknown = EXCLUDE

    quantity = quantity_field()


class CartLineSchema(Schema):
    variant_id = fields.Integer()
    product_id = fields.Integer()
    sku = fields.String()
    title = fields.String(metadata={"description": "The product's title."})
    variant = fields.String(metadata={"description": "The chosen options as one line, e.g. \"M / Navy\"."})
    options = fields.Dict(keys=fields.String(), values=fields.String())
    quantity = fields.Integer()
    unit_price = fields.Integer(metadata={"description": "Current catalog price, in minor units."})
    line_total = fields.Integer(metadata={"description": "What this line costs, in minor units."})
    image = fields.String(allow_none=True, metadata={"description": "Absolute URL of the item's picture."})


class TotalsSchema(Schema):
    currency = fields.String(metadata={"example": "EUR"})
    items_subtotal = fields.Integer()
    discount = fields.Integer()
    shipping = fields.Integer(metadata={"description": "The shipping estimate (0 when free)."})
    tax = fields.Integer(metadata={"description": "Tax in the total; included in it when tax_included."})
    tax_included = fields.Boolean()
    total = fields.Integer(metadata={"description": "What the shopper pays, in minor units."})
    free_shipping_remaining = fields.Integer(allow_none=True, metadata={
        "description": "How much more to add for free shipping (the nearest of the shop's threshold and the "
                       "free-shipping offers this shopper qualifies for); 0 once it is free; null if never."})
    free_shipping_from = fields.Integer(allow_none=True, metadata={
        "description": "The items total from which this delivery ships free, while it does not yet; else null."})
    item_count = fields.Integer()
    shipping_discount = fields.Integer(metadata={"description": "What a free-shipping offer took off shipping."})
    offers = fields.Method("dump_offers", metadata={
        "description": "The offers applied (id, name, discount) and why others did not apply."})

    def dump_offers(self, totals) -> dict:
        outcome = getattr(totals, "offers", None)
        if outcome is None:
            return {"applied": [], "not_applied": []}
        return {"applied": [{"offer_id": a.offer_id, "name": a.name, "discount": a.discount,
                             "line_discounts": list(a.line_shares)} for a in outcome.applied],
                "not_applied": [{"offer_id": v.offer_id, "reason": v.reason, "missing": v.missing}
                                for v in outcome.verdicts if not v.applied]}


class LostOfferSchema(Schema):
    """An offer the shopper had (their code, or applied before) that no longer applies, and why."""

    offer_id = fields.Integer(allow_none=True, metadata={"description": "Null for a code that is no longer valid."})
    reason = fields.String(metadata={"description": "used_up, sold_out, ended, not_started, tab_only, code_only, "
                                                    "members_only, first_order_only or code_refused."})
    code = fields.String(allow_none=True, metadata={"description": "The code the shopper entered for it."})
    order_number = fields.String(allow_none=True, metadata={
        "description": "For used_up: the customer's order that used it."})
    message = fields.Function(lambda lost: lost_text(lost), metadata={"description": "The reason in words."})


class CartSchema(Schema):
    """A cart as the server prices it. Every amount is in minor units of `totals.currency`."""

    token = fields.String(metadata={"description": "The cart's secret: whoever holds it may read and change it."})
    lines = fields.List(fields.Nested(CartLineSchema))
    totals = fields.Nested(TotalsSchema)
    lost_offers = fields.List(fields.Nested(LostOfferSchema), metadata={
        "description": "Offers the shopper had (e.g. their code) that no longer apply, each with why."})
    max_line_quantity = fields.Integer()

    @pre_dump
    def from_cart_view(self, view: CartView, **kwargs) -> dict:
        return {
            "token": view.cart.token,
            "lines": [_line(line, priced) for line, priced in view.lines],
            "totals": view.totals,
            "lost_offers": view.lost,
            "max_line_quantity": current_app.config["MAX_LINE_QUANTITY"],
        }


def _line(line, priced) -> dict:
    variant = line.variant
    return {
        "variant_id": variant.id,
        "product_id": variant.product_id,
        "sku": variant.sku,
        "title": variant.product.localized("title"),
        "variant": variant.localized_label(),
        "options": variant.options,
        "quantity": priced.quantity,
        "unit_price": priced.unit_price,
        "line_total": priced.total,
        "image": absolute_media_url(variant_image(variant, variant.product)),
    }
