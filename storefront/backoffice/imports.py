"""Catalog import jobs: accept an upload, check it, apply it in one transaction off the request.

The upload is saved beside the instance database and a background thread (with its own app
context and so its own session) validates every row, then applies them all in a single
`write_transaction` together with the job's "done" mark and its audit entry — so a crash mid-way
leaves the catalog untouched; each progress mark is a small write of its own. A task queue
replaces the thread in a later issue; the job row and the progress endpoint stay the same.

Progress is written to the job row as the thread goes. While rows are being applied, the import's
own transaction holds SQLite's single write lock, so there the applying phase is reported from
this process's memory (other gunicorn workers see "applying" until it is done); PostgreSQL gets
the live count through a second, short connection.
"""
from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.models import User
from ..audit.service import record
from ..catalog import csv_io
from ..database import utcnow, write_transaction
from ..errors import NotFoundError, ShopError
from ..extensions import db
from .models import ImportJob, ImportStatus, progress_percent

# One import applies at a time in a process; concurrent ones would fight over the same SKUs.
_apply_lock = threading.Lock()
_live_progress: dict[int, int] = {}


CSV_REQUIRED = csv_io.REQUIRED_COLUMNS
# An import's state as staff read it, on the import list and on the import's own page.
STATUS_LABELS = {
    ImportStatus.PENDING: _l("Waiting to start"), ImportStatus.VALIDATING: _l("Checking rows"),
    ImportStatus.APPLYING: _l("Saving to the catalog"), ImportStatus.DONE: _l("Imported"),
    ImportStatus.FAILED: _l("Not imported"),
}


def status_labels() -> dict[str, str]:
    """`STATUS_LABELS` in the reader's language, by stored value (the progress script reads them too)."""
    return {status.value: str(label) for status, label in STATUS_LABELS.items()}


def record_export(actor) -> None:
    """Audit a catalog download: a full copy of prices and stock leaving the shop is worth a line."""
    with write_transaction():
        record(actor, "catalog.export", "catalog", "all")


class ImportFileRefused(ShopError):
    code = "import_file_refused"

    def __init__(self, message=None, *, status: int = 400):
        self.status = status
        super().__init__(message, field="file")


class ImportJobNotFound(NotFoundError):
    code = "import_job_not_found"
    default_message = _l("We could not find that import.")


def _job_file(job_id: int) -> Path:
    return Path(current_app.instance_path) / "imports" / f"catalog-{job_id}.csv"


