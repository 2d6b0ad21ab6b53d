from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..database import UTCDateTime, utcnow
from ..extensions import db


class ProcessedWebhookEvent(db.Model):
    """One row per Stripe event applied. The primary key makes a second delivery a no-op, also
    when two deliveries of the same event arrive at the same moment (the second insert waits for
    the first transaction and then fails)."""

    __tablename__ = "processed_webhook_events"

    event_id: so.Mapped[str] = so.mapped_column(sa.String(255), primary_key=True)
    event_type: so.Mapped[str] = so.mapped_column(sa.String(80))
    order_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    outcome: so.Mapped[str] = so.mapped_column(sa.String(40))
    received_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
