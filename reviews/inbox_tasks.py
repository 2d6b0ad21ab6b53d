"""The inbox's alerts: an e-mail to the assignee (or, for an unassigned item, every active support
staff member) when INBOX_WARNING_MINUTES are left on an item's clock, and another when its
deadline passes — once each.

"Once" is held by the database: each alert first claims its item by a conditional UPDATE
(`… SET warned_at = now WHERE warned_at IS NULL`), so of two workers (or two runs) only one sends
it, and each mail carries an outbox `key`. An item first seen already past its deadline gets the
breach alert only (a warning then would be late news). `send_due_alerts(now)` is the whole rule;
the periodic task only calls it with the real clock. An item closed without a response (its
review or question withheld) waits for nothing and gets no alert.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from huey import crontab

from storefront.accounts.models import Permission, User
from storefront.database import utcnow, write_transaction
from storefront.extensions import db
from storefront.mail.service import queue_email
from storefront.tasks import huey, task_context

from . import clock, inbox, inbox_mail
from .models import InboxEvent, InboxItem


@dataclass(frozen=True)
class Alerts:
    """What one run sent: items warned, items whose breach was announced, mails queued."""

    warned: int = 0
    breached: int = 0
    mails: int = 0


def _recipients(assignee_id: int | None) -> list[User]:
    if assignee_id is not None:
        assignee = db.session.get(User, assignee_id)
        if assignee is not None and assignee.active and assignee.can(Permission.ANSWER_CUSTOMERS):
            return [assignee]
    return inbox.support_staff()


def _claim(item_id: int, *, breach: bool, now: dt.datetime) -> bool:
    """Mark the alert as sent, if nobody has and the item still waits (not answered, not closed
    without an answer): True for the one caller that did."""
    waiting = [InboxItem.id == item_id, inbox.waiting(), InboxItem.breach_alerted_at.is_(None)]
    if breach:
        values = {"breach_alerted_at": now, "warned_at": sa.func.coalesce(InboxItem.warned_at, now)}
    else:
        waiting.append(InboxItem.warned_at.is_(None))
        values = {"warned_at": now}
    result = db.session.execute(sa.update(InboxItem).where(*waiting).values(**values)
                                .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _alert(item_id: int, assignee_id: int | None, *, breach: bool, now: dt.datetime) -> int | None:
    """Claim and send one alert in its own transaction: the number of mails queued, or None when
    another run had sent it (or the item was answered meanwhile)."""
    kind, mail = ("breached", inbox_mail.BREACH_MAIL) if breach else ("warned", inbox_mail.WARNING_MAIL)
    locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    with write_transaction():
        if not _claim(item_id, breach=breach, now=now):
            return None
        recipients = _recipients(assignee_id)
        queued = 0
        for user in recipients:
            if queue_email(mail, recipient=user.email, locale=locale, now=now, ref_id=item_id,
                           key=f"inbox_{'breach' if breach else 'warning'}:item:{item_id}:user:{user.id}"):
                queued += 1
        db.session.add(InboxEvent(item_id=item_id, kind=kind, created_at=now,
                                  details={"recipients": [user.email for user in recipients]}))
    return queued


def send_due_alerts(now: dt.datetime) -> Alerts:
    """Send the warnings and breach alerts due at `now`, each once; returns what this run sent."""
    warning = dt.timedelta(minutes=current_app.config["INBOX_WARNING_MINUTES"])
    sched = inbox.shop_schedule()
    # Plain values: each alert commits, which expires ORM objects read before it.
    waiting = db.session.execute(
        sa.select(InboxItem.id, InboxItem.assignee_id, InboxItem.due_at, InboxItem.clock, InboxItem.warned_at)
        .where(inbox.waiting(), InboxItem.breach_alerted_at.is_(None))
        .order_by(InboxItem.due_at, InboxItem.id)).all()
    warned = breached = mails = 0
    for item_id, assignee_id, due_at, item_clock, warned_at in waiting:
        if now >= due_at:
            sent = _alert(item_id, assignee_id, breach=True, now=now)
            breached += sent is not None
        elif warned_at is None and clock.elapsed(now, due_at, item_clock, sched) <= warning:
            sent = _alert(item_id, assignee_id, breach=False, now=now)
            warned += sent is not None
        else:
            continue
        mails += sent or 0
    return Alerts(warned, breached, mails)


@huey.periodic_task(crontab(minute="*"))
def send_inbox_alerts() -> int:
    """Every minute: the inbox's warnings and breach alerts that are due."""
    with task_context():
        return send_due_alerts(utcnow()).mails
