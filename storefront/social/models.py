"""Where shoppers come from: one `Visit` row per visit, with its channel and UTM tags.

Orders copy the same channel and tags from the session when they are placed, so the dashboard can
count visits and orders per channel without joining the two.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..database import UTCDateTime, utcnow
from ..extensions import db

# The same widths as the order's attribution columns, so a tag that fits one fits the other.
CHANNEL_LENGTH = 40
UTM_LENGTH = 80
PATH_LENGTH = 255
HOST_LENGTH = 255


class Visit(db.Model):
    """A visit's start: the first storefront page of a session, or of a new channel or campaign."""

    __tablename__ = "visits"
    __table_args__ = (
        # The dashboard counts visits per channel and per source over a time window.
        sa.Index("ix_visits_channel_created", "channel", "created_at"),
        sa.Index("ix_visits_utm_source_created", "utm_source", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # The random id kept in the shopper's session; it says which visit later pages belong to.
    visit_key: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    channel: so.Mapped[str] = so.mapped_column(sa.String(CHANNEL_LENGTH), default="web")
    utm_source: so.Mapped[str] = so.mapped_column(sa.String(UTM_LENGTH), default="")
    utm_campaign: so.Mapped[str] = so.mapped_column(sa.String(UTM_LENGTH), default="")
    landing_path: so.Mapped[str] = so.mapped_column(sa.String(PATH_LENGTH), default="")
    referrer_host: so.Mapped[str] = so.mapped_column(sa.String(HOST_LENGTH), default="")

    def __repr__(self) -> str:
        return f"<Visit {self.channel} {self.utm_source or '-'}>"
