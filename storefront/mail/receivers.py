"""The e-mails an order's life calls for, subscribed to `storefront.orders.signals`.

Receivers write to the outbox inside the order's transaction; the mail is rendered and sent after
the commit (`mail.service`), so a rolled-back change sends nothing.
"""
from __future__ import annotations

import datetime as dt

from ..orders import signals
from .service import queue_order_email


def send_receipt(order, *, now: dt.datetime, **_) -> None:
    queue_order_email(order, "receipt", now=now)


def send_shipping_notice(order, *, now: dt.datetime, **_) -> None:
    queue_order_email(order, "shipped", now=now)


def connect() -> None:
    signals.order_paid.connect(send_receipt)
    signals.order_shipped.connect(send_shipping_notice)
