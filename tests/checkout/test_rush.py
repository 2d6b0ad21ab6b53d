"""Limits that must hold when many shoppers hit several server processes at the same moment."""
import time

import sqlalchemy as sa

from storefront.catalog.models import Variant
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.orders.models import Order
from storefront.payments.models import ProcessedWebhookEvent
from tests.factories import (checkout_form, intent_event, make_card_order, make_cart, make_product,
                             post_signed_webhook)
from tests.concurrency import at_once, call


def test_the_last_five_units_sell_exactly_once_to_fifty_shoppers_across_processes(gunicorn_server):
    product = make_product(variants=[{"stock": 5, "price": 4900}])
    variant_id = product.variants[0].id
    tokens = [make_cart(product.variants[0]).token for _ in range(50)]

    started = time.monotonic()
    results = at_once([lambda token=token: call("POST", f"{gunicorn_server}/api/v1/orders",
                                                checkout_form(cart_token=token)) for token in tokens])
    elapsed = time.monotonic() - started

    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 5, statuses
    assert statuses.count(409) == 45, statuses
    assert {body["error"]["code"] for status, body in results if status == 409} == {"sold_out"}
    db.session.commit()
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id)) == 0
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 5
    print(f"\n50 concurrent checkouts for 5 units across 4 processes: 5 orders, 45 sold out, {elapsed:.2f} s")


def test_one_stripe_event_delivered_ten_times_at_once_across_processes_fulfils_once(app, gunicorn_server):
    product = make_product(variants=[{"stock": 3}])
    app.config["STRIPE_SECRET_KEY"] = "sk_test_local"  # card orders need card payments enabled
    with app.test_request_context("/"):
        order = make_card_order(product.variants[0])
    app.config["STRIPE_SECRET_KEY"] = ""
    order.payment_intent_id = "pi_rush_test"
    db.session.commit()
    event = intent_event(order, event_id="evt_rush")
    outcomes = at_once([lambda: post_signed_webhook(f"{gunicorn_server}/webhooks/stripe", event)] * 10)

    assert [status for status, _ in outcomes] == [200] * 10
    assert sorted(body["outcome"] for _, body in outcomes) == ["duplicate"] * 9 + ["paid"]
    db.session.commit()
    assert db.session.get(Order, order.id).status == "paid"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessedWebhookEvent)
                             .where(ProcessedWebhookEvent.event_id == "evt_rush")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)
                             .where(OutboundEmail.order_id == order.id)) == 1
