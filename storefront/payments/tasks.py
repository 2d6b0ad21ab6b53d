"""Payments' task on the shop's queue: give back the stock of unpaid orders whose hold ran out.

`flask payments expire` does the same by hand, for a shop whose worker was stopped.
"""
from __future__ import annotations

from huey import crontab

from ..database import utcnow
from ..tasks import huey, task_context
from .service import expire_reservations


@huey.periodic_task(crontab(minute="*"))
def release_expired_reservations() -> int:
    with task_context():
        return expire_reservations(utcnow())
