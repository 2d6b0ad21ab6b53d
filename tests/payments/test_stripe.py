"""Card payments against the local Stripe test server, with its real signed webhooks."""
import datetime as dt
import json
import threading
import time

import pytest
import sqlalchemy as sa
import stripe

from storefront.catalog.models import Variant
from storefront.extensions import db
from storefront.orders.models import Order, OrderStatus
from storefront.orders.queries import is_sale
from storefront.payments import service as payments
from storefront.payments.models import ProcessedWebhookEvent
from tests.conftest import free_port, fresh, wait_for
from tests.factories import (VISA, intent_event, make_card_order, make_product, pay_as_shopper, post_signed_webhook,
                             post_webhook, signed_webhook)
# tests/promotions import this from here; new tests import `post_signed_webhook` from tests.factories.
from tests.factories import post_signed_webhook as signed_post  # noqa: F401

DECLINED = "4000000000000341"


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def stock_of(variant_id):
    db.session.commit()
    return db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id))


def test_a_card_payment_is_fulfilled_by_stripes_signed_webhook(stripe_shop):
    product = make_product(variants=[{"price": 2500, "stock": 3}])
    order = make_card_order(product.variants[0], 2)
    payments.start_card_payment(order)
    assert fresh(order.id).status == OrderStatus.PENDING_PAYMENT  # the return page proves nothing

    intent = pay_as_shopper(stripe_shop, order.payment_intent_id, VISA)
    assert intent.status == "succeeded"

    paid = wait_for(lambda: fresh(order.id).status == OrderStatus.PAID and fresh(order.id))
    assert paid.paid_at is not None and paid.stock_held is False
    assert stock_of(product.variants[0].id) == 1  # sold, not returned
    # (A late webhook of an earlier test's payment may be recorded too, for no order: look at ours.)
    assert db.session.scalar(sa.select(ProcessedWebhookEvent.outcome)
                             .where(ProcessedWebhookEvent.event_type == "payment_intent.succeeded",
                                    ProcessedWebhookEvent.order_id == order.id)) == "paid"
    with pytest.raises(payments.AlreadyPaid):  # paying an already-paid order
        payments.start_card_payment(paid)


def test_pressing_pay_twice_gives_one_payment_intent(stripe_shop):
    order = make_card_order(make_product().variants[0])
    first = payments.start_card_payment(order)
    second = payments.start_card_payment(fresh(order.id))
    assert first == second
    assert fresh(order.id).payment_intent_id in first


def test_a_declined_card_cancels_the_order_and_returns_its_stock(stripe_shop):
    product = make_product(variants=[{"stock": 2}])
    order = make_card_order(product.variants[0], 2)
    payments.start_card_payment(order)
    with pytest.raises(stripe.CardError):
        pay_as_shopper(stripe_shop, order.payment_intent_id, DECLINED)
    wait_for(lambda: fresh(order.id).status == OrderStatus.CANCELLED)
    assert stock_of(product.variants[0].id) == 2


def test_stripe_unreachable_says_so_and_releases_the_stock(app, stripe_shop):
    product = make_product(variants=[{"stock": 2}])
    order = make_card_order(product.variants[0], 2)
    app.config["STRIPE_API_BASE"] = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(payments.PaymentUnavailable) as error:
        payments.start_card_payment(order)
    assert error.value.status == 503
    assert fresh(order.id).status == OrderStatus.CANCELLED
    assert stock_of(product.variants[0].id) == 2


def test_the_same_event_delivered_ten_times_at_once_is_applied_once(stripe_shop, live_server):
    order = make_card_order(make_product().variants[0])
    payments.start_card_payment(order)
    event = intent_event(fresh(order.id), event_id="evt_duplicate")
    barrier = threading.Barrier(10)
    outcomes = []

    def deliver():
        barrier.wait()
        outcomes.append(post_signed_webhook(f"{live_server.url}/webhooks/stripe", event))

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    [t.start() for t in threads]
    [t.join() for t in threads]

    assert sorted(status for status, _ in outcomes) == [200] * 10
    assert [body["outcome"] for _, body in outcomes].count("paid") == 1
    assert [body["outcome"] for _, body in outcomes].count("duplicate") == 9
    assert fresh(order.id).status == OrderStatus.PAID
    assert len(fresh(order.id).events) == 2  # placed, paid — once


