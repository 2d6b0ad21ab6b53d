"""Refunds made in Stripe's dashboard reach the order: once, in any order, with what a staff refund
gives back (stock; never an offer's place, which the paid order used) and the shopper's mail, one
per refund.

The payments are real ones on the local Stripe server, whose signed `payment_intent.succeeded`
webhooks are used as it sends them. It sends no refund events, so those are built from the
charge and refund it holds after a real refund (as Stripe's would carry them) and signed here
with the endpoint's secret, as Stripe signs them.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
import stripe

from storefront.audit.models import AuditEntry
from storefront.catalog.models import Variant
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.orders.models import OrderEvent, OrderStatus
from storefront.payments import refunds
from storefront.payments import service as payments
from tests.conftest import WEBHOOK_SECRET, fresh, wait_for
from tests.factories import (VISA, make_paid_card_order, make_product, make_user, pay_as_shopper, post_signed_webhook,
                             post_webhook)
from tests.promotions.conftest import make_offer
from tests.promotions.test_redemptions import order_with_offers, state


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def dashboard(stripe_url: str) -> stripe.StripeClient:
    """What staff do in Stripe's dashboard, against the local Stripe server."""
    return stripe.StripeClient("sk_test_local", base_addresses={"api": stripe_url}, max_network_retries=0)


def refund_in_dashboard(stripe_url: str, order, amount: int | None = None):
    params = {"payment_intent": order.payment_intent_id}
    if amount is not None:
        params["amount"] = amount
    return dashboard(stripe_url).v1.refunds.create(params=params)


def charge_of(stripe_url: str, order) -> dict:
    intent = dashboard(stripe_url).v1.payment_intents.retrieve(order.payment_intent_id)
    latest = intent["latest_charge"]
    charge_id = latest if isinstance(latest, str) else latest["id"]
    return dashboard(stripe_url).v1.charges.retrieve(charge_id).to_dict()


def event(event_type: str, subject: dict, event_id: str) -> dict:
    return {"id": event_id, "object": "event", "type": event_type, "created": int(time.time()),
            "api_version": "2024-06-20", "data": {"object": json.loads(json.dumps(subject, default=str))}}


def charge_refunded(stripe_url: str, order, event_id: str) -> dict:
    """`charge.refunded` as Stripe sends it now: the charge with every refund so far in `amount_refunded`."""
    return event("charge.refunded", charge_of(stripe_url, order), event_id)


def refund_updated(refund, event_id: str, event_type: str = "refund.updated") -> dict:
    return event(event_type, refund.to_dict(), event_id)


def deliver(live_server, payload: dict) -> tuple[int, dict]:
    return post_signed_webhook(f"{live_server.url}/webhooks/stripe", payload)


def stock_of(variant_id: int) -> int:
    db.session.commit()
    return db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id))


def mails(order_id: int) -> list[str]:
    db.session.commit()
    return sorted(db.session.scalars(sa.select(OutboundEmail.kind).where(OutboundEmail.order_id == order_id)))


def timeline(order_id: int) -> list[str]:
    db.session.commit()
    return list(db.session.scalars(sa.select(OrderEvent.kind).where(OrderEvent.order_id == order_id)
                                   .order_by(OrderEvent.id)))


def paid_order_with_offer(stripe_url: str, *, stock: int = 5):
    """A card order with a capped offer, paid by a real payment whose signed webhook made it paid."""
    variant = make_product(variants=[{"price": 2500, "stock": stock}]).variants[0]
    offer = make_offer(cap_total=1, cap_per_customer=1)
    order = order_with_offers(variant, payment_method="card")
    payments.start_card_payment(order)
    pay_as_shopper(stripe_url, fresh(order.id).payment_intent_id, VISA)
    wait_for(lambda: fresh(order.id).status == OrderStatus.PAID)
    assert state(offer.id, order.id)["status"] == "confirmed"
    return fresh(order.id), variant, offer


def test_a_full_refund_in_the_dashboard_refunds_the_order_once_with_its_stock_and_mail_but_not_its_offer(
        stripe_shop, live_server):
    order, variant, offer = paid_order_with_offer(stripe_shop)
    assert stock_of(variant.id) == 4

    refund = refund_in_dashboard(stripe_shop, order)
    status, body = deliver(live_server, charge_refunded(stripe_shop, order, "evt_charge_refunded"))
    assert (status, body["outcome"]) == (200, "refunded")

    refunded = fresh(order.id)
    assert refunded.status == OrderStatus.REFUNDED and refunded.amount_refunded == refunded.total
    assert stock_of(variant.id) == 5  # refunded before packing: the unit is for sale again
    # The order was paid under the offer: its redemption, its place under the caps stay used.
    assert state(offer.id, order.id) == {"count": 1, "uses": {"email:anna@example.com": 1}, "status": "confirmed"}
    assert mails(order.id).count("refunded") == 1
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "order.refund_by_provider")) == 1

    # The same event again, and the refund's own events: nothing more happens.
    assert deliver(live_server, charge_refunded(stripe_shop, order, "evt_charge_refunded"))[1]["outcome"] == "duplicate"
    assert deliver(live_server, refund_updated(refund, "evt_refund_created", "refund.created"))[1]["outcome"] \
        == "already_applied"
    assert deliver(live_server, refund_updated(refund, "evt_refund_updated"))[1]["outcome"] == "already_applied"
    assert stock_of(variant.id) == 5 and mails(order.id).count("refunded") == 1
    assert timeline(order.id).count("refunded") == 1


