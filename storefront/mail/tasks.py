"""Mail's tasks on the shop's queue: deliver one e-mail, and sweep the outbox for what is due.

The outbox row, written in the transaction of the change it reports, is the record; the queue is
only the fast path. A mail whose task is lost (a crashed worker, a queue emptied) is found by the
sweep, so nothing here needs to be exactly-once: `deliver` claims the row before sending.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from huey import crontab

from ..database import utcnow
from ..extensions import db
from ..tasks import huey, task_context
from .service import deliver, due_email_ids


@huey.task()
def deliver_email(email_id: int) -> bool:
    with task_context():
        return deliver(email_id, now=utcnow())


@huey.periodic_task(crontab(minute="*"))
def send_due_emails() -> int:
    """Retry mail that failed (SMTP down) and mail whose task was lost with a crashed worker."""
    with task_context():
        return sum(deliver(email_id, now=utcnow()) for email_id in due_email_ids(utcnow()))


def enqueue_outbox(session) -> None:
    """After a commit, hand the mail written in that transaction to the queue. If this process
    dies first, `send_due_emails` finds the rows anyway: the outbox, not the queue, is the record.

    SQLAlchemy also announces a savepoint's release as a commit; the outer transaction is still
    open then and may yet roll back, so the mail waits for the real commit."""
    if session.get_nested_transaction() is not None:
        return
    emails = session.info.pop("outbox", [])
    for email in emails:
        deliver_email(email.id)


def forget_outbox(session) -> None:
    """A rolled-back transaction's mail was never written: nothing to hand on. (A savepoint rolled
    back inside a transaction keeps the list: `deliver` skips a row that is not there.)"""
    if session.get_nested_transaction() is not None:
        return
    session.info.pop("outbox", None)


def init_app(app: Flask) -> None:
    # The session (Flask-SQLAlchemy's scoped session) is one per process while apps may be
    # several: listen once.
    if not sa.event.contains(db.session, "after_commit", enqueue_outbox):
        sa.event.listen(db.session, "after_commit", enqueue_outbox)
        sa.event.listen(db.session, "after_rollback", forget_outbox)
