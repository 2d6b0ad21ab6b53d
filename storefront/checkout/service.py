"""Placing an order: price the cart, take its stock and write the order, all or nothing."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import lazy_gettext as _l

from promotions import redemptions
from promotions.messages import lost_text
from promotions.models import Offer
from promotions.service import PricingContext, live_rules

from ..cart.models import Cart, CartLine
from ..cart.pricing import PricingRules, Totals, price_cart
from ..cart.service import get_cart, line_items, lost_for, offers_for
from ..catalog.models import Product, Variant
from ..catalog.stock import take_stock
from ..database import write_transaction
from ..delivery import default_option, needs_address, shipping_method_names, shipping_options
from ..errors import ConflictError, ShopError
from ..extensions import db
from ..idempotency import KeyedRequest, claim, remember
from ..mail.service import queue_order_email
from ..money import MAX_PAYMENT, format_money
from ..orders.models import Order, OrderDiscount, OrderLine, OrderStatus, PaymentMethod
from ..orders.service import add_event
from .addresses import written_postal_code


class EmptyCart(ShopError):
    code = "empty_cart"
    default_message = _l("Your cart is empty.")


class SoldOut(ConflictError):
    code = "sold_out"
    default_message = _l("Sorry, some items sold out while you were checking out.")


class ItemsUnavailable(ConflictError):
    code = "items_unavailable"


class TotalChanged(ConflictError):
    code = "total_changed"
    default_message = _l("Prices or stock changed since you looked. Please check the new total.")


class InvalidCheckout(ShopError):
    code = "invalid_checkout"


class OrderTooLarge(ShopError):
    """The order would come to more than one payment can take (`money.MAX_PAYMENT`): the cart
    keeps within it at list price, but shipping, tax or a price raised since can pass it."""
    code = "order_too_large"

    def __init__(self):
        super().__init__(_l("An order can come to at most %(amount)s, the most one payment can take. "
                            "Please remove some items.", amount=format_money(MAX_PAYMENT)))


NOT_OFFERED = _l("This delivery option is not offered.")


@dataclass(frozen=True)
class ShopperDetails:
    email: str
    full_name: str
    address_line1: str
    city: str
    postal_code: str
    country: str
    shipping_method: str
    payment_method: str
    address_line2: str = ""
    phone: str = ""
    locale: str = "en"
    channel: str = "web"
    utm_source: str = ""
    utm_campaign: str = ""


PAYMENT_METHOD_NAMES = {
    PaymentMethod.CARD: _l("Card"),
    PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
    PaymentMethod.CASH_ON_DELIVERY: _l("Cash on delivery"),
}


def enabled_payment_methods(config) -> list[PaymentMethod]:
    methods = [PaymentMethod(m) for m in config["MANUAL_PAYMENT_METHODS"]]
    if config.get("STRIPE_SECRET_KEY"):
        methods.insert(0, PaymentMethod.CARD)
    return methods


# The fields a shopper fills in (the rest of ShopperDetails comes from the visit).
DETAIL_FIELDS = ("email", "full_name", "address_line1", "address_line2", "city", "postal_code", "country",
                 "phone", "shipping_method", "payment_method")


def cart_lines(cart: Cart) -> list[CartLine]:
    """The cart's lines with their variants and products, in one query."""
    return list(db.session.scalars(
        sa.select(CartLine).where(CartLine.cart_id == cart.id).order_by(CartLine.id)
        .options(so.joinedload(CartLine.variant).joinedload(Variant.product))
    ).unique())


def quote(lines: list[CartLine], shipping_method: str, pricing: PricingContext | None = None) -> Totals:
    """The full breakdown the shopper sees before committing, for one shipping choice, with the
    offers `pricing` holds for this shopper (none without it)."""
    config = current_app.config
    option = shipping_options(config).get(shipping_method)
    if option is None:
        raise InvalidCheckout(NOT_OFFERED if shipping_method in shipping_method_names(config)
                              else _l("Please choose a delivery option."), field="shipping_method")
    return price_cart(line_items(lines), PricingRules.from_config(config), shipping=option.rate,
                      offers=offers_for(pricing))


def quote_for_cart(cart_token: str, shipping_method: str | None, pricing: PricingContext | None = None) -> dict:
    """The breakdown and the choices for a cart, with `shipping_method` (None: the first the shop
    offers). :raise CartNotFound, EmptyCart, InvalidCheckout: (a method the shop does not offer)"""
    lines = cart_lines(get_cart(cart_token))
    if not lines:
        raise EmptyCart()
    config = current_app.config
    totals = quote(lines, shipping_method or default_option(config).code, pricing)
    return {
        "totals": totals,
        "lost_offers": lost_for(totals, pricing),
        "shipping_methods": [{"code": o.code, "name": str(o.name)} for o in shipping_options(config).values()],
        "payment_methods": [{"code": m.value, "name": str(PAYMENT_METHOD_NAMES[m])}
                            for m in enabled_payment_methods(config)],
    }


