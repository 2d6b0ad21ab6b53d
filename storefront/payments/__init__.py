"""Payments: Stripe PaymentIntents and webhooks, manual methods, refunds, reconciliation.

Owns the conversation with Stripe and the record of which webhook events were processed. An order
becomes paid only here, from a verified webhook (card) or a staff action (manual methods). It must
not price anything: it charges exactly `Order.total`.
"""
from __future__ import annotations

from flask import Flask

from . import tasks  # noqa: F401  (its task registers on the queue as it is imported)


def init_app(app: Flask) -> None:
    """Wire payments into the app. Its task, releasing expired stock holds every minute, is on the
    queue from the import of `.tasks` above; nothing in it depends on the app's settings yet."""
