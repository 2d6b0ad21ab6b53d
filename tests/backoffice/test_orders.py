"""Staff handle orders in the back office: find them, read them whole, move them along, refund them."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from promotions.models import Redemption
from storefront.audit.models import AuditEntry
from storefront.catalog.models import Variant
from storefront.extensions import db
from storefront.orders import service as orders
from storefront.orders.models import Order, OrderStatus
from storefront.payments import service as payments
from tests.conftest import free_port, fresh
from tests.factories import make_order, make_paid_card_order, make_product, make_user
from tests.promotions.conftest import make_offer

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 14:00 in Riga, the shop's time zone


@pytest.fixture(autouse=True)
def request_context(app):
    # place_order renders the order mail, which needs a request for its language.
    with app.test_request_context("/"):
        yield


@pytest.fixture
def pullover():
    return make_product(title="Dzintars pullover", variants=[{"sku": "DZ-M", "price": 8900, "stock": 100}]).variants[0]


def audit_of(order: Order) -> list[tuple[str, str]]:
    db.session.commit()
    return [tuple(row) for row in db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.actor_email)
        .where(AuditEntry.target_type == "order", AuditEntry.target_id == order.number)
        .order_by(AuditEntry.id))]


def row_numbers(html: str) -> list[str]:
    return re.findall(r'<a href="/admin/orders/\d+"><strong>([^<]+)</strong></a>', html)


def messages(html: str) -> list[str]:
    return re.findall(r'class="(?:flash[^"]*|error)"[^>]*>([^<]*)<', html)


# --- the list ----------------------------------------------------------------------------------

def test_the_order_list_shows_newest_first_with_date_customer_status_payment_and_total(client, admin, pullover):
    older = make_order(pullover, email="old@example.com", now=NOW - dt.timedelta(days=2))
    newer = make_order(pullover, email="new@example.com", payment_method="cash_on_delivery", now=NOW, quantity=2)

    response = client.get("/admin/orders")

    assert response.status_code == 200
    html = response.text
    assert row_numbers(html) == [newer.number, older.number]
    assert "Orders <span class=\"muted\">(2)</span>" in html
    assert "Nov 23, 2026, 2:00\u202fPM" in html  # 12:00 UTC shown in Riga time, to the minute
    assert "new@example.com" in html and "old@example.com" in html
    assert "Awaiting payment" in html
    assert "Cash on delivery" in html and "Bank transfer" in html
    assert "€178.00" in html and "€89.00" in html
    assert '<a href="/admin/orders" aria-current="page">Orders</a>' in html


def test_staff_filter_orders_by_status_payment_method_and_search(client, admin, pullover):
    anna = make_order(pullover, email="Anna@Example.com", now=NOW)
    janis = make_order(pullover, email="janis@example.lv", payment_method="cash_on_delivery", now=NOW)
    paid = make_order(pullover, email="liga@example.lv", now=NOW)
    payments.mark_manual_payment_received(paid.id, actor=admin, now=NOW)

    assert row_numbers(client.get("/admin/orders?status=paid").text) == [paid.number]
    assert row_numbers(client.get("/admin/orders?status=pending_payment").text) == [janis.number, anna.number]
    assert row_numbers(client.get("/admin/orders?payment_method=cash_on_delivery").text) == [janis.number]
    assert row_numbers(client.get("/admin/orders?q=anna@EXAMPLE").text) == [anna.number]
    assert row_numbers(client.get(f"/admin/orders?q={janis.number.lower()}").text) == [janis.number]
    assert row_numbers(client.get("/admin/orders?q=example.lv&status=pending_payment").text) == [janis.number]
    nothing = client.get("/admin/orders?q=100%25_")
    assert nothing.status_code == 200 and "No orders match these filters." in nothing.text


def test_the_date_filter_counts_days_in_the_shops_time_zone(client, admin, pullover):
    # 22:30 UTC on the 23rd is 00:30 on the 24th in Riga: a Riga shop calls it the 24th.
    late_evening = make_order(pullover, now=dt.datetime(2026, 11, 23, 22, 30, tzinfo=UTC))
    afternoon = make_order(pullover, now=dt.datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    earlier = make_order(pullover, now=dt.datetime(2026, 11, 20, 9, 0, tzinfo=UTC))

    on_23rd = client.get("/admin/orders?date_from=2026-11-23&date_to=2026-11-23")
    assert row_numbers(on_23rd.text) == [afternoon.number]
    assert row_numbers(client.get("/admin/orders?date_from=2026-11-24").text) == [late_evening.number]
    assert row_numbers(client.get("/admin/orders?date_to=2026-11-22").text) == [earlier.number]
    assert "Nov 24, 2026, 12:30\u202fAM" in client.get("/admin/orders").text


@pytest.mark.parametrize("query, message", [
    ("status=lost", "Unknown status: choose one from the list."),
    ("payment_method=bitcoin", "Unknown payment method: choose one from the list."),
    ("date_from=2026-13-01", "Enter a date as YYYY-MM-DD, for example 2026-11-23."),
    ("date_to=yesterday", "Enter a date as YYYY-MM-DD, for example 2026-11-23."),
    ("date_from=0001-01-01", "Enter a date between 1970 and 9998."),
    ("date_from=2026-11-24&date_to=2026-11-23", "The end date is before the start date."),
    ("q=" + "x" * 101, "Search for at most 100 characters."),
])
def test_a_bad_filter_is_answered_with_a_clear_message(client, admin, pullover, query, message):
    make_order(pullover, now=NOW)
    response = client.get(f"/admin/orders?{query}")
    assert response.status_code == 400
    assert message in messages(response.text)
    assert row_numbers(response.text) == []


def test_the_order_list_runs_the_same_queries_for_5_orders_as_for_60_and_pages_by_50(client, admin, pullover, count_queries):
    for n in range(5):
        make_order(pullover, now=NOW + dt.timedelta(minutes=n))
    with count_queries() as few:
        assert client.get("/admin/orders").status_code == 200
    for n in range(5, 60):
        make_order(pullover, now=NOW + dt.timedelta(minutes=n))
    with count_queries() as many:
        first_page = client.get("/admin/orders")
    assert first_page.status_code == 200
    assert many.count == few.count, many.statements

    assert len(row_numbers(first_page.text)) == 50
    assert "Page 1 of 2" in first_page.text
    second_page = client.get("/admin/orders?page=2")
    assert len(row_numbers(second_page.text)) == 10


# --- the detail --------------------------------------------------------------------------------

def test_the_detail_shows_lines_totals_address_payment_timeline_and_audit(client, admin, pullover):
    order = make_order(pullover, quantity=2, now=NOW)
    orders.add_event(order, "cancel_reason", public=False, reason="customer asked by phone")
    db.session.commit()
    client.post(f"/admin/orders/{order.id}/mark-paid")

    response = client.get(f"/admin/orders/{order.id}")

    assert response.status_code == 200
    html = response.text
    assert f"Order {order.number}" in html
    for text in ("Dzintars pullover", "DZ-M", "€178.00", "including VAT €30.89",
                 "Anna Bērziņa", "Brīvības iela 1", "LV-1010 Rīga", "+371 2000 0000", "Standard delivery",
                 f"<code>{order.number}</code>",  # the bank transfer reference
                 "Not shipped yet.", "Order placed", "Payment received",
                 "Marked the order paid · admin@example.com"):
        assert text in html, text
    internal = re.search(r'<li class="internal">(.*?)</li>', html, re.S).group(1)
    assert "cancel reason" in internal and "Internal" in internal and "customer asked by phone" in internal
    assert 'value="178.00"' in html  # the refund form offers what is left to refund


@pytest.mark.parametrize("language, badge, column", [("en", "Redeemed", "Redeemed"), ("es", "Canjeado", "Canjeados"),
                                                     ("lv", "Izmantots", "Izmantoti")])
def test_an_orders_offer_is_named_in_the_singular_where_the_offers_column_counts_many(
        client, admin, pullover, language, badge, column):
    order = make_order(pullover, now=NOW)
    offer = make_offer(now=NOW)
    db.session.add(Redemption(offer_id=offer.id, order_id=order.id, status="confirmed", discount=890, channel="web",
                              created_at=NOW, confirmed_at=NOW))
    db.session.commit()

    detail = client.get(f"/admin/orders/{order.id}?lang={language}").text
    offers = client.get(f"/admin/offers/?lang={language}").text

    assert f'<span class="badge">{badge}</span>' in detail
    assert re.search(rf'<th [^>]*class="num">{column}</th>', offers)


def test_an_unknown_order_is_404(client, admin):
    assert client.get("/admin/orders/999").status_code == 404
    assert client.post("/admin/orders/999/fulfil").status_code == 404


# --- actions -----------------------------------------------------------------------------------

def test_staff_take_a_bank_transfer_order_from_paid_to_delivered_and_each_step_is_audited(client, admin, pullover):
    order = make_order(pullover, now=NOW)

    response = client.post(f"/admin/orders/{order.id}/mark-paid")
    assert (response.status_code, response.location) == (303, f"/admin/orders/{order.id}")
    assert fresh(order.id).status == OrderStatus.PAID
    page = client.get(response.location).text
    assert f"Order {order.number} is marked paid; the shopper gets a receipt." in messages(page)
    assert "Mark paid" not in page and "Mark packed" in page

    assert client.post(f"/admin/orders/{order.id}/fulfil").status_code == 303
    assert fresh(order.id).status == OrderStatus.FULFILLED
    response = client.post(f"/admin/orders/{order.id}/ship",
                           data={"carrier": " Omniva ", "tracking_number": "CC123456789EE"})
    assert response.status_code == 303
    shipped = fresh(order.id)
    assert (shipped.status, shipped.carrier, shipped.tracking_number) == (OrderStatus.SHIPPED, "Omniva", "CC123456789EE")
    assert "CC123456789EE" in client.get(f"/admin/orders/{order.id}").text
    assert client.post(f"/admin/orders/{order.id}/deliver").status_code == 303
    assert fresh(order.id).status == OrderStatus.DELIVERED

    assert audit_of(order) == [("order.mark_paid", "admin@example.com"), ("order.fulfil", "admin@example.com"),
                               ("order.ship", "admin@example.com"), ("order.deliver", "admin@example.com")]


def test_cancelling_an_order_puts_its_items_back_in_stock(client, admin, pullover):
    order = make_order(pullover, quantity=3, now=NOW)
    response = client.post(f"/admin/orders/{order.id}/cancel")
    assert response.status_code == 303
    assert fresh(order.id).status == OrderStatus.CANCELLED
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == pullover.id)) == 100
    assert audit_of(order) == [("order.cancel", "admin@example.com")]
    page = client.get(response.location).text
    assert f"Order {order.number} is cancelled and its items are back in stock." in messages(page)
    assert 'class="card order-actions"' not in page  # nothing left to do


def test_a_manual_order_is_refunded_in_part_then_in_full(client, admin, pullover):
    order = make_order(pullover, now=NOW)
    client.post(f"/admin/orders/{order.id}/mark-paid")

    response = client.post(f"/admin/orders/{order.id}/refund", data={"amount": "20,50"})
    assert response.status_code == 303
    assert (fresh(order.id).status, fresh(order.id).amount_refunded) == (OrderStatus.PAID, 2050)
    page = client.get(response.location).text
    assert f"€20.50 refunded on order {order.number}." in messages(page)
    assert 'value="68.50"' in page

    assert client.post(f"/admin/orders/{order.id}/refund", data={"amount": "68.50"}).status_code == 303
    refunded = fresh(order.id)
    assert (refunded.status, refunded.amount_refunded) == (OrderStatus.REFUNDED, 8900)
    assert [action for action, _ in audit_of(order)] == ["order.mark_paid", "order.refund", "order.refund"]


@pytest.mark.parametrize("action, data", [
    ("fulfil", {}), ("deliver", {}), ("refund", {"amount": "10.00"}),
    ("ship", {"carrier": "Omniva", "tracking_number": "CC1EE"}),
])
def test_an_action_the_state_forbids_is_refused_with_409_and_changes_nothing(client, admin, pullover, action, data):
    order = make_order(pullover, now=NOW)  # awaiting payment

    response = client.post(f"/admin/orders/{order.id}/{action}", data=data)

    assert response.status_code == 409
    assert messages(response.text)  # the reason is on the page
    assert f"Order {order.number}" in response.text  # the detail, re-rendered
    assert fresh(order.id).status == OrderStatus.PENDING_PAYMENT
    assert fresh(order.id).amount_refunded == 0
    assert audit_of(order) == []


def test_a_second_click_on_a_stale_page_is_refused_with_409(client, admin, pullover):
    order = make_order(pullover, now=NOW)
    assert client.post(f"/admin/orders/{order.id}/mark-paid").status_code == 303
    again = client.post(f"/admin/orders/{order.id}/mark-paid")
    assert again.status_code == 409
    assert "This order is paid and cannot become paid." in messages(again.text)
    assert [action for action, _ in audit_of(order)] == ["order.mark_paid"]


@pytest.mark.parametrize("data, field_message", [
    ({"carrier": "Omniva", "tracking_number": ""}, "Please enter the tracking number."),
    ({"carrier": "Omniva", "tracking_number": "   "}, "Please enter the tracking number."),
    ({"carrier": "", "tracking_number": "CC1EE"}, "Please name the carrier."),
    ({"carrier": "Omniva", "tracking_number": "X" * 81}, "Field cannot be longer than 80 characters."),
])
def test_shipping_without_a_carrier_or_tracking_number_is_400(client, admin, pullover, data, field_message):
    order = make_order(pullover, now=NOW)
    client.post(f"/admin/orders/{order.id}/mark-paid")
    client.post(f"/admin/orders/{order.id}/fulfil")

    response = client.post(f"/admin/orders/{order.id}/ship", data=data)

    assert response.status_code == 400
    assert field_message in messages(response.text)
    assert f'value="{data["carrier"]}"' in response.text  # what was typed is kept
    assert fresh(order.id).status == OrderStatus.FULFILLED
    assert [action for action, _ in audit_of(order)] == ["order.mark_paid", "order.fulfil"]


@pytest.mark.parametrize("amount, message", [
    ("abc", "Enter an amount such as 12.50, above zero and with at most 2 decimal places."),
    ("-1", "Enter an amount such as 12.50, above zero and with at most 2 decimal places."),
    ("1.234", "Enter an amount such as 12.50, above zero and with at most 2 decimal places."),
    ("", "Enter the amount to refund."),
    ("0", "Enter an amount greater than zero."),
    ("89.01", "At most €89.00 can still be refunded."),
])
def test_a_refund_of_a_bad_amount_is_400_and_refunds_nothing(client, admin, pullover, amount, message):
    order = make_order(pullover, now=NOW)
    client.post(f"/admin/orders/{order.id}/mark-paid")

    response = client.post(f"/admin/orders/{order.id}/refund", data={"amount": amount})

    assert response.status_code == 400
    assert message in messages(response.text)
    assert f'value="{amount}"' in response.text
    refreshed = fresh(order.id)
    assert (refreshed.status, refreshed.amount_refunded) == (OrderStatus.PAID, 0)
    assert [action for action, _ in audit_of(order)] == ["order.mark_paid"]


# --- who may --------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["marketer"])  # support's actions: tests/orders/test_staff_roles.py
def test_marketers_see_orders_but_every_action_is_403(client, staff, pullover, role):
    order = make_order(pullover, now=NOW)
    staff(role)

    assert client.get("/admin/orders").status_code == 200
    detail = client.get(f"/admin/orders/{order.id}")
    assert detail.status_code == 200
    assert "Anna Bērziņa" in detail.text
    assert "Mark paid" not in detail.text and "/mark-paid" not in detail.text
    for action, data in [("mark-paid", {}), ("fulfil", {}), ("ship", {"carrier": "DPD", "tracking_number": "1"}),
                         ("deliver", {}), ("cancel", {}), ("refund", {"amount": "1.00"})]:
        assert client.post(f"/admin/orders/{order.id}/{action}", data=data).status_code == 403, action
    assert fresh(order.id).status == OrderStatus.PENDING_PAYMENT
    assert audit_of(order) == []


def test_signed_out_visitors_are_sent_to_sign_in(client, pullover):
    order = make_order(pullover, now=NOW)
    assert "/account/login" in client.get("/admin/orders").location
    assert "/account/login" in client.post(f"/admin/orders/{order.id}/cancel").location
    assert fresh(order.id).status == OrderStatus.PENDING_PAYMENT


def test_an_action_without_its_csrf_token_is_400_and_with_it_goes_through(client, admin, pullover, csrf_enabled):
    order = make_order(pullover, now=NOW)

    forged = client.post(f"/admin/orders/{order.id}/cancel")
    assert forged.status_code == 400
    assert fresh(order.id).status == OrderStatus.PENDING_PAYMENT

    page = client.get(f"/admin/orders/{order.id}").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post(f"/admin/orders/{order.id}/cancel", data={"csrf_token": token}).status_code == 303
    assert fresh(order.id).status == OrderStatus.CANCELLED


# --- card refunds through Stripe -------------------------------------------------------------------

@pytest.fixture
def paid_card_order(stripe_shop) -> Order:
    """€60 (free shipping), paid by card through the local Stripe server."""
    return make_paid_card_order(stripe_shop, make_product(variants=[{"price": 3000, "stock": 5}]).variants[0], 2)


def test_a_card_order_is_refunded_through_stripe_from_the_detail_page(client, admin, paid_card_order):
    order = paid_card_order
    page = client.get(f"/admin/orders/{order.id}").text
    assert f"<code>{order.payment_intent_id}</code>" in page
    assert "Mark paid" not in page and "Cancel order" not in page  # Stripe pays; a refund cancels

    response = client.post(f"/admin/orders/{order.id}/refund", data={"amount": "25.00"})

    assert response.status_code == 303
    assert fresh(order.id).amount_refunded == 2500
    assert audit_of(order) == [("order.refund", "admin@example.com")]


def test_a_card_refund_while_stripe_is_unreachable_is_503_and_refunds_nothing(app, client, admin, paid_card_order):
    order = paid_card_order
    app.config["STRIPE_API_BASE"] = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    response = client.post(f"/admin/orders/{order.id}/refund", data={"amount": "60.00"})

    assert response.status_code == 503
    assert "The refund could not be made through the payment provider. Nothing was refunded." in messages(response.text)
    refreshed = fresh(order.id)
    assert (refreshed.status, refreshed.amount_refunded) == (OrderStatus.PAID, 0)
    assert audit_of(order) == []


# --- in a real browser -------------------------------------------------------------------------------

def test_staff_find_an_order_ship_it_and_refund_part_of_it_in_the_browser(live_server, page, screenshot, pullover):
    admin = make_user("admin@example.com", "admin", "correct horse battery")
    emails = ["anna@example.com", "janis.ozols@example.lv", "liga@example.com", "peteris@example.lv"]
    placed = [make_order(pullover, email=emails[n % 4], now=NOW - dt.timedelta(hours=7 * n),
                    payment_method=("bank_transfer", "cash_on_delivery")[n % 2], quantity=1 + n % 3)
              for n in range(8)]
    payments.mark_manual_payment_received(placed[1].id, actor=admin, now=NOW)
    payments.mark_manual_payment_received(placed[2].id, actor=admin, now=NOW)
    order = placed[0]
    payments.mark_manual_payment_received(order.id, actor=admin, now=NOW)
    orders.add_event(order, "cancel_reason", public=False, reason="checked the transfer with the bank")
    db.session.commit()

    page.goto(f"{live_server.url}/admin/orders")
    page.fill("input[name=email]", "admin@example.com")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/orders")
    assert page.locator("table.orders tbody tr").count() == 8
    screenshot(page, "admin-orders")

    page.select_option("select[name=status]", "paid")
    page.click("text=Filter")
    # Waited for: the click returns as the filtered page begins to load, its rows perhaps unread.
    expect(page.locator("table.orders tbody tr")).to_have_count(3)
    page.fill("input[name=date_from]", "2026-11-23")
    page.fill("input[name=date_to]", "2026-11-20")
    page.click("text=Filter")
    assert "The end date is before the start date." in page.locator(".order-filters .error").inner_text()
    screenshot(page, "admin-orders-bad-filter")

    page.goto(f"{live_server.url}/admin/orders/{order.id}")
    page.click("text=Mark packed")
    assert "is packed and ready to ship" in page.locator(".flash-success").inner_text()
    page.fill("input[name=carrier]", "Omniva")
    page.click("text=Mark shipped")
    assert "Please enter the tracking number." in page.locator(".has-error .error").inner_text()
    screenshot(page, "admin-order-ship-error")
    page.fill("input[name=tracking_number]", "CC123456789EE")
    page.click("text=Mark shipped")
    assert "is shipped" in page.locator(".flash-success").inner_text()
    page.once("dialog", lambda dialog: dialog.accept())  # "Refund this amount to the shopper?"
    page.fill("input[name=amount]", "20.00")
    page.click("form.action-form button.danger")
    assert f"€20.00 refunded on order {order.number}." in page.locator(".flash-success").inner_text()
    assert page.locator("[data-order-status]").inner_text() == "Shipped"
    screenshot(page, "admin-order-detail")
    shipped = fresh(order.id)
    assert (shipped.status, shipped.tracking_number, shipped.amount_refunded) == (OrderStatus.SHIPPED, "CC123456789EE", 2000)

    page.set_viewport_size({"width": 480, "height": 900})
    screenshot(page, "admin-order-detail-narrow")
    page.goto(f"{live_server.url}/admin/orders")
    screenshot(page, "admin-orders-narrow")
