"""Shopper e-mail goes out through a real SMTP server, once, and is never lost when SMTP is down."""
import datetime as dt

import pytest
import sqlalchemy as sa

from storefront import tasks
from storefront.cart import service as carts
from storefront.checkout.service import ShopperDetails, place_order
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.orders.models import Order
from storefront.payments import service as payments
from tests.conftest import free_port
from tests.factories import make_product

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def manual_order(payment_method="bank_transfer", locale="en") -> Order:
    product = make_product(title="Dzintars pullover", variants=[{"price": 8900, "stock": 4}])
    cart = carts.create_cart()
    carts.add_item(cart, product.variants[0], 1)
    details = ShopperDetails(email="anna@example.com", full_name="Anna Bērziņa", address_line1="Brīvības iela 1",
                             city="Rīga", postal_code="LV-1010", country="LV", shipping_method="standard",
                             payment_method=payment_method, locale=locale)
    return place_order(cart.token, details, now=NOW)


def test_a_bank_transfer_order_mails_the_payment_instructions(smtp_server):
    order = manual_order()
    [message] = smtp_server.messages
    assert message["To"] == "anna@example.com"
    assert order.number in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert order.payment_reference in text
    assert "IBAN: LV80 BANK 0000 4351 9500 1" in text  # where to send the money
    assert "Dzintars pullover" in text
    assert f"http://shop.test/orders/{order.tracking_token}" in text
    assert db.session.scalar(sa.select(OutboundEmail.status)) == "sent"


def test_staff_confirming_a_payment_sends_one_receipt(smtp_server):
    order = manual_order()
    payments.mark_manual_payment_received(order, now=NOW)
    with pytest.raises(Exception):
        payments.mark_manual_payment_received(db.session.get(Order, order.id), now=NOW)
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert subjects == [f"We received your order {order.number}", f"Receipt for your order {order.number}"]


def test_mail_waits_while_the_smtp_server_is_down_and_goes_out_later(app, smtp_server):
    app.config["SMTP_PORT"] = free_port()  # the shop's mail server is down: nothing listens there
    order = manual_order()
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
    order = manual_order(locale="es")
    [message] = smtp_server.messages
    assert message["Subject"] == f"Hemos recibido tu pedido {order.number}"
    text = message.get_body(("plain",)).get_content()
    assert "referencia" in text and order.payment_reference in text