def recent_order_from_cart(cart_token: str, *, now: dt.datetime) -> Order | None:
    """The order just placed from this cart, if any (a double-clicked "place order")."""
    return db.session.scalar(
        sa.select(Order).join(Cart, Cart.id == Order.cart_id)
        .where(Cart.token == cart_token, Order.created_at >= now - dt.timedelta(minutes=10))
        .order_by(Order.id.desc()).limit(1))


def _order_discount(applied) -> OrderDiscount:
    """An applied offer as the order keeps it: under the offer's names in every language (read in
    this transaction to price the order, so no statement), or the name priced if it is gone."""
    amounts = {"items_discount": applied.items_discount, "shipping_discount": applied.shipping_discount}
    offer = db.session.get(Offer, applied.offer_id)
    return OrderDiscount.named_as(offer, **amounts) if offer else OrderDiscount(name=applied.name[:120], **amounts)


def _address_for(details: ShopperDetails, config) -> ShopperDetails:
    """The details with the address the delivery needs, checked (the postcode written as its
    country writes it); for a pick-up, with no address at all: the order keeps only what it needs.

    :raise InvalidCheckout: a delivery without a street or a city, or to a country the shop does
        not deliver to.
    :raise InvalidPostalCode: the postcode cannot be one of the country's.
    """
    if not needs_address(details.shipping_method):
        return replace(details, address_line1="", address_line2="", city="", postal_code="", country="")
    for field in ("address_line1", "city"):
        if not getattr(details, field).strip():
            raise InvalidCheckout(_l("This field is required."), field=field)
    if details.country.upper() not in config["SHIP_TO_COUNTRIES"]:
        raise InvalidCheckout(_l("Sorry, we do not deliver to that country yet."), field="country")
    return replace(details, postal_code=written_postal_code(details.country, details.postal_code))


def place_order(cart_token: str, details: ShopperDetails, *, now: dt.datetime,
                shown_total: int | None = None, pricing: PricingContext | None = None,
                keyed: KeyedRequest | None = None, seen_offer_ids: Iterable[int] = ()) -> Order:
    """Turn the cart into an order awaiting payment, holding its stock until `reserved_until`.

    `shown_total` is the total the shopper saw and agreed to; if the server's total differs (a
    price changed in between, an offer ended or ran out), nothing is written and TotalChanged asks
    them to look again, so the amount charged is always the amount shown; when an offer they had
    (their code, or one of `seen_offer_ids`, applied on their pages) stopped applying, it says
    which and why.

    The offers applied are those of `pricing` (the shopper's verified context, with their e-mail),
    re-read after the cart is locked; each applied offer's redemption is held with the stock, in
    this transaction, and a cap reached in between rolls everything back (`promotions.redemptions`).

    With an idempotency key (`keyed`, the API's `Idempotency-Key`), the key is taken before the
    cart is locked and the answer stored with the order: a retry waits for the first request and
    gets its answer (`storefront.idempotency`).

    :raise EmptyCart, InvalidCheckout, InvalidPostalCode, TotalChanged, SoldOut: nothing is written in
        any case.
    :raise AnsweredBefore, IdempotencyKeyReused: the key was used before; nothing is written.
    """
    config = current_app.config
    with write_transaction():
        if keyed is not None:
            claim(keyed, now=now)
        order = _place_order(cart_token, details, config, now=now, shown_total=shown_total, pricing=pricing,
                             seen_offer_ids=seen_offer_ids)
        if keyed is not None:
            remember(keyed, order)
    return order


def _total_changed(totals: Totals, pricing: PricingContext | None, seen_offer_ids: Iterable[int]) -> TotalChanged:
    """The refusal of an order whose total is no longer the one shown: why, when it is an offer."""
    lost = lost_for(totals, pricing, seen_offer_ids)
    if not lost:
        return TotalChanged(total=totals.total)
    return TotalChanged(_l("%(why)s Please check the new total.", why=lost_text(lost[0])), total=totals.total,
                        reason=lost[0].reason)


