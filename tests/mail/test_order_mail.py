"""Shopper e-mail goes out through a real SMTP server, once, and is never lost when SMTP is down."""
import datetime as dt

import pytest
import sqlalchemy as sa

from storefront.database import write_transaction
from storefront.extensions import db
from storefront.mail.service import queue_order_email
from storefront.mail import tasks
from storefront.mail.models import OutboundEmail
from storefront.orders.models import Order
from storefront.orders.service import InvalidTransition
from storefront.payments import service as payments
from tests.conftest import free_port
from tests.factories import make_order, make_product, make_user

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def test_a_bank_transfer_order_mails_the_payment_instructions(smtp_server):
    pullover = make_product(title="Dzintars pullover", variants=[{"price": 8900}]).variants[0]
    order = make_order(pullover, now=NOW)
    [message] = smtp_server.messages
    assert message["To"] == "anna@example.com"
    assert order.number in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert order.payment_reference in text
    assert "IBAN: LV80 BANK 0000 4351 9500 1" in text  # where to send the money
    assert "Dzintars pullover" in text
    assert f"http://shop.test/orders/{order.tracking_token}" in text
    assert db.session.scalar(sa.select(OutboundEmail.status)) == "sent"


def test_markup_in_a_product_title_or_a_name_is_text_in_the_html_mail(smtp_server):
    # The HTML mail includes the plain-text body, whose template is not autoescaped on its own.
    pullover = make_product(title="<b>Bold</b> pullover", variants=[{"price": 8900}]).variants[0]
    make_order(pullover, now=NOW, full_name='Anna <img src=x onerror="alert(1)">')
    [message] = smtp_server.messages
    html = message.get_body(("html",)).get_content()
    assert "<img" not in html and "<b>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; pullover" in html
    assert "<b>Bold</b> pullover" in message.get_body(("plain",)).get_content()


def test_staff_confirming_a_payment_sends_one_receipt(smtp_server):
    order = make_order(now=NOW)
    admin = make_user("admin@example.com", "admin")
    payments.mark_manual_payment_received(order.id, actor=admin, now=NOW)
    with pytest.raises(InvalidTransition):
        payments.mark_manual_payment_received(order.id, actor=admin, now=NOW)
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert subjects == [f"We received your order {order.number}", f"Receipt for your order {order.number}"]


def test_mail_waits_while_the_smtp_server_is_down_and_goes_out_later(app, smtp_server):
    app.config["SMTP_PORT"] = free_port()  # the shop's mail server is down: nothing listens there
    order = make_order(now=NOW)
    db.session.commit()
    email = db.session.scalar(sa.select(OutboundEmail))
    assert (email.status, email.attempts) == ("pending", 1)
    assert "Connection refused" in email.last_error or "Errno" in email.last_error
    assert email.next_attempt_at > NOW

    app.config["SMTP_PORT"] = smtp_server.controller.port  # back up
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tasks, "utcnow", lambda: email.next_attempt_at)
        assert tasks.send_due_emails.call_local() == 1
    db.session.commit()
    assert db.session.scalar(sa.select(OutboundEmail.status)) == "sent"
    assert [m["Subject"] for m in smtp_server.messages] == [f"We received your order {order.number}"]


def test_the_shopper_gets_mail_in_the_language_they_shopped_in(smtp_server):
    order = make_order(locale="es", now=NOW)
    [message] = smtp_server.messages
    assert message["Subject"] == f"Hemos recibido tu pedido {order.number}"
    text = message.get_body(("plain",)).get_content()
    assert "referencia" in text and order.payment_reference in text


def test_mail_waits_for_the_real_commit_not_a_savepoint_inside_the_transaction(smtp_server):
    order = make_order(payment_method="cash_on_delivery", now=NOW)
    smtp_server.messages.clear()
    with write_transaction():
        queue_order_email(db.session.get(Order, order.id), "receipt", now=NOW)
        with db.session.begin_nested():  # e.g. a thank-you code inserted with a retry
            pass
        assert smtp_server.messages == []  # the transaction may still roll back
    assert [m["Subject"] for m in smtp_server.messages] == [f"Receipt for your order {order.number}"]


def test_a_rolled_back_transaction_sends_nothing(smtp_server):
    order = make_order(payment_method="cash_on_delivery", now=NOW)
    smtp_server.messages.clear()
    with pytest.raises(RuntimeError), write_transaction():
        queue_order_email(db.session.get(Order, order.id), "receipt", now=NOW)
        raise RuntimeError("refused")
    assert smtp_server.messages == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)
                             .where(OutboundEmail.kind == "receipt")) == 0


def test_the_first_mail_holds_the_contracts_terms_in_the_orders_language(smtp_server, app):
    """Who sold, the delivery address and the right of withdrawal with its model form, in the mail
    itself (a durable medium, Directive 2011/83/EU art. 8(7)), not only behind a link; the links
    open in the order's language."""
    from storefront.demo.legal import load_legal_pages

    load_legal_pages(app.config["LANGUAGES"], NOW)
    pullover = make_product(title="Dzintars pullover", variants=[{"price": 8900}]).variants[0]
    order = make_order(pullover, now=NOW, locale="lv", country="EE", city="Tallinn", postal_code="10111")
    [message] = smtp_server.messages
    text = message.get_body(("plain",)).get_content()
    assert f"http://shop.test/orders/{order.tracking_token}?lang=lv" in text
    assert "Pārdevējs: SIA Ziemeļu Vilna (demo)" in text and "PVN maksātāja numurs: LV40000000000 (demo)" in text
    assert "Piegādes adrese: " in text and ", Igaunija" in text
    assert "ATTEIKUMA VEIDLAPAS PARAUGS" in text and "##" not in text  # the model form, a heading in capitals
    assert "http://shop.test/legal/returns?lang=lv" in text
    html = message.get_body(("html",)).get_content()
    assert "Atteikuma veidlapas paraugs" in html and 'href="http://shop.test/legal/terms?lang=lv"' in html
    assert 'href="/' not in html  # every link works away from the shop

    payments.mark_manual_payment_received(order.id, actor=make_user("admin@example.com", "admin"), now=NOW)
    receipt = smtp_server.messages[-1].get_body(("plain",)).get_content()
    assert "Pārdevējs:" in receipt  # the receipt too: for a card payment it is the first mail
