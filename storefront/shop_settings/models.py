"""One row per setting an admin changed: its value, as JSON, overriding the environment's."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..database import UTCDateTime, utcnow
from ..extensions import db

KEY_LENGTH = 64
# The row that holds the settings' version (a random number, new on each change): what a
# process compares with the version it applied when the page cache has no store to keep it in.
VERSION_KEY = "_version"


class ShopSetting(db.Model):
    """A setting's value (a key of `registry.SETTINGS`), or the version row (`VERSION_KEY`)."""

    __tablename__ = "shop_settings"

    key: so.Mapped[str] = so.mapped_column(sa.String(KEY_LENGTH), primary_key=True)
    value: so.Mapped[Any] = so.mapped_column(sa.JSON)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_by: so.Mapped[str | None] = so.mapped_column(sa.String(254))

    def __repr__(self) -> str:
        return f"<ShopSetting {self.key}>"
