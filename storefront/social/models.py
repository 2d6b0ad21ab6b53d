"""Where shoppers come from: one `Visit` row per visit, with its channel and UTM tags, and the
funnel's middle steps (product views, carts, checkouts started) counted per day and channel.

Orders copy the same channel and tags from the session when they are placed, so the dashboard can
count visits, funnel steps and orders per channel without joining them.
"""
from __future__ import annotations

import datetime as dt
from enum import StrEnum

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


class FunnelStep(StrEnum):
    """The funnel's steps between a visit and an order that the shop counts (`FunnelCount.step`)."""

    PRODUCT_VIEWS = "product_views"
    CARTS = "carts"
    CHECKOUTS = "checkouts"


class FunnelCount(db.Model):
    """How many times a funnel step was reached on one day (in the shop's time zone) from one
    channel and UTM source: one row per (day, channel, source, step), incremented in place by an
    upsert (`attribution.count_step`), so the dashboard reads a period's steps from at most
    days × channels × 3 rows however busy the shop is, and nothing about a visitor is kept."""

    __tablename__ = "funnel_counts"
    __table_args__ = (
        sa.CheckConstraint("count >= 0", name="count_not_negative"),
        sa.CheckConstraint("step IN ('product_views', 'carts', 'checkouts')", name="known_step"),
    )

    # The primary key leads with the day: a period is one range scan of it.
    day: so.Mapped[dt.date] = so.mapped_column(sa.Date, primary_key=True)
    channel: so.Mapped[str] = so.mapped_column(sa.String(CHANNEL_LENGTH), primary_key=True)
    utm_source: so.Mapped[str] = so.mapped_column(sa.String(UTM_LENGTH), primary_key=True)
    step: so.Mapped[str] = so.mapped_column(sa.String(16), primary_key=True)
    count: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)

    def __repr__(self) -> str:
        return f"<FunnelCount {self.day} {self.channel} {self.utm_source or '-'} {self.step}={self.count}>"


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
