from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..database import UTCDateTime, utcnow
from ..extensions import db


class OutboundEmail(db.Model):
    __tablename__ = "outbound_emails"
    __table_args__ = (
        sa.Index("ix_outbound_emails_due", "status", "next_attempt_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    # Mail about something other than an order (a review request, an inbox alert): the id of what
    # it is about, read by the renderer its area registered for `kind` (`mail.service.register`).
    ref_id: so.Mapped[int | None] = so.mapped_column()
    # At most one mail per key, however often the event that causes it is delivered: one receipt
    # and one shipping notice per order ("receipt:12"), one notice per refund, by its timeline
    # entry ("refunded:event:40"), "review_request:12", "inbox_warning:item:7:user:3".
    key: so.Mapped[str | None] = so.mapped_column(sa.String(120), unique=True)
    recipient: so.Mapped[str] = so.mapped_column(sa.String(254))
    locale: so.Mapped[str] = so.mapped_column(sa.String(5), default="en")
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="pending")  # pending | sending | sent
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    next_attempt_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    sent_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)
