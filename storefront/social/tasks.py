"""The social area's task on the shop's queue: forget remembered launches once they are stale."""
from __future__ import annotations

from huey import crontab

from ..database import utcnow
from ..tasks import huey, task_context
from .service import forget_stale_launches


@huey.periodic_task(crontab(minute="*/10"))
def forget_stale_launches_task() -> int:
    with task_context():
        return forget_stale_launches(utcnow())
