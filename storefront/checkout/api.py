"""`/api/v1/orders`: check out a token cart and follow the order (partners, the demo page, tests).

An order's tracking token is its only credential, as the cart's token is for a cart.
"""
from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_babel import get_locale
from flask_smorest import Blueprint

from promotions.limits import code_guess_limit
from promotions.service import pricing_context

from ..api_errors import error_responses
from ..database import utcnow
from ..idempotency import AnsweredBefore, keyed_request
from ..orders.service import get_order_by_token
from ..payments.service import start_card_payment
from . import service
from .admission import API_ERRORS as ADMISSION_ERRORS
from .admission import admit_checkout
from .schemas import (IdempotencyHeaderSchema, OrderSchema, PaymentSchema, PlaceOrderSchema, QuoteArgsSchema,
                      QuoteSchema)

blp = Blueprint("orders", __name__, description="Check out a cart, follow an order, pay by card.")
TOKEN = "<string(maxlength=64):token>"


@blp.route("/quote")
class Quote(MethodView):
    decorators = [code_guess_limit]

    @blp.arguments(QuoteArgsSchema, location="query")
    @blp.response(200, QuoteSchema)
    @error_responses(blp, 400, 404, 422, 429)
    def get(self, args: dict):
        """The full breakdown for a cart and a delivery option, before the shopper commits."""
        now = utcnow()
        # The API has no tab session: only codes and e-mail-based audiences reach it.
        pricing = pricing_context(code=args["code"] or "", email=args["email"], now=now)
        return service.quote_for_cart(args["cart_token"], args["shipping_method"], pricing)


@blp.route("")
class Orders(MethodView):
    decorators = [code_guess_limit]

    @admit_checkout
    @blp.arguments(PlaceOrderSchema)
    @blp.arguments(IdempotencyHeaderSchema, location="headers")
    @blp.response(201, OrderSchema)
    @error_responses(blp, 400, 404, 409, 422, 429)
    @error_responses(blp, 503, descriptions=ADMISSION_ERRORS)
    def post(self, body: dict, headers: dict):
        """Place the order: the stock is held and the cart emptied.

        409 `sold_out` when another shopper took the last units, 409 `total_changed` when
        `expected_total` differs from the server's total; nothing is written in either case.

        With an `Idempotency-Key` header, the answer is kept for 24 hours: the same key with the
        same body returns it again (header `Idempotent-Replayed: true`) and places nothing, also
        while the first request is still running; the same key with another body is 422
        `idempotency_key_reused`. A refused request keeps nothing and may be sent again.
        """
        keyed = keyed_request("POST /api/v1/orders", headers.get("idempotency_key"), request.get_json(),
                              lambda order: (201, OrderSchema().dump(order)))
        token = body.pop("cart_token")
        expected = body.pop("expected_total")
        code = body.pop("code") or ""
        # A pick-up's body may leave the country out (the order keeps no address).
        details = service.ShopperDetails(locale=str(get_locale()), channel="api", **{"country": "", **body})
        now = utcnow()
        # The API has no tab session: only codes and e-mail-based audiences reach it.
        pricing = pricing_context(code=code, now=now)
        try:
            return service.place_order(token, details, now=now, shown_total=expected, pricing=pricing,
                                       keyed=keyed), 201
        except AnsweredBefore as earlier:
            return earlier.response()


@blp.route(f"/{TOKEN}")
class OrderByToken(MethodView):
    @blp.response(200, OrderSchema)
    @error_responses(blp, 404)
    def get(self, token: str):
        """The order behind a tracking token. 404 `order_not_found`."""
        return get_order_by_token(token)


@blp.route(f"/{TOKEN}/payment")
class OrderPayment(MethodView):
    @admit_checkout
    @blp.response(200, PaymentSchema)
    @error_responses(blp, 404, 409)
    @error_responses(blp, 503, descriptions=ADMISSION_ERRORS)
    def post(self, token: str):
        """Start (or resume) the card payment: the Payment Element's client secret.

        Calling it twice returns the same PaymentIntent. 409 `already_paid`, 503 when Stripe
        cannot be reached (the order's stock is then released).
        """
        order = get_order_by_token(token)
        secret = start_card_payment(order)
        return {"client_secret": secret, "publishable_key": current_app.config["STRIPE_PUBLISHABLE_KEY"],
                "amount": order.total, "currency": order.currency}
