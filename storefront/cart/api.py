"""`/api/v1/carts`: token carts for partners and the demo page, under the cart page's rules.

The cart's token in the path is its only credential (no cookie, hence no CSRF token). Views
parse the body, call `cart.service` (which validates, checks stock and commits) and answer the
cart priced by `cart.service.load_cart_view` with the offers for everyone (and those the request's
verified visit qualifies for), as the quote prices it; domain errors become JSON in `storefront.errors`.
"""
from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from promotions.service import pricing_context

from ..api_errors import error_responses
from . import service
from .schemas import MAX_ID, AddLineSchema, CartSchema, SetQuantitySchema

blp = Blueprint("carts", __name__, description="Token carts: create, read, change lines.")

# Tokens are 32 URL-safe characters (`new_cart_token`) in a 64-character column; a longer one
# cannot match, so the route refuses it before any query.
TOKEN = "<string(maxlength=64):token>"
VARIANT = f"<int(max={MAX_ID}):variant_id>"


@blp.route("")
class Carts(MethodView):
    @blp.response(201, CartSchema, description="The new, empty cart. Keep its token.")
    def post(self):
        """Create an empty cart. The `Location` header is the cart's address."""
        cart = service.create_cart()
        return _priced(cart), 201, {"Location": url_for("carts.CartByToken", token=cart.token)}


@blp.route(f"/{TOKEN}")
class CartByToken(MethodView):
    @blp.response(200, CartSchema)
    @error_responses(blp, 404)
    def get(self, token: str):
        """The cart with its lines and totals at today's prices. 404 `cart_not_found`."""
        return _priced(service.get_cart(token))


@blp.route(f"/{TOKEN}/lines")
class CartLines(MethodView):
    @blp.arguments(AddLineSchema)
    @blp.response(201, CartSchema, description="A new line was added.")
    @blp.alt_response(200, schema=CartSchema, success=True,
                      description="The variant was already in the cart; its line now has the sum.")
    @error_responses(blp, 400, 404, 409, 422)
    def post(self, body: dict, token: str):
        """Add a variant by `sku` or `variant_id`; a variant already in the cart is merged.

        400 `invalid_quantity`, 404 `cart_not_found` / `unknown_variant`,
        409 `insufficient_stock` (with `available`), 422 for a missing or mistyped field.
        Any price or total in the body is ignored.
        """
        cart = service.get_cart(token)
        quantity = service.parse_quantity(body["quantity"])
        variant = service.find_variant(variant_id=body.get("variant_id"), sku=body.get("sku"))
        line = service.add_item(cart, variant, quantity)
        # A line holding exactly what was sent is new; a larger one was merged.
        return _priced(cart), 201 if line.quantity == quantity else 200


@blp.route(f"/{TOKEN}/lines/{VARIANT}")
class CartLineByVariant(MethodView):
    @blp.arguments(SetQuantitySchema)
    @blp.response(200, CartSchema)
    @error_responses(blp, 400, 404, 409, 422)
    def patch(self, body: dict, token: str, variant_id: int):
        """Set the quantity of the line for this variant.

        400 `invalid_quantity`, 404 `cart_not_found` / `unknown_variant` (not in this cart),
        409 `insufficient_stock`.
        """
        cart = service.get_cart(token)
        quantity = service.parse_quantity(body["quantity"])
        service.set_quantity(cart, variant_id, quantity)
        return _priced(cart)

    @blp.response(200, CartSchema)
    @error_responses(blp, 404)
    def delete(self, token: str, variant_id: int):
        """Remove the line for this variant. 404 `cart_not_found` / `unknown_variant`."""
        cart = service.get_cart(token)
        service.remove_line(cart, variant_id)
        return _priced(cart)


def _priced(cart) -> service.CartView:
    """The cart at today's prices with the offers live for this request's shopper: the figures
    (free shipping included) the quote and the cart page give the same cart."""
    return service.load_cart_view(cart, pricing_context())
