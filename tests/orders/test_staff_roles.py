"""Who may do what to an order in the back office: support handles orders, refunds stay with admins
(unless the shop lets support refund), marketers only look; every action taken is audited."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from storefront.audit.models import AuditEntry
from storefront.extensions import db
from storefront.orders import staff as order_staff
from storefront.orders.models import Order, OrderStatus
from storefront.payments import service as payments
from tests.backoffice.conftest import sign_in
from tests.conftest import fresh
from tests.factories import make_card_order, make_order, make_product, make_user

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def request_context(app):
    # Placing an order renders its mail, which needs a request for its language.
    with app.test_request_context("/"):
        yield


@pytest.fixture
def setup_admin():
    """Who brings each order to the state an action needs (not the member under test)."""
    return make_user("setup@example.com", "admin")


def order_in(state: str, setup_admin) -> Order:
    variant = make_product(variants=[{"price": 50_00, "stock": 10}]).variants[0]
    order = make_order(variant, now=NOW)
    if state == "pending_payment":
        return order
    payments.mark_manual_payment_received(order.id, actor=setup_admin, now=NOW)
    if state in ("fulfilled", "shipped"):
        order_staff.fulfil(order.id, actor=setup_admin, now=NOW)
    if state == "shipped":
        order_staff.ship(order.id, carrier="Omniva", tracking_number="CC1LV", actor=setup_admin, now=NOW)
    return order


# Each action, the state it needs, what the form sends, and its audit entry.
ACTIONS = {
    "mark-paid": ("pending_payment", {}, "order.mark_paid"),
    "fulfil": ("paid", {}, "order.fulfil"),
    "ship": ("fulfilled", {"carrier": "DPD", "tracking_number": "05212345"}, "order.ship"),
    "deliver": ("shipped", {}, "order.deliver"),
    "cancel": ("pending_payment", {}, "order.cancel"),
    "resend-email": ("pending_payment", {}, "order.resend_email"),
    "notes": ("paid", {"text": "Asked by phone to leave it with a neighbour."}, "order.note"),
    "refund": ("paid", {"amount": "5.00"}, "order.refund"),
}
MAY = {
    "admin": set(ACTIONS),
    "support": set(ACTIONS) - {"refund"},
    "marketer": set(),
}


def audit_by(email: str) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.actor_email == email)))


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", MAY)
def test_each_role_may_take_exactly_its_actions_on_an_order_and_each_is_audited(
        client, setup_admin, role, action):
    state, data, audited = ACTIONS[action]
    order = order_in(state, setup_admin)
    member = make_user(f"{role}-member@example.com", role)
    sign_in(client, member)

    response = client.post(f"/admin/orders/{order.id}/{action}", data=data)

    if action in MAY[role]:
        assert response.status_code == 303, (role, action, response.text[:500])
        assert audit_by(member.email) == [audited]
    else:
        assert response.status_code == 403
        assert audit_by(member.email) == []
        assert fresh(order.id).status == state


def test_a_setting_lets_support_refund_too(app, client, setup_admin):
    order = order_in("paid", setup_admin)
    member = make_user("support-member@example.com", "support")
    sign_in(client, member)
    assert "/refund" not in client.get(f"/admin/orders/{order.id}").text

    app.config["SUPPORT_MAY_REFUND"] = True
    try:
        assert "/refund" in client.get(f"/admin/orders/{order.id}").text
        everything = f"{order.total / 100:.2f}"
        assert client.post(f"/admin/orders/{order.id}/refund", data={"amount": everything}).status_code == 303
    finally:
        app.config["SUPPORT_MAY_REFUND"] = False
    assert fresh(order.id).status == OrderStatus.REFUNDED
    assert audit_by(member.email) == ["order.refund"]


def test_support_sees_the_buttons_of_its_actions_and_marketers_see_none(client, setup_admin):
    order = order_in("pending_payment", setup_admin)
    sign_in(client, make_user("support-member@example.com", "support"))
    page = client.get(f"/admin/orders/{order.id}").text
    for path in ("/mark-paid", "/cancel", "/resend-email", "/notes"):
        assert f"/admin/orders/{order.id}{path}" in page, path

    sign_in(client, make_user("marketer-member@example.com", "marketer"))
    page = client.get(f"/admin/orders/{order.id}").text
    assert "Anna Bērziņa" in page
    for path in ("/mark-paid", "/cancel", "/resend-email", "/notes", "/refund"):
        assert f"/admin/orders/{order.id}{path}" not in page, path


def test_resending_sends_the_last_e_mail_of_the_order_again(client, setup_admin, smtp_server):
    order = order_in("paid", setup_admin)  # instructions, then the receipt
    sign_in(client, make_user("support-member@example.com", "support"))

    assert client.post(f"/admin/orders/{order.id}/resend-email").status_code == 303

    subjects = [m["Subject"] for m in smtp_server.messages]
    assert subjects == [f"We received your order {order.number}", f"Receipt for your order {order.number}",
                        f"Receipt for your order {order.number}"]
    page = client.get(f"/admin/orders/{order.id}").text
    assert "order.resend_email" in page and "Receipt" in page and "anna@example.com" in page


def test_an_order_without_mail_yet_has_nothing_to_resend(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_cards_on")  # no call to Stripe here
    order = make_card_order(now=NOW)  # a card order hears from the shop once it is paid
    sign_in(client, make_user("support-member@example.com", "support"))

    assert "/resend-email" not in client.get(f"/admin/orders/{order.id}").text

    response = client.post(f"/admin/orders/{order.id}/resend-email")

    assert response.status_code == 409
    assert "No e-mail was sent about this order yet." in response.text
    assert audit_by("support-member@example.com") == []


def test_a_cancelled_order_gets_no_payment_instructions_again(client, setup_admin, smtp_server):
    order = order_in("pending_payment", setup_admin)
    order_staff.cancel(order.id, actor=setup_admin, now=NOW)
    sign_in(client, make_user("support-member@example.com", "support"))
    assert "/resend-email" not in client.get(f"/admin/orders/{order.id}").text

    response = client.post(f"/admin/orders/{order.id}/resend-email")

    assert response.status_code == 409
    assert "This order is cancelled: its last e-mail no longer holds." in response.text
    assert [m["Subject"] for m in smtp_server.messages] == [f"We received your order {order.number}"]


def test_an_internal_note_is_on_the_staff_timeline_and_never_on_the_tracking_page(client, setup_admin):
    order = order_in("paid", setup_admin)
    sign_in(client, make_user("support-member@example.com", "support"))

    assert client.post(f"/admin/orders/{order.id}/notes", data={"text": "  Gift wrap, please.  "}).status_code == 303

    staff_page = client.get(f"/admin/orders/{order.id}").text
    assert "Internal note" in staff_page and "Gift wrap, please." in staff_page
    assert "support-member@example.com" in staff_page
    assert "Gift wrap" not in client.get(f"/orders/{order.tracking_token}").text


@pytest.mark.parametrize("text", ["", "   ", "x" * 1001])
def test_an_empty_or_overlong_note_is_refused_and_nothing_is_written(client, setup_admin, text):
    order = order_in("paid", setup_admin)
    sign_in(client, make_user("support-member@example.com", "support"))

    response = client.post(f"/admin/orders/{order.id}/notes", data={"text": text})

    assert response.status_code == 400
    assert "Write" in response.text
    assert [e.kind for e in fresh(order.id).events] == ["placed", "paid"]
    assert audit_by("support-member@example.com") == []