@pytest.mark.parametrize("forgery", ["wrong secret", "stale", "re-encoded", "unsigned"])
def test_a_forged_stale_or_re_encoded_webhook_is_refused_and_changes_nothing(stripe_shop, live_server, forgery):
    order = make_card_order(make_product().variants[0])
    payments.start_card_payment(order)
    event = intent_event(fresh(order.id))
    url = f"{live_server.url}/webhooks/stripe"
    if forgery == "wrong secret":
        status, body = post_signed_webhook(url, event, secret="whsec_someone_else")
    elif forgery == "stale":
        status, body = post_signed_webhook(url, event, timestamp=int(time.time()) - 301)
    elif forgery == "re-encoded":
        _, headers = signed_webhook(event)  # signed over the compact JSON, sent indented
        status, body = post_webhook(url, json.dumps(event, indent=2).encode(), headers)
    else:
        status, body = post_webhook(url, json.dumps(event).encode(), {"Content-Type": "application/json"})
    assert status == 400
    assert body["error"]["code"] == "invalid_signature"
    assert fresh(order.id).status == OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessedWebhookEvent)
                             .where(ProcessedWebhookEvent.order_id == order.id)) == 0


@pytest.mark.parametrize("change", [{"amount": 1}, {"currency": "usd"}, {"id": "pi_someone_else"},
                                   {"metadata": {"order_id": "999999"}}])
def test_an_event_that_disagrees_with_the_order_is_refused(stripe_shop, live_server, change):
    order = make_card_order(make_product().variants[0])
    payments.start_card_payment(order)
    status, body = post_signed_webhook(f"{live_server.url}/webhooks/stripe", intent_event(fresh(order.id), **change))
    assert fresh(order.id).status == OrderStatus.PENDING_PAYMENT
    if "metadata" in change:
        assert (status, body["outcome"]) == (200, "ignored")  # not ours: acknowledged, nothing done
    else:
        assert status == 400 and body["error"]["code"] == "event_mismatch"


def test_a_failure_arriving_after_the_success_does_not_undo_the_payment(stripe_shop, live_server):
    order = make_card_order(make_product().variants[0])
    payments.start_card_payment(order)
    url = f"{live_server.url}/webhooks/stripe"
    assert post_signed_webhook(url, intent_event(fresh(order.id), event_id="evt_ok"))[1]["outcome"] == "paid"
    late = intent_event(fresh(order.id), "payment_intent.payment_failed", event_id="evt_fail")
    assert post_signed_webhook(url, late)[1]["outcome"] == "already_applied"
    assert fresh(order.id).status == OrderStatus.PAID


def test_a_payment_after_the_hold_expired_is_honoured_while_stock_lasts(stripe_shop):
    product = make_product(variants=[{"stock": 1}])
    order = make_card_order(product.variants[0])
    payments.start_card_payment(order)
    later = fresh(order.id).reserved_until + dt.timedelta(seconds=1)
    assert payments.expire_reservations(later) == 1
    assert stock_of(product.variants[0].id) == 1

    pay_as_shopper(stripe_shop, fresh(order.id).payment_intent_id, VISA)
    wait_for(lambda: fresh(order.id).status == OrderStatus.PAID)
    assert stock_of(product.variants[0].id) == 0


def test_a_payment_after_the_hold_expired_and_the_stock_sold_is_refunded(stripe_shop):
    product = make_product(variants=[{"stock": 1}])
    order = make_card_order(product.variants[0])
    payments.start_card_payment(order)
    payments.expire_reservations(fresh(order.id).reserved_until + dt.timedelta(seconds=1))
    make_card_order(product.variants[0])  # someone else takes the last unit

    pay_as_shopper(stripe_shop, fresh(order.id).payment_intent_id, VISA)
    refunded = wait_for(lambda: fresh(order.id).status == OrderStatus.REFUNDED and fresh(order.id))
    assert refunded.amount_refunded == refunded.total
    assert stock_of(product.variants[0].id) == 0
    # Never a sale: the dashboard, the customers' spend and the offers leave it out.
    assert refunded.paid_at is None
    assert db.session.scalar(sa.select(sa.func.count(Order.id)).where(Order.id == order.id, is_sale())) == 0
