"""Placing an order: one transaction that prices the cart, takes stock and writes the order."""
import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from storefront.cart.models import CartLine
from storefront.catalog.models import Variant
from storefront.checkout.service import EmptyCart, InvalidCheckout, SoldOut, TotalChanged, place_order
from storefront.extensions import db
from storefront.orders import service as orders
from storefront.orders.models import Order, OrderStatus
from tests.factories import make_cart, make_product, shopper_details

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def stock_of(variant_id):
    db.session.commit()  # end this test's own snapshot, to see what other connections wrote
    return db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id))


def test_an_order_holds_its_stock_and_empties_the_cart():
    product = make_product(variants=[{"price": 2500, "stock": 5}])
    variant_id = product.variants[0].id
    token = make_cart(product.variants[0], 2).token

    order = place_order(token, shopper_details(), now=NOW, shown_total=5495)

    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.number == f"ZV{order.id + 10000}"
    assert (order.items_subtotal, order.shipping, order.total) == (5000, 495, 5495)
    assert [(l.sku, l.quantity, l.unit_price) for l in order.lines] == [(product.variants[0].sku, 2, 2500)]
    assert order.reserved_until == NOW + dt.timedelta(hours=72)
    assert order.payment_reference == order.number
    assert stock_of(variant_id) == 3
    assert db.session.scalar(sa.select(sa.func.count(CartLine.id))) == 0


def test_a_price_change_since_the_shopper_looked_writes_nothing():
    product = make_product(variants=[{"price": 2500, "stock": 5}])
    token = make_cart(product.variants[0], 1).token
    with pytest.raises(TotalChanged):
        place_order(token, shopper_details(), now=NOW, shown_total=2000)
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0
    assert stock_of(product.variants[0].id) == 5


def test_stock_gone_since_the_cart_was_filled_writes_nothing():
    product = make_product(variants=[{"stock": 2}])
    variant_id = product.variants[0].id
    token = make_cart(product.variants[0], 2).token
    db.session.execute(sa.update(Variant).where(Variant.id == variant_id).values(stock=1))
    db.session.commit()
    with pytest.raises(SoldOut):
        place_order(token, shopper_details(), now=NOW)
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0
    assert stock_of(variant_id) == 1
    assert db.session.scalar(sa.select(CartLine.quantity)) == 2


def test_an_empty_cart_or_unknown_choices_are_refused():
    with pytest.raises(EmptyCart):
        place_order(make_cart().token, shopper_details(), now=NOW)
    product = make_product()
    token = make_cart(product.variants[0], 1).token
    with pytest.raises(InvalidCheckout) as error:
        place_order(token, shopper_details(shipping_method="teleport"), now=NOW)
    assert error.value.field == "shipping_method"
    with pytest.raises(InvalidCheckout):
        place_order(token, shopper_details(payment_method="card"), now=NOW)  # no Stripe keys configured
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0


def test_released_stock_comes_back_exactly_once():
    product = make_product(variants=[{"stock": 5}])
    variant_id = product.variants[0].id
    order = place_order(make_cart(product.variants[0], 3).token, shopper_details(), now=NOW)
    assert orders.release_stock(order) is True
    assert orders.release_stock(order) is False
    db.session.commit()
    assert stock_of(variant_id) == 5


def test_a_transition_the_state_machine_forbids_is_a_conflict():
    product = make_product()
    order = place_order(make_cart(product.variants[0], 1).token, shopper_details(), now=NOW)
    with pytest.raises(orders.InvalidTransition) as error:
        orders.transition(order, OrderStatus.SHIPPED, now=NOW)
    assert error.value.status == 409
    orders.transition(order, OrderStatus.PAID, now=NOW, paid_at=NOW)
    db.session.commit()
    with pytest.raises(orders.InvalidTransition):
        orders.transition(order, OrderStatus.PAID, now=NOW)


def test_the_last_units_sell_once_under_concurrent_checkouts(app):
    """Stock 5, 30 shoppers placing orders at the same moment on separate connections."""
    product = make_product(variants=[{"stock": 5, "price": 1000}])
    variant = product.variants[0]
    tokens = [make_cart(variant, 1).token for _ in range(30)]
    barrier = threading.Barrier(len(tokens))
    outcomes = []

    def shopper(token):
        with app.test_request_context("/"):
            barrier.wait()
            try:
                place_order(token, shopper_details(), now=NOW)
                outcomes.append("ordered")
            except SoldOut:
                outcomes.append("sold out")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=shopper, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("ordered") == 5
    assert outcomes.count("sold out") == 25
    assert stock_of(variant.id) == 0
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 5


def test_a_product_taken_off_sale_cannot_be_ordered_from_an_old_cart():
    from storefront.checkout.service import ItemsUnavailable

    product = make_product(title="Recalled mittens", variants=[{"stock": 5}])
    token = make_cart(product.variants[0], 1).token
    product.active = False
    db.session.commit()
    with pytest.raises(ItemsUnavailable) as error:
        place_order(token, shopper_details(), now=NOW)
    assert "Recalled mittens" in str(error.value.message)
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0
    assert stock_of(product.variants[0].id) == 5


def test_the_same_cart_placed_twice_at_once_makes_one_order(app):
    product = make_product(variants=[{"stock": 5}])
    token = make_cart(product.variants[0], 2).token
    barrier = threading.Barrier(2)
    outcomes = []

    def press_place_order():
        with app.test_request_context("/"):
            barrier.wait()
            try:
                place_order(token, shopper_details(), now=NOW)
                outcomes.append("ordered")
            except EmptyCart:
                outcomes.append("empty")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press_place_order) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) == ["empty", "ordered"]
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 1
    assert stock_of(product.variants[0].id) == 3
