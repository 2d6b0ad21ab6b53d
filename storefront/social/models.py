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
        sa.Index("ix_visits_created_at", "created_at"),  # a period's visits, every channel (the dashboard)
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


class RememberedLaunch(db.Model):
    """A platform's launch message that started a tab session, kept while it is still fresh.

    A copied launch is valid until it is `LAUNCH_MAX_AGE` old; this row lets it start one tab
    session only. `key` is a SHA-256 of the platform, the page and the platform's unique value for
    that launch (`Launch.nonce`); `session_key` a SHA-256 of the random id of the session it
    started, so the same session may use it again (a reload) and any other is refused. The row
    is useless once the launch is stale, and the worker deletes it then (`expires_at`).
    """

    __tablename__ = "remembered_launches"

    key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    session_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    expires_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, index=True)
