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

from . import inbox_receivers, inbox_tasks, questions, request_tasks, requests  # noqa: F401 (tasks register)


def init_app(app: Flask) -> None:
    """Connect the area's receivers (review requests after delivery, the inbox) and register its
    mail renderers; importing the package registered its periodic tasks."""
    requests.connect()
    inbox_receivers.connect()
    questions.connect()
