"""The task queue (Huey): mail delivery and the periodic sweeps.

Storage comes from HUEY_URL: a SQLite file in the instance folder by default (nothing to
install), `redis://…` in production. `make run` starts a consumer next to the web server
(`huey_consumer storefront.tasks.huey`). Tests run tasks immediately, in-process.

Each task runs in a fresh app context, so it has its own database session even when it runs
immediately inside a request (the request's session has just committed and may not be reused).
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager

from flask import current_app, has_app_context
from huey import RedisHuey, SqliteHuey, crontab

from .config import INSTANCE_PATH
from .database import utcnow


def _make_huey():
    url = os.environ.get("HUEY_URL", "")
    if url.startswith("redis://"):
        return RedisHuey("storefront", url=url)
    path = url.removeprefix("sqlite:///") if url else str(INSTANCE_PATH / "tasks.db")
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    return SqliteHuey("storefront", filename=path)


huey = _make_huey()
_worker_app = None
# The consumer's worker threads start together; the app (and the extensions it binds, which are
# process-wide) must be built once.
_worker_app_lock = threading.Lock()


@contextmanager
def task_context():
    global _worker_app
    if has_app_context():
        app = current_app._get_current_object()
    else:
        with _worker_app_lock:
            if _worker_app is None:
                from . import create_app

                _worker_app = create_app()
        app = _worker_app
    with app.app_context():
        yield


@huey.task()
def deliver_email(email_id: int) -> bool:
    from .mail.service import deliver

    with task_context():
        return deliver(email_id, now=utcnow())


@huey.periodic_task(crontab(minute="*"))
def send_due_emails() -> int:
    """Retry mail that failed (SMTP down) and mail whose task was lost with a crashed worker."""
    from .mail.service import deliver, due_email_ids

    with task_context():
        return sum(deliver(email_id, now=utcnow()) for email_id in due_email_ids(utcnow()))


@huey.periodic_task(crontab(minute="*"))
def release_expired_reservations() -> int:
    from .payments.service import expire_reservations

    with task_context():
        return expire_reservations(utcnow())


def enqueue_outbox(session) -> None:
    """After a commit, hand the mail written in that transaction to the queue. If this process
    dies first, `send_due_emails` finds the rows anyway: the outbox, not the queue, is the record."""
    emails = session.info.pop("outbox", [])
    for email in emails:
        deliver_email(email.id)


def init_app(app) -> None:
    import sqlalchemy as sa

    from .extensions import db

    # The queue is one per process while apps may be several (tests make extra ones): an app
    # may switch immediate mode on, never off again.
    if app.config.get("TASKS_IMMEDIATE"):
        huey.immediate = True
    if not sa.event.contains(db.session, "after_commit", enqueue_outbox):
        sa.event.listen(db.session, "after_commit", enqueue_outbox)
        sa.event.listen(db.session, "after_rollback", _forget_outbox)


def _forget_outbox(session) -> None:
    session.info.pop("outbox", None)
