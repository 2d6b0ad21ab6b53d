"""What the write-path tests share: pictures (good, bombs, not pictures), review links, form bodies,
and the figures checked against a recount."""
from __future__ import annotations

import datetime as dt
import io
import struct
import zlib
from pathlib import Path

import sqlalchemy as sa
from PIL import Image

from reviews import stats
from reviews.models import Review, ReviewPhoto, ReviewRequest, ReviewStats
from storefront.cart import service as carts
from storefront.checkout.service import place_order
from storefront.database import write_transaction
from storefront.extensions import db
from storefront.orders import staff
from storefront.orders.models import Order
from storefront.payments.service import mark_manual_payment_received
from tests.factories import make_cart, shopper_details
from tests.reviews.factories import NOW, staff_member

# make_delivered_order delivers two days after NOW; a review written a few days later.
LATER = NOW + dt.timedelta(days=5)
XSS = '"><img src=x onerror=alert(1)><script>alert("xss")</script>'


def png(width: int = 40, height: int = 30, colour=(180, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(side: int = 30_000) -> bytes:
    """A few hundred bytes that claim a side × side picture (900 million pixels): a decompression
    bomb. Pillow refuses it from its header, before unpacking anything."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    rows = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")


def not_an_image() -> bytes:
    return b"%PDF-1.4\n% a document pretending to be a photo\n"


def request_for(order: Order, *, now: dt.datetime = NOW, days: int = 90) -> ReviewRequest:
    """The order's review request (the one sent on delivery, or a new one), valid `days` from `now`."""
    db.session.commit()
    request = db.session.scalar(sa.select(ReviewRequest).where(ReviewRequest.order_id == order.id))
    if request is None:
        request = ReviewRequest(order_id=order.id, email=order.email, locale=order.locale, created_at=now,
                                expires_at=now + dt.timedelta(days=days))
        db.session.add(request)
    else:
        request.expires_at = now + dt.timedelta(days=days)
    db.session.commit()
    return request


def form(prefix: str = "", **fields) -> dict:
    """A review form's body as a browser sends it: 4 stars, a short text, in English."""
    values = {"rating": "4", "title": "Warm", "body": "Lovely wool.", "fit": "", "language": "en",
              "author_name": "Anna B."}
    values.update(fields)
    key = (lambda name: f"{prefix}-{name}") if prefix else (lambda name: name)
    return {key(name): value for name, value in values.items() if value is not None}


def photo_files(*payloads: bytes, field: str = "photos") -> dict:
    """Uploads for the test client: {field: [(stream, name), …]}."""
    return {field: [(io.BytesIO(data), f"photo{i}.png") for i, data in enumerate(payloads)]}


def review_count() -> int:
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count(Review.id)))


def photo_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(ReviewPhoto.id)))


def figures(product_id: int) -> tuple:
    """The product's summed figures as a tuple (zeros when it has no row)."""
    db.session.commit()
    row = db.session.get(ReviewStats, product_id, populate_existing=True)
    if row is None:
        return (0,) * 10
    return (row.review_count, row.rating_sum, row.rated_1, row.rated_2, row.rated_3, row.rated_4, row.rated_5,
            row.fit_small, row.fit_true, row.fit_large)


def assert_figures_exact(product_id: int) -> tuple:
    """The moved figures equal a recount from the rows; returns them."""
    moved = figures(product_id)
    with write_transaction():
        stats.recount(product_id)
    recounted = figures(product_id)
    assert moved == recounted, (moved, recounted)
    return moved


def stored_files(upload_folder: str) -> set[str]:
    folder = Path(upload_folder) / "reviews"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def delivered_order_of(*variants, now: dt.datetime = NOW, **details) -> Order:
    """An order of one of each variant, placed at `now`, paid, shipped and delivered two days later."""
    actor = staff_member()
    cart = make_cart(variants[0])
    for variant in variants[1:]:
        carts.add_item(cart, variant, 1)
    order = place_order(cart.token, shopper_details(**dict({"payment_method": "bank_transfer"}, **details)), now=now)
    mark_manual_payment_received(order.id, actor=actor, now=now + dt.timedelta(hours=1))
    staff.fulfil(order.id, actor=actor, now=now + dt.timedelta(hours=2))
    staff.ship(order.id, carrier="Omniva", tracking_number="CC123456789EE", actor=actor, now=now + dt.timedelta(days=1))
    return staff.deliver(order.id, actor=actor, now=now + dt.timedelta(days=2))
