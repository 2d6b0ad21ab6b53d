"""Back-office bookkeeping: catalog import jobs and their progress."""
from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..database import UTCDateTime, utcnow
from ..extensions import db


class ImportStatus(StrEnum):
    PENDING = "pending"
    VALIDATING = "validating"
    APPLYING = "applying"
    DONE = "done"
    FAILED = "failed"


class ImportJob(db.Model):
    """One uploaded catalog CSV: checked, then applied in one transaction, or refused whole."""

    __tablename__ = "import_jobs"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'validating', 'applying', 'done', 'failed')",
                           name="status_known"),
        sa.CheckConstraint("processed_rows >= 0 AND total_rows >= 0", name="counts_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=ImportStatus.PENDING.value)
    filename: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    # The language the uploader read the page in; error messages are written in it.
    locale: so.Mapped[str] = so.mapped_column(sa.String(10), default="en")
    total_rows: so.Mapped[int] = so.mapped_column(default=0)
    processed_rows: so.Mapped[int] = so.mapped_column(default=0)
    # [{"line": 3, "column": "price", "message": "..."}, ...]; line 0 is the file as a whole.
    errors: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    summary: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    started_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)
    finished_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        return progress_percent(self.status, self.processed_rows, self.total_rows)


def progress_percent(status: str, processed: int, total: int) -> int:
    """Validation is the first half of the work, applying the second; only "done" is 100."""
    if status in (ImportStatus.DONE, ImportStatus.FAILED):
        return 100
    if not total or status == ImportStatus.PENDING:
        return 0
    share = min(processed, total) / total
    if status == ImportStatus.APPLYING:
        return min(99, 50 + int(share * 50))
    return min(50, int(share * 50))