def test_partial_refunds_record_money_only_until_they_reach_the_total(stripe_shop, live_server):
    order, variant, offer = paid_order_with_offer(stripe_shop)

    first = refund_in_dashboard(stripe_shop, order, 1000)
    older = charge_refunded(stripe_shop, order, "evt_charge_refunded_1")  # kept, delivered last
    status, body = deliver(live_server, refund_updated(first, "evt_refund_updated_1"))
    assert (status, body["outcome"]) == (200, "partially_refunded")
    partial = fresh(order.id)
    assert (partial.status, partial.amount_refunded) == (OrderStatus.PAID, 1000)
    assert stock_of(variant.id) == 4  # the shopper keeps the goods
    assert state(offer.id, order.id)["status"] == "confirmed"
    assert mails(order.id).count("refunded") == 1

    refund_in_dashboard(stripe_shop, order, partial.total - 1000)
    status, body = deliver(live_server, charge_refunded(stripe_shop, order, "evt_charge_refunded_2"))
    assert (status, body["outcome"]) == (200, "refunded")
    # The first refund's event, late: Stripe's total then was smaller; nothing is counted twice.
    assert deliver(live_server, older)[1]["outcome"] == "already_applied"

    refunded = fresh(order.id)
    assert (refunded.status, refunded.amount_refunded) == (OrderStatus.REFUNDED, refunded.total)
    assert stock_of(variant.id) == 5
    assert state(offer.id, order.id)["status"] == "confirmed"
    assert mails(order.id).count("refunded") == 2  # each refund told the shopper, once
    assert timeline(order.id).count("partially_refunded") == 1


