"""One row per legal page and language: the text an admin wrote for it."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..database import UTCDateTime, utcnow
from ..extensions import db

PAGE_LENGTH = 32
TITLE_LENGTH = 120
# A long privacy notice is ~30,000 characters; the bound keeps one form post from filling a row
# without end.
BODY_LENGTH = 60_000


class LegalText(db.Model):
    """A legal page in one language (`page` is one of `service.PAGES`)."""

    __tablename__ = "legal_texts"
    __table_args__ = (sa.UniqueConstraint("page", "language", name="uq_legal_texts_page_language"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    page: so.Mapped[str] = so.mapped_column(sa.String(PAGE_LENGTH))
    language: so.Mapped[str] = so.mapped_column(sa.String(5))
    title: so.Mapped[str] = so.mapped_column(sa.String(TITLE_LENGTH))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<LegalText {self.page} {self.language}>"
