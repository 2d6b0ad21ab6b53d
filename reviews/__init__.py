"""Reviews that show the bad with the good, the brand's official replies, questions and answers,
and the support inbox with its deadline.

Owns reviews (one per delivered order line), their photos, votes, reports, versions and the
product's summed figures; official replies; review requests after delivery; questions and
answers; the inbox, its clock, alerts and figures. It follows an order's life through
`storefront.orders.signals` and its own `signals`, and sends mail through the outbox
(`storefront.mail.service.queue_email`, with the renderers its parts register).
"""
from __future__ import annotations

from flask import Flask

from . import clock, inbox_receivers, inbox_tasks, questions, request_tasks, requests  # noqa: F401 (tasks register)
from .models import Clock


def init_app(app: Flask) -> None:
    """Check the inbox's settings, connect the area's receivers (review requests after delivery,
    the inbox) and register its mail renderers; importing the package registered its periodic tasks.

    :raise clock.ScheduleError: for opening hours, holidays or a clock name that cannot be read, at
        start-up rather than when the first review arrives.
    """
    clock.from_config(app.config)
    if app.config["INBOX_CLOCK"] not in {c.value for c in Clock}:
        raise clock.ScheduleError(f"INBOX_CLOCK must be one of {', '.join(c.value for c in Clock)}, "
                                  f"not {app.config['INBOX_CLOCK']!r}")
    requests.connect()
    inbox_receivers.connect()
    questions.connect()
