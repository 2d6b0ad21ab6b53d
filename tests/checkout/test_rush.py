"""Limits that must hold when many shoppers hit several server processes at the same moment."""
import json
import threading
import time
import urllib.request

import sqlalchemy as sa

from storefront.cart import service as carts
from storefront.catalog.models import Variant
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.orders.models import Order
from storefront.payments.models import ProcessedWebhookEvent
from tests.factories import make_product
from tests.payments.test_stripe import card_order, intent_event, signed_post

SHOPPER = {"email": "rush@example.com", "full_name": "Rush Shopper", "address_line1": "Tērbatas iela 2",
           "city": "Rīga", "postal_code": "LV-1011", "country": "LV", "shipping_method": "standard",
           "payment_method": "bank_transfer"}


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_last_five_units_sell_exactly_once_to_fifty_shoppers_across_processes(gunicorn_server):
    product = make_product(variants=[{"stock": 5, "price": 4900}])
    variant_id = product.variants[0].id
    tokens = []
    for _ in range(50):
        cart = carts.create_cart()
        carts.add_item(cart, product.variants[0], 1)
        tokens.append(cart.token)

    barrier = threading.Barrier(len(tokens))
    results = []

    def shopper(token):
        barrier.wait()
        results.append(call("POST", f"{gunicorn_server}/api/v1/orders", dict(SHOPPER, cart_token=token)))

    started = time.monotonic()
    threads = [threading.Thread(target=shopper, args=(token,)) for token in tokens]
    [t.start() for t in threads]
    [t.join() for t in threads]
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
        order = card_order(product.variants[0])
    app.config["STRIPE_SECRET_KEY"] = ""
    order.payment_intent_id = "pi_rush_test"
    db.session.commit()
    event = intent_event(order, event_id="evt_rush")
    barrier = threading.Barrier(10)
    outcomes = []

    def deliver():
        barrier.wait()
        outcomes.append(signed_post(f"{gunicorn_server}/webhooks/stripe", event))

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    [t.start() for t in threads]
    [t.join() for t in threads]

    assert [status for status, _ in outcomes] == [200] * 10
    assert sorted(body["outcome"] for _, body in outcomes) == ["duplicate"] * 9 + ["paid"]
    db.session.commit()
    assert db.session.get(Order, order.id).status == "paid"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessedWebhookEvent)
                             .where(ProcessedWebhookEvent.event_id == "evt_rush")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)
                             .where(OutboundEmail.order_id == order.id)) == 1
