from __future__ import annotations

import datetime as dt
import secrets
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..catalog.translations import Translated
from ..database import UTCDateTime, utcnow
from ..extensions import db


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    FULFILLED = "fulfilled"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class PaymentMethod(StrEnum):
    CARD = "card"
    CASH_ON_DELIVERY = "cash_on_delivery"
    BANK_TRANSFER = "bank_transfer"


def new_tracking_token() -> str:
    return secrets.token_urlsafe(32)


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        sa.CheckConstraint("total >= 0 AND items_subtotal >= 0 AND shipping >= 0 AND tax >= 0 "
                           "AND discount >= 0", name="amounts_not_negative"),
        sa.CheckConstraint("amount_refunded >= 0 AND amount_refunded <= total", name="refund_within_total"),
        sa.CheckConstraint("status IN ('pending_payment', 'paid', 'fulfilled', 'shipped', 'delivered', "
                           "'cancelled', 'refunded')", name="status_known"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str | None] = so.mapped_column(sa.String(20), unique=True)
    # The secret in the shopper's tracking link; whoever holds it may see the order.
    tracking_token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, default=new_tracking_token)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=OrderStatus.PENDING_PAYMENT, index=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    locale: so.Mapped[str] = so.mapped_column(sa.String(5), default="en")
    # Shipping address.
    full_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    address_line1: so.Mapped[str] = so.mapped_column(sa.String(200))
    address_line2: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    city: so.Mapped[str] = so.mapped_column(sa.String(120))
    postal_code: so.Mapped[str] = so.mapped_column(sa.String(20))
    country: so.Mapped[str] = so.mapped_column(sa.String(2))
    phone: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    shipping_method: so.Mapped[str] = so.mapped_column(sa.String(40))
    payment_method: so.Mapped[str] = so.mapped_column(sa.String(20))
    # Money, integer minor units of `currency`; `total` is what the shopper saw and is charged.
    currency: so.Mapped[str] = so.mapped_column(sa.String(3))
    items_subtotal: so.Mapped[int] = so.mapped_column()
    # Offers' discount on the items (spread over the lines; `OrderLine.discount` adds up to it).
    discount: so.Mapped[int] = so.mapped_column(default=0)
    # Shipping as charged, and what a free-shipping offer took off it.
    shipping: so.Mapped[int] = so.mapped_column()
    shipping_discount: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    tax: so.Mapped[int] = so.mapped_column()
    tax_included: so.Mapped[bool] = so.mapped_column()
    total: so.Mapped[int] = so.mapped_column()
    amount_refunded: so.Mapped[int] = so.mapped_column(default=0)
    # Stock is held for this order until then (pending payment only).
    reserved_until: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime, index=True)
    stock_held: so.Mapped[bool] = so.mapped_column(default=False)
    payment_intent_id: so.Mapped[str | None] = so.mapped_column(sa.String(255), unique=True)
    payment_reference: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    carrier: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    tracking_number: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    # The cart it was placed from: a second "place order" from the same cart finds this order.
    cart_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("carts.id", ondelete="SET NULL"), index=True)
    # Where the shopper came from, for attribution (platform tab, UTM source and campaign).
    channel: so.Mapped[str] = so.mapped_column(sa.String(40), default="web")
    utm_source: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    utm_campaign: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    paid_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)

    lines: so.Mapped[list[OrderLine]] = so.relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan")
    events: so.Mapped[list[OrderEvent]] = so.relationship(
        back_populates="order", order_by="OrderEvent.id", cascade="all, delete-orphan")
    discounts: so.Mapped[list[OrderDiscount]] = so.relationship(
        back_populates="order", order_by="OrderDiscount.id", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Order {self.number} {self.status}>"


class OrderLine(db.Model):
    """One item of an order, with the name and price it was sold at (the catalog may change)."""

    __tablename__ = "order_lines"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price >= 0 AND total >= 0", name="amounts_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    variant_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("variants.id", ondelete="SET NULL"), index=True)
    product_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("products.id", ondelete="SET NULL"), index=True)
    sku: so.Mapped[str] = so.mapped_column(sa.String(64))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    variant_label: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    unit_price: so.Mapped[int] = so.mapped_column()
    quantity: so.Mapped[int] = so.mapped_column()
    discount: so.Mapped[int] = so.mapped_column(default=0)
    total: so.Mapped[int] = so.mapped_column()

    order: so.Mapped[Order] = so.relationship(back_populates="lines")


class OrderDiscount(Translated, db.Model):
    """An offer the order got, named as the offer was named when the order was placed, and what it
    took off the items and the shipping. Kept with the order as the lines are: the offer may be
    renamed or deleted later, the receipt stays as it was. The name is in the shop's default
    language, the other languages' in `translations` (`localized("name")`), so every page and
    e-mail names it in its reader's language. The items parts add up to `Order.discount`, the
    shipping parts to `Order.shipping_discount`."""

    __tablename__ = "order_discounts"
    __table_args__ = (
        sa.CheckConstraint("items_discount >= 0 AND shipping_discount >= 0", name="amounts_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    items_discount: so.Mapped[int] = so.mapped_column(default=0)
    shipping_discount: so.Mapped[int] = so.mapped_column(default=0)

    order: so.Mapped[Order] = so.relationship(back_populates="discounts")

    translated_fields = ("name",)

    @classmethod
    def named_as(cls, offer, **amounts) -> OrderDiscount:
        """`offer`'s discount on an order, under the offer's names in every language as they are now."""
        translations = {language: {"name": text["name"][:120]}
                        for language, text in (offer.translations or {}).items() if (text or {}).get("name")}
        return cls(name=offer.name[:120], translations=translations, **amounts)

    @property
    def amount(self) -> int:
        return self.items_discount + self.shipping_discount


class OrderEvent(db.Model):
    """The order's timeline, shown to staff and (public kinds) on the tracking page."""

    __tablename__ = "order_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    public: so.Mapped[bool] = so.mapped_column(default=True)
    details: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)

    order: so.Mapped[Order] = so.relationship(back_populates="events")