def start_import(actor, filename: str, data: bytes, locale: str, *, run_in_background: bool = True) -> ImportJob:
    """Record an import job for an uploaded CSV and start working on it.

    :raise ImportFileRefused: for an empty file (400) or one above IMPORT_MAX_BYTES (413); nothing
        is stored then. Bad rows are not raised here: the job reports them when it has read them all.
    """
    limit = int(current_app.config["IMPORT_MAX_BYTES"])
    if len(data) > limit:
        raise ImportFileRefused(_l("The file is too large: at most %(mb)d MB.", mb=limit // (1024 * 1024)),
                                status=413)
    if not data.strip():
        raise ImportFileRefused(_l("The file is empty."))
    path = None
    try:
        with write_transaction():
            job = ImportJob(filename=(filename or "catalog.csv")[:255], locale=locale[:10],
                            total_rows=csv_io.count_rows(data), created_by_id=getattr(actor, "id", None))
            db.session.add(job)
            db.session.flush()
            path = _job_file(job.id)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            record(actor, "catalog.import_upload", "import_job", job.id, filename=job.filename, bytes=len(data))
    except BaseException:
        if path is not None:  # the job row was not saved: neither is its file
            path.unlink(missing_ok=True)
        raise
    job_id = job.id
    app = current_app._get_current_object()
    if run_in_background:
        threading.Thread(target=run_import, args=(app, job_id), name=f"catalog-import-{job_id}",
                         daemon=True).start()
    else:
        run_import(app, job_id)
    return job


def run_import(app: Flask, job_id: int) -> None:
    """Validate and apply one job. Runs in its own app context; never raises."""
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        if job is None:
            return
        with force_locale(job.locale or "en"):
            try:
                _validate_and_apply(job)
            except Exception:  # the job must end up "failed", never stuck: log and mark it
                db.session.rollback()  # this thread's own error handler: drop what the failed step left
                current_app.logger.exception("catalog import %s failed", job_id)
                _fail(job_id, [csv_io.RowError(0, None, str(_l(
                    "The import failed and nothing was changed. Please try again.")))])
            finally:
                _live_progress.pop(job_id, None)
                _job_file(job_id).unlink(missing_ok=True)
                db.session.remove()


def _validate_and_apply(job: ImportJob) -> None:
    data = _job_file(job.id).read_bytes()
    with write_transaction():
        job.status, job.started_at, job.processed_rows = ImportStatus.VALIDATING.value, utcnow(), 0

    def validated(count: int) -> None:
        # Validation writes nothing else: each progress mark is its own small write.
        with write_transaction():
            job.processed_rows = count

    parsed = csv_io.parse_catalog(data, validated)
    if parsed.errors:
        _fail(job.id, parsed.errors)
        return
    with write_transaction():
        job.status, job.total_rows, job.processed_rows = ImportStatus.APPLYING.value, len(parsed.rows), 0
    with _apply_lock:
        try:
            # One write for every row, the job's "done" mark and its audit entry: all or nothing.
            # Stock as `csv_io` says: an old export cannot undo the sales made since. A file that
            # changed nothing has no entry: the audit log lists changes, and its upload is there.
            with write_transaction():
                actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
                summary = csv_io.apply_rows(parsed.rows, lambda count: _report_applied(job.id, count))
                job.status, job.processed_rows = ImportStatus.DONE.value, len(parsed.rows)
                job.summary, job.finished_at = summary, utcnow()
                if summary["rows_unchanged"] < len(parsed.rows):
                    record(actor, "catalog.import", "import_job", job.id, filename=job.filename,
                           rows=len(parsed.rows), **summary)
        except csv_io.StockChangedSinceExport as refused:
            _fail(job.id, refused.errors)
        except SQLAlchemyError:
            # Someone changed the same SKUs or slugs between validation and now.
            current_app.logger.exception("catalog import %s could not be applied", job.id)
            _fail(job.id, [csv_io.RowError(0, None, str(_l(
                "The catalog changed while the file was being imported; nothing was changed. "
                "Please upload it again.")))])


def _report_applied(job_id: int, count: int) -> None:
    _live_progress[job_id] = count
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(sa.update(ImportJob.__table__).where(ImportJob.__table__.c.id == job_id)
                               .values(processed_rows=count))


def _fail(job_id: int, errors: list[csv_io.RowError]) -> None:
    with write_transaction():
        job = db.session.get(ImportJob, job_id)
        job.status, job.finished_at = ImportStatus.FAILED.value, utcnow()
        job.errors = [error.as_dict() for error in errors]


def get_job(job_id: int) -> ImportJob:
    """:raise ImportJobNotFound:"""
    job = db.session.get(ImportJob, job_id)
    if job is None:
        raise ImportJobNotFound()
    return job


def recent_jobs(limit: int = 10) -> list[ImportJob]:
    return list(db.session.scalars(sa.select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)))


def progress_of(job: ImportJob) -> dict:
    """What the progress bar shows, merging this process's live count while rows are applied."""
    processed = job.processed_rows
    if job.status == ImportStatus.APPLYING.value:
        processed = max(processed, _live_progress.get(job.id, 0))
    return {"id": job.id, "status": job.status, "finished": job.finished,
            "percent": progress_percent(job.status, processed, job.total_rows),
            "processed_rows": processed, "total_rows": job.total_rows, "error_count": len(job.errors or []),
            "summary": job.summary or {}}
