"""The task worker sends mail with no request around it, as `make run`'s huey consumer does."""
import datetime as dt

import sqlalchemy as sa

from storefront.mail import tasks
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from tests.factories import make_order

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)


def test_the_worker_sends_queued_mail_outside_any_request(app, smtp_server):
    app.config["SMTP_PORT"] = 1  # hold the mail back while the order is placed in a request
    with app.test_request_context("/"):
        order = make_order(locale="lv", now=NOW)
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


def test_two_workers_picking_up_the_same_mail_send_it_once(app, smtp_server):
    from storefront.mail.service import deliver

    app.config["SMTP_PORT"] = 1  # held back while the order is placed
    with app.test_request_context("/"):
        make_order(now=NOW)
    app.config["SMTP_PORT"] = smtp_server.controller.port
    db.session.commit()
    email_id = db.session.scalar(sa.select(OutboundEmail.id))
    due = db.session.scalar(sa.select(OutboundEmail.next_attempt_at))
    assert deliver(email_id, now=due) is True
    assert deliver(email_id, now=due) is False  # the second worker finds it claimed and sent
    assert len(smtp_server.messages) == 1


def test_a_mail_claimed_by_a_worker_that_died_is_sent_after_its_lease(app, smtp_server):
    from storefront.mail.service import SENDING_LEASE, deliver, due_email_ids

    with app.test_request_context("/"):
        make_order(now=NOW)
    db.session.commit()
    smtp_server.messages.clear()
    email = db.session.scalar(sa.select(OutboundEmail))
    # A worker claimed it and died before sending.
    db.session.execute(sa.update(OutboundEmail).values(status="sending", next_attempt_at=NOW + SENDING_LEASE))
    db.session.commit()
    assert due_email_ids(NOW) == []
    assert due_email_ids(NOW + SENDING_LEASE) == [email.id]
    assert deliver(email.id, now=NOW + SENDING_LEASE) is True
    assert len(smtp_server.messages) == 1
