"""What the review-request tests share: orders shipped (and not delivered), the mails the reviews
area queued, read fresh."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from reviews.models import ReviewRequest
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.orders import staff
from storefront.orders.models import Order
from storefront.cart import service as carts
from storefront.checkout.service import place_order
from storefront.payments.service import mark_manual_payment_received
from tests.factories import make_cart, shopper_details
from tests.reviews.factories import staff_member

UTC = dt.timezone.utc


def place(*variants, now: dt.datetime, **details) -> Order:
    """An order of one of each variant, placed at `now` through the checkout (bank transfer);
    `details` change the shopper's checkout form (email, locale, full_name, …)."""
    cart = make_cart(variants[0])
    for variant in variants[1:]:
        carts.add_item(cart, variant, 1)
    return place_order(cart.token, shopper_details(**dict({"payment_method": "bank_transfer"}, **details)),
                       now=now)


def make_shipped_order(*variants, now: dt.datetime, **details) -> Order:
    """An order placed at `now`, paid, packed and shipped a day later; its delivery never marked."""
    actor = staff_member()
    order = place(*variants, now=now, **details)
    mark_manual_payment_received(order.id, actor=actor, now=now + dt.timedelta(hours=1))
    staff.fulfil(order.id, actor=actor, now=now + dt.timedelta(hours=2))
    return staff.ship(order.id, carrier="Omniva", tracking_number="CC123456789EE", actor=actor,
                      now=now + dt.timedelta(days=1))


def make_delivered(*variants, now: dt.datetime, **details) -> Order:
    """`make_shipped_order`, delivered two days after `now` (the delivery asks for a review)."""
    order = make_shipped_order(*variants, now=now, **details)
    return staff.deliver(order.id, actor=staff_member(), now=now + dt.timedelta(days=2))


def mails(kind: str) -> list[OutboundEmail]:
    db.session.commit()  # end the test's snapshot: other sessions wrote
    return list(db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.kind == kind)
                                   .order_by(OutboundEmail.id)))


def request_of(order_id: int) -> ReviewRequest | None:
    db.session.commit()
    return db.session.scalar(sa.select(ReviewRequest).where(ReviewRequest.order_id == order_id))


def asked_products(order_id: int) -> list[int]:
    request = request_of(order_id)
    return sorted(item.product_id for item in request.items) if request else []