class Captured(BaseHTTPRequestHandler):
    """Keeps what the local Stripe server sends, to deliver it to the shop later."""

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.deliveries.append((body, {k: v for k, v in self.headers.items()
                                              if k.lower() in ("content-type", "stripe-signature")}))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def held_webhooks(stripe_shop):
    """The local Stripe server's signed webhooks, held back instead of delivered to the shop."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Captured)
    server.deliveries = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    body = urllib.parse.urlencode({"url": f"http://127.0.0.1:{server.server_port}/", "secret": WEBHOOK_SECRET})
    urllib.request.urlopen(urllib.request.Request(f"{stripe_shop}/_config/webhooks/shop", data=body.encode()))
    yield server.deliveries
    server.shutdown()


@pytest.mark.parametrize("amount", [None, 1000], ids=["full", "partial"])
def test_a_refund_arriving_before_the_payments_own_event_ends_the_same(stripe_shop, held_webhooks, live_server,
                                                                       amount):
    variant = make_product(variants=[{"price": 2500, "stock": 5}]).variants[0]
    offer = make_offer(cap_total=1, cap_per_customer=1)
    order = order_with_offers(variant, payment_method="card")
    payments.start_card_payment(order)
    pay_as_shopper(stripe_shop, fresh(order.id).payment_intent_id, VISA)
    [(succeeded, headers)] = wait_for(lambda: held_webhooks)  # Stripe's own signed event, held back
    assert json.loads(succeeded)["type"] == "payment_intent.succeeded"
    assert fresh(order.id).status == OrderStatus.PENDING_PAYMENT

    refund_in_dashboard(stripe_shop, order, amount)
    status, body = deliver(live_server, charge_refunded(stripe_shop, order, "evt_refund_first"))
    assert status == 200 and body["outcome"] == ("refunded" if amount is None else "partially_refunded")
    assert post_webhook(f"{live_server.url}/webhooks/stripe", succeeded, headers)[1]["outcome"] == "already_applied"

    final = fresh(order.id)
    assert sorted(mails(order.id)) == ["receipt", "refunded"]
    # Paid under the offer, then refunded in part or in full: the redemption stays redeemed.
    assert state(offer.id, order.id) == {"count": 1, "uses": {"email:anna@example.com": 1}, "status": "confirmed"}
    if amount is None:
        assert (final.status, final.amount_refunded) == (OrderStatus.REFUNDED, final.total)
        assert stock_of(variant.id) == 5
    else:
        assert (final.status, final.amount_refunded) == (OrderStatus.PAID, 1000)
        assert stock_of(variant.id) == 4


def test_stripes_echo_of_a_refund_made_by_staff_is_not_counted_again(stripe_shop, live_server):
    order = make_paid_card_order(stripe_shop)
    refunds.refund(order.id, 1000, actor=make_user(), now=fresh(order.id).paid_at)
    assert deliver(live_server, charge_refunded(stripe_shop, order, "evt_echo"))[1]["outcome"] == "already_applied"
    assert fresh(order.id).amount_refunded == 1000

    refund_in_dashboard(stripe_shop, order, 500)  # and one more, made in the dashboard
    assert deliver(live_server, charge_refunded(stripe_shop, order, "evt_more"))[1]["outcome"] == "partially_refunded"
    assert fresh(order.id).amount_refunded == 1500
    assert mails(order.id).count("refunded") == 2  # the staff refund's, then the dashboard's; no echo


def test_every_event_of_one_refund_delivered_at_once_records_it_once(stripe_shop, live_server):
    order, variant, _ = paid_order_with_offer(stripe_shop)
    refund = refund_in_dashboard(stripe_shop, order, 1000)
    events = [charge_refunded(stripe_shop, order, "evt_a"), refund_updated(refund, "evt_b", "refund.created"),
              refund_updated(refund, "evt_c")]
    deliveries = events * 3
    barrier = threading.Barrier(len(deliveries))
    outcomes = []

    def send(payload):
        barrier.wait()
        outcomes.append(deliver(live_server, payload))

    threads = [threading.Thread(target=send, args=(payload,)) for payload in deliveries]
    [t.start() for t in threads]
    [t.join() for t in threads]

    assert [status for status, _ in outcomes] == [200] * len(deliveries)
    results = sorted(body["outcome"] for _, body in outcomes)
    assert results.count("partially_refunded") == 1 and results.count("duplicate") == 6
    assert fresh(order.id).amount_refunded == 1000
    assert timeline(order.id).count("partially_refunded") == 1
    assert mails(order.id).count("refunded") == 1
    assert stock_of(variant.id) == 4


def test_a_refund_event_that_disagrees_with_the_order_is_refused(stripe_shop, live_server):
    order = make_paid_card_order(stripe_shop)
    refund_in_dashboard(stripe_shop, order, 1000)
    tampered = charge_refunded(stripe_shop, order, "evt_other_amount")
    tampered["data"]["object"]["amount"] = order.total + 1
    status, body = deliver(live_server, tampered)
    assert status == 400 and body["error"]["code"] == "event_mismatch"
    assert fresh(order.id).amount_refunded == 0


def test_a_late_payment_refunded_in_full_before_its_event_arrives_sells_nothing(stripe_shop, held_webhooks,
                                                                                 live_server):
    variant = make_product(variants=[{"price": 2500, "stock": 1}]).variants[0]
    order = order_with_offers(variant, payment_method="card")
    payments.start_card_payment(order)
    assert payments.expire_reservations(fresh(order.id).reserved_until + dt.timedelta(seconds=1)) == 1
    pay_as_shopper(stripe_shop, fresh(order.id).payment_intent_id, VISA)
    [(succeeded, headers)] = wait_for(lambda: held_webhooks)

    refund_in_dashboard(stripe_shop, order)
    assert deliver(live_server, charge_refunded(stripe_shop, order, "evt_late_refund"))[1]["outcome"] == "refunded"
    assert post_webhook(f"{live_server.url}/webhooks/stripe", succeeded, headers)[1]["outcome"] == "already_applied"
    final = fresh(order.id)
    assert (final.status, final.amount_refunded) == (OrderStatus.REFUNDED, final.total)
    assert stock_of(variant.id) == 1  # given back when the hold ran out, never taken again
    assert mails(order.id).count("refunded") == 1


def test_a_refund_that_failed_at_stripe_is_noted_for_staff_and_counts_nothing(stripe_shop, live_server):
    order = make_paid_card_order(stripe_shop)
    refund = refund_in_dashboard(stripe_shop, order, 1000).to_dict()
    refund["status"] = "failed"
    status, body = deliver(live_server, event("refund.updated", refund, "evt_refund_failed"))
    assert (status, body["outcome"]) == (200, "refund_failed")
    assert fresh(order.id).amount_refunded == 0 and fresh(order.id).status == OrderStatus.PAID
    [note] = [e for e in fresh(order.id).events if e.kind == "provider_refund_failed"]
    assert note.public is False and note.details["amount"] == 1000
