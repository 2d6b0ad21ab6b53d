"""The shopper's cart on the pages: its token lives in the session (``session["cart_token"]``).

The cart is created by the first successful add, never by browsing, so a visitor who only looks
gets no cart and no cookie. The rules themselves (quantities, stock, prices) are `cart.service`'s;
this module only finds the session's cart and calls them.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import g, session

from promotions.service import forget_code_used_by, pricing_context

from ..extensions import db
from . import service
from .models import Cart, CartLine

SESSION_KEY = "cart_token"
# The checkout's saved details (written by `checkout.views`): their e-mail prices the cart as the
# checkout will (first order, per-customer caps).
CHECKOUT_DETAILS_KEY = "checkout_details"
# Offers applied on the shopper's pages so far: one that stops applying is explained.
OFFERS_SEEN_KEY = "offers_seen"
MAX_OFFERS_SEEN = 20


def current_cart() -> Cart | None:
    """The session's cart, or None; a token whose cart is gone is forgotten."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    try:
        return service.get_cart(token)
    except service.CartNotFound:
        session.pop(SESSION_KEY, None)
        return None


def require_cart() -> Cart:
    """:raise CartNotFound: when the session has no cart (e.g. it expired, or cookies are off)."""
    cart = current_cart()
    if cart is None:
        raise service.CartNotFound()
    return cart


def current_cart_view() -> service.CartView:
    """The session's cart priced for this shopper: the offers their visit (and the e-mail they gave
    at checkout) qualifies for, with any offer they had that no longer applies and why."""
    email = (session.get(CHECKOUT_DETAILS_KEY) or {}).get("email") or None
    view = service.load_cart_view(current_cart(), pricing_context(email=email), seen=offers_seen())
    remember_offers(view.totals)
    g.cart_item_count = view.totals.item_count
    return view


def offers_seen() -> frozenset[int]:
    return frozenset(session.get(OFFERS_SEEN_KEY) or ())


def remember_offers(totals) -> None:
    """Keep the offers `totals` applies among those seen (the session is written only when one is
    new, so a page shown again writes nothing)."""
    applied = {a.offer_id for a in totals.offers.applied} if totals.offers is not None else set()
    seen = offers_seen()
    if not applied <= seen:
        session[OFFERS_SEEN_KEY] = sorted(seen | applied)[-MAX_OFFERS_SEEN:]


def forget_offers(order_id: int) -> None:
    """The order is placed: its offers are no longer the shopper's to lose, and a code it used is
    spent."""
    session.pop(OFFERS_SEEN_KEY, None)
    forget_code_used_by(order_id)


def item_count() -> int:
    """Units in the session's cart for the header badge: one small query, only if a cart exists."""
    if "cart_item_count" not in g:
        token = session.get(SESSION_KEY)
        count = 0
        if token:
            count = db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(CartLine.quantity), 0))
                .join(Cart, Cart.id == CartLine.cart_id).where(Cart.token == token)) or 0
        g.cart_item_count = int(count)
    return g.cart_item_count


def add_to_cart(variant_id, raw_quantity) -> CartLine:
    """Add a variant to the session's cart, creating the cart with the first line.

    The quantity and variant are checked before anything is written, and a new cart is committed
    together with its first line, so a refused add leaves no empty cart behind.
    :raise InvalidQuantity, UnknownVariant, InsufficientStock: as `cart.service` does.
    """
    quantity = service.parse_quantity(raw_quantity)
    variant = service.find_variant(variant_id=variant_id)
    line = service.add_item(current_cart(), variant, quantity)
    session[SESSION_KEY] = line.cart.token
    g.pop("cart_item_count", None)
    return line


def change_quantity(variant_id, raw_quantity) -> CartLine:
    """:raise CartNotFound, InvalidQuantity, UnknownVariant, InsufficientStock:"""
    quantity = service.parse_quantity(raw_quantity)
    line = service.set_quantity(require_cart(), variant_id, quantity)
    g.pop("cart_item_count", None)
    return line


def remove(variant_id) -> None:
    """:raise CartNotFound, UnknownVariant:"""
    service.remove_line(require_cart(), variant_id)
    g.pop("cart_item_count", None)
