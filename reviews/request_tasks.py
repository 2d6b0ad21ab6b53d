"""The review requests' periodic tasks on the shop's queue: asking about orders shipped long ago
whose delivery was never marked, and the one reminder. Registered on `storefront.tasks.huey` when
the package is imported; each run is safe beside another (see `reviews.requests`)."""
from __future__ import annotations

from huey import crontab

from storefront.database import utcnow
from storefront.tasks import huey, task_context

from .requests import request_for_shipped_orders, send_due_reminders


@huey.periodic_task(crontab(minute="7"))
def ask_about_shipped_orders() -> int:
    """Hourly: the review request for orders shipped N days ago and never marked delivered."""
    with task_context():
        return request_for_shipped_orders(utcnow())


@huey.periodic_task(crontab(minute="37"))
def send_review_reminders() -> int:
    """Hourly: the one reminder, for requests whose order nobody has reviewed yet."""
    with task_context():
        return send_due_reminders(utcnow())
