from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..catalog.models import Variant
from ..database import UTCDateTime, utcnow
from ..extensions import db


def new_cart_token() -> str:
    return secrets.token_urlsafe(24)


class Cart(db.Model):
    __tablename__ = "carts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # The cart's secret: whoever holds it may read and change the cart.
    token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, default=new_cart_token)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lines: so.Mapped[list[CartLine]] = so.relationship(
        back_populates="cart", order_by="CartLine.id", cascade="all, delete-orphan")


class CartLine(db.Model):
    __tablename__ = "cart_lines"
    __table_args__ = (
        sa.UniqueConstraint("cart_id", "variant_id", name="uq_cart_lines_cart_variant"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cart_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    variant_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("variants.id", ondelete="CASCADE"), index=True)
    quantity: so.Mapped[int] = so.mapped_column()

    cart: so.Mapped[Cart] = so.relationship(back_populates="lines")
    variant: so.Mapped[Variant] = so.relationship()