def _attributed(details: ShopperDetails, pricing: PricingContext | None, totals: Totals) -> ShopperDetails:
    """The order's channel: the visit's, unless the shopper came from nowhere in particular ("web")
    and the order used a channel's code (ZV-TELEGRAM is Telegram's): then the code says where they
    came from, as the offer's redemption already does, so the dashboard's channels count it there."""
    code = pricing.code if pricing is not None else None
    if code is None or (details.channel or "web") != "web" or (code.channel or "web") == "web":
        return details
    if not any(applied.offer_id == code.offer_id for applied in (totals.offers.applied if totals.offers else ())):
        return details
    return replace(details, channel=code.channel, utm_source=code.utm_source or details.utm_source,
                   utm_campaign=code.utm_campaign or details.utm_campaign)


def _place_order(cart_token: str, details: ShopperDetails, config, *, now: dt.datetime,
                 shown_total: int | None, pricing: PricingContext | None, seen_offer_ids: Iterable[int]) -> Order:
    # The cart row is locked first: a second "place order" for the same cart (a double click, an
    # API retry) waits here, then finds the cart emptied and places nothing (SQLite's BEGIN
    # IMMEDIATE already serialises writers; FOR UPDATE does it on PostgreSQL).
    cart = db.session.scalar(sa.select(Cart).where(Cart.token == cart_token).with_for_update()) \
        if cart_token else None
    lines = cart_lines(cart) if cart else []
    if not lines:
        raise EmptyCart()
    withdrawn = sorted({line.variant.product.title for line in lines if not line.variant.product.active})
    if withdrawn:
        raise ItemsUnavailable(_l("Sorry, these items are no longer sold: %(names)s. Please remove them "
                                  "from your cart.", names=", ".join(withdrawn)))
    if details.payment_method not in {m.value for m in enabled_payment_methods(config)}:
        raise InvalidCheckout(_l("Please choose a payment method."), field="payment_method")
    details = _address_for(details, config)
    if pricing is not None:
        pricing = pricing.for_email(details.email)
        pricing = PricingContext(live_rules(pricing.now, fresh=True), pricing.shopper, pricing.now,
                                 channel=pricing.channel, utm_source=pricing.utm_source, code=pricing.code,
                                 customer_keys=pricing.customer_keys)
    totals = quote(lines, details.shipping_method, pricing)
    if totals.total > MAX_PAYMENT:
        raise OrderTooLarge()
    if shown_total is not None and shown_total != totals.total:
        raise _total_changed(totals, pricing, seen_offer_ids)

    quantities: dict[int, int] = {}
    for line in lines:
        quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.quantity
    short = take_stock(quantities)
    if short:
        names = ", ".join(sorted(l.variant.product.title for l in lines if l.variant_id in short))
        raise SoldOut(_l("Sorry, these items sold out while you were checking out: %(names)s.", names=names),
                      variant_ids=",".join(map(str, short)))

    details = _attributed(details, pricing, totals)
    hold = dt.timedelta(minutes=config["STOCK_HOLD_MINUTES"])
    if details.payment_method != PaymentMethod.CARD:
        hold = dt.timedelta(hours=config["MANUAL_PAYMENT_HOLD_HOURS"])
    order = Order(
        status=OrderStatus.PENDING_PAYMENT, currency=totals.currency,
        items_subtotal=totals.items_subtotal, discount=totals.discount, shipping=totals.shipping,
        shipping_discount=totals.shipping_discount, tax=totals.tax, tax_included=totals.tax_included, total=totals.total,
        reserved_until=now + hold, stock_held=True, created_at=now, cart_id=cart.id,
        **{field: getattr(details, field) for field in ShopperDetails.__dataclass_fields__
           if field != "country"},
        country=details.country.upper(),
    )
    for line, priced in zip(lines, totals.lines):
        variant: Variant = line.variant
        product: Product = variant.product
        order.lines.append(OrderLine(
            variant_id=variant.id, product_id=product.id, sku=variant.sku, title=product.title,
            variant_label=variant.label, unit_price=priced.unit_price, quantity=priced.quantity,
            discount=priced.discount, total=priced.total))
    order.discounts = [_order_discount(applied) for applied in (totals.offers.applied if totals.offers else ())]
    db.session.add(order)
    db.session.flush()
    order.number = f"{config['ORDER_NUMBER_PREFIX']}{order.id + 10000}"
    if totals.offers is not None and totals.offers.applied:
        try:
            redemptions.hold(order, totals.offers, pricing, now=now)
        except redemptions.OfferRanOut as ran_out:
            raise TotalChanged(ran_out.message, reason=ran_out.reason) from None
    if details.payment_method == PaymentMethod.BANK_TRANSFER:
        order.payment_reference = order.number
    add_event(order, "placed", now=now)
    if details.payment_method != PaymentMethod.CARD:
        # Card orders hear from us once paid; manual ones need the instructions now.
        queue_order_email(order, "order_received", now=now)
    for line in lines:
        db.session.delete(line)
    return order
