"""The task worker sends mail with no request around it, as `make run`'s huey consumer does."""
import datetime as dt

import sqlalchemy as sa

from storefront import tasks
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from tests.mail.test_order_mail import manual_order

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)


def test_the_worker_sends_queued_mail_outside_any_request(app, smtp_server):
    app.config["SMTP_PORT"] = 1  # hold the mail back while the order is placed in a request
    with app.test_request_context("/"):
        order = manual_order(locale="lv")
    app.config["SMTP_PORT"] = smtp_server.controller.port
    db.session.commit()
    due = db.session.scalar(sa.select(OutboundEmail.next_attempt_at))

    tasks.utcnow, saved = (lambda: due), tasks.utcnow
    try:
        assert tasks.send_due_emails.call_local() == 1  # no request context here
    finally:
        tasks.utcnow = saved
    [message] = smtp_server.messages
    assert message["Subject"] == f"Esam saņēmuši jūsu pasūtījumu {order.number}"
    assert f"http://shop.test/orders/{order.tracking_token}" in message.get_body(("plain",)).get_content()
