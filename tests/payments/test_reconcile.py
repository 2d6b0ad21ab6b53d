"""Repairing what a lost webhook or a stopped worker left behind."""
import datetime as dt
import urllib.request

import pytest
import sqlalchemy as sa

from storefront.catalog.models import Variant
from storefront.extensions import db
from storefront.orders.models import OrderStatus
from storefront.payments import service as payments
from tests.conftest import fresh
from tests.factories import VISA, make_card_order, make_order, make_product, pay_as_shopper


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def test_reconcile_applies_a_payment_whose_webhook_never_arrived(app, stripe_shop):
    # The webhook endpoint points nowhere: Stripe takes the money but the shop never hears of it.
    urllib.request.urlopen(urllib.request.Request(
        f"{stripe_shop}/_config/webhooks/shop", data=b"url=http%3A%2F%2F127.0.0.1%3A9%2Fnowhere&secret=x"))
    product = make_product(variants=[{"stock": 2}])
    order = make_card_order(product.variants[0])
    payments.start_card_payment(order)
    pay_as_shopper(stripe_shop, fresh(order.id).payment_intent_id, VISA)
    assert fresh(order.id).status == OrderStatus.PENDING_PAYMENT

    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "paid: 1" in result.output
    assert fresh(order.id).status == OrderStatus.PAID
    # Running it again finds nothing left to do.
    assert "paid" not in app.test_cli_runner().invoke(args=["payments", "reconcile"]).output


def test_the_expiry_command_releases_holds_that_ran_out(app):
    order = make_order()  # one of 4 in stock
    variant_id = order.lines[0].variant_id
    db.session.execute(sa.update(type(order)).where(type(order).id == order.id)
                       .values(reserved_until=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["payments", "expire"])
    assert "released 1 orders" in result.output
    assert fresh(order.id).status == OrderStatus.CANCELLED
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id)) == 4
