"""Staff move orders along: each move audited, forbidden moves refused, refunds exact."""
import datetime as dt

import pytest
import sqlalchemy as sa

from storefront.audit.models import AuditEntry
from storefront.catalog.models import Variant
from storefront.extensions import db
from storefront.orders import service, staff
from storefront.orders.models import OrderStatus
from storefront.payments import refunds
from storefront.payments import service as payments
from tests.conftest import fresh
from tests.factories import make_order, make_paid_card_order, make_product, make_user

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


@pytest.fixture
def admin():
    return make_user("admin@example.com", "admin")


def audit_actions():
    db.session.commit()
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_bank_transfer_order_goes_from_paid_to_delivered_with_a_tracking_number(admin, smtp_server):
    order = make_order(now=NOW)
    payments.mark_manual_payment_received(order.id, actor=admin, now=NOW)
    staff.fulfil(order.id, actor=admin, now=NOW)
    staff.ship(order.id, carrier="Omniva", tracking_number="CC123456789EE", actor=admin, now=NOW)
    staff.deliver(order.id, actor=admin, now=NOW)

    shipped = fresh(order.id)
    assert shipped.status == OrderStatus.DELIVERED
    assert (shipped.carrier, shipped.tracking_number) == ("Omniva", "CC123456789EE")
    assert [e.kind for e in shipped.events] == ["placed", "paid", "fulfilled", "shipped", "delivered"]
    assert audit_actions()[-4:] == ["order.mark_paid", "order.fulfil", "order.ship", "order.deliver"]
    # Delivery mails the review request after the shipping notice (reviews.requests).
    [shipping_mail] = [m for m in smtp_server.messages if m["Subject"] == f"Your order {order.number} is on its way"]
    assert "CC123456789EE" in shipping_mail.get_body(("plain",)).get_content()


def test_moves_the_state_machine_forbids_are_refused_with_409(admin):
    order = make_order(now=NOW)
    with pytest.raises(service.InvalidTransition) as error:
        staff.ship(order.id, carrier="Omniva", tracking_number="X1", actor=admin, now=NOW)
    assert error.value.status == 409
    with pytest.raises(service.InvalidTransition):
        staff.deliver(order.id, actor=admin, now=NOW)
    with pytest.raises(service.InvalidTransition):
        refunds.refund(order.id, 100, actor=admin, now=NOW)  # never paid
    assert fresh(order.id).status == OrderStatus.PENDING_PAYMENT


def test_shipping_needs_a_carrier_and_a_tracking_number(admin):
    order = make_order(now=NOW)
    payments.mark_manual_payment_received(order.id, actor=admin, now=NOW)
    staff.fulfil(order.id, actor=admin, now=NOW)
    with pytest.raises(staff.InvalidShipment) as error:
        staff.ship(order.id, carrier="Omniva", tracking_number="  ", actor=admin, now=NOW)
    assert error.value.field == "tracking_number"
    assert fresh(order.id).status == OrderStatus.FULFILLED


def test_cancelling_an_unpaid_order_puts_its_stock_back(admin):
    order = make_order(now=NOW)
    variant_id = order.lines[0].variant_id
    staff.cancel(order.id, actor=admin, now=NOW)
    db.session.commit()
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id)) == 4
    assert fresh(order.id).status == OrderStatus.CANCELLED


def test_a_card_order_is_refunded_in_parts_through_stripe_and_never_beyond_its_total(admin, stripe_shop):
    product = make_product(variants=[{"price": 3000, "stock": 5}])
    order = make_paid_card_order(stripe_shop, product.variants[0], 2)  # 6000: free shipping

    refunds.refund(order.id, 2500, actor=admin, now=NOW)
    assert (fresh(order.id).status, fresh(order.id).amount_refunded) == (OrderStatus.PAID, 2500)
    with pytest.raises(refunds.InvalidRefund) as error:
        refunds.refund(order.id, 3501, actor=admin, now=NOW)
    assert error.value.field == "amount"
    for bad in (0, -5):
        with pytest.raises(refunds.InvalidRefund):
            refunds.refund(order.id, bad, actor=admin, now=NOW)
    refunds.refund(order.id, 3500, actor=admin, now=NOW)
    refunded = fresh(order.id)
    assert (refunded.status, refunded.amount_refunded) == (OrderStatus.REFUNDED, 6000)
    assert [e.kind for e in refunded.events][-2:] == ["partially_refunded", "refunded"]
    assert audit_actions().count("order.refund") == 2


def test_the_expiry_sweep_never_cancels_an_order_that_was_paid_meanwhile(admin):
    """The sweep picks expired ids, then a payment lands, then the sweep cancels: not this one."""
    order = make_order(now=NOW)
    payments.mark_manual_payment_received(order.id, actor=admin, now=NOW)
    assert payments.cancel_unpaid(fresh(order.id), reason="reservation_expired", now=NOW) is False
    assert fresh(order.id).status == OrderStatus.PAID


def test_a_full_refund_before_packing_puts_the_units_back_and_after_shipping_does_not(admin):
    unshipped = make_order(now=NOW)
    variant_id = unshipped.lines[0].variant_id
    payments.mark_manual_payment_received(unshipped.id, actor=admin, now=NOW)
    refunds.refund(unshipped.id, unshipped.total, actor=admin, now=NOW)
    db.session.commit()
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id)) == 4

    shipped = make_order(now=NOW)
    payments.mark_manual_payment_received(shipped.id, actor=admin, now=NOW)
    staff.fulfil(shipped.id, actor=admin, now=NOW)
    staff.ship(shipped.id, carrier="Omniva", tracking_number="CC1", actor=admin, now=NOW)
    refunds.refund(shipped.id, shipped.total, actor=admin, now=NOW)
    db.session.commit()
    # The parcel is with the shopper: its units come back only when it is returned.
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == shipped.lines[0].variant_id)) == 3
