"""The order lifecycle signals: who hears what, and a receiver that fails undoes the change."""
import datetime as dt

import pytest
import sqlalchemy as sa

from promotions.models import Redemption
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.orders import signals, staff
from storefront.orders.models import Order, OrderStatus
from storefront.payments import service as payments
from tests.factories import make_order, make_user

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


class Heard:
    def __init__(self):
        self.events = []

    def __call__(self, name):
        def receiver(order, **kwargs):
            self.events.append((name, order.number, kwargs.get("reason")))
        receiver.__name__ = f"heard_{name}"
        return receiver


@pytest.fixture
def heard():
    listener = Heard()
    receivers = {signal: listener(name) for name, signal in [
        ("paid", signals.order_paid), ("released", signals.stock_released), ("voided", signals.sale_voided),
        ("shipped", signals.order_shipped), ("delivered", signals.order_delivered)]}
    for signal, receiver in receivers.items():
        signal.connect(receiver)
    yield listener.events
    for signal, receiver in receivers.items():
        signal.disconnect(receiver)


def test_an_order_announces_each_step_of_its_life_once(heard):
    admin = make_user("admin@example.com", "admin")
    order = make_order(now=NOW)
    payments.mark_manual_payment_received(order.id, actor=admin, now=NOW)
    staff.fulfil(order.id, actor=admin, now=NOW)
    staff.ship(order.id, carrier="Omniva", tracking_number="CC1", actor=admin, now=NOW)
    staff.deliver(order.id, actor=admin, now=NOW)
    assert heard == [("paid", order.number, None), ("shipped", order.number, None),
                     ("delivered", order.number, None)]


def test_cancelling_announces_a_released_hold_or_an_undone_sale(heard):
    admin = make_user("admin@example.com", "admin")
    unpaid, paid = make_order(now=NOW), make_order(now=NOW)
    payments.mark_manual_payment_received(paid.id, actor=admin, now=NOW)
    heard.clear()
    staff.cancel(unpaid.id, actor=admin, now=NOW)
    staff.cancel(paid.id, actor=admin, now=NOW)
    assert heard == [("released", unpaid.number, None), ("voided", paid.number, "cancelled")]


def test_a_receiver_that_fails_rolls_the_payment_back_with_everything_it_wrote(smtp_server):
    admin = make_user("admin@example.com", "admin")
    order = make_order(now=NOW)
    mails_before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail))

    def broken_receiver(order, **kwargs):
        raise RuntimeError("a subscriber failed")

    signals.order_paid.connect(broken_receiver)
    try:
        with pytest.raises(RuntimeError):
            payments.mark_manual_payment_received(order.id, actor=admin, now=NOW)
    finally:
        signals.order_paid.disconnect(broken_receiver)

    db.session.rollback()
    order = db.session.get(Order, order.id, populate_existing=True)
    assert order.status == OrderStatus.PENDING_PAYMENT and order.paid_at is None
    assert [e.kind for e in order.events] == ["placed"]
    # The receipt the mail receiver wrote to the outbox went with it.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == mails_before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)
                             .where(Redemption.status == "confirmed")) == 0

    payments.mark_manual_payment_received(order.id, actor=admin, now=NOW)
    assert db.session.get(Order, order.id, populate_existing=True).status == OrderStatus.PAID
