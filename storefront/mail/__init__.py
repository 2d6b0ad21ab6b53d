"""E-mail to shoppers through an outbox: a message is a row written in the same transaction as
the change it reports, and a task-queue worker sends it over SMTP, retrying until it goes.

Owns `OutboundEmail`, rendering in the shopper's language and delivery. The receipt and the
shipping notice follow the order's life (`receivers`, on `orders.signals`); checkout and payments
queue the mail only they know is due (payment instructions, refunds); staff may send an order's
last mail again (`service.resend_last_order_email`).
"""
from __future__ import annotations

from flask import Flask

from . import receivers, staff, tasks


def init_app(app: Flask) -> None:
    """Hand the mail each transaction wrote to its outbox to the task queue once it commits, and
    register mail's tasks (delivery, the sweep for mail that is due) on the queue, and write the
    receipt and the shipping notice when an order is paid or shipped."""
    tasks.init_app(app)
    receivers.connect()
    staff.connect()  # the mail carrying staff invitations and password-reset links
