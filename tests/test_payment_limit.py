"""What the shop sells can be paid for: a price, a cart and an order stay within what one payment
can take (`storefront.money.MAX_PAYMENT`, €999,999.99), with a clear message and nothing written
past it. A larger price once failed on PostgreSQL, whose INTEGER ends at 2,147,483,647."""
import datetime as dt

import pytest
import sqlalchemy as sa

from promotions.terms import InvalidOffer, clean_terms
from storefront.cart import service as carts
from storefront.cart.models import CartLine
from storefront.catalog import editing
from storefront.catalog.models import Variant
from storefront.checkout.service import OrderTooLarge, place_order
from storefront.extensions import db
from storefront.money import MAX_PAYMENT
from storefront.orders.models import Order
from tests.social.test_checkout_url import cart_quantities, link, text
from tests.factories import checkout_form, make_cart, make_product, make_user, shopper_details

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def price_of(variant_id: int) -> int:
    db.session.commit()
    return db.session.scalar(sa.select(Variant.price).where(Variant.id == variant_id))


def test_a_price_up_to_the_payment_limit_is_kept():
    variant = make_product().variants[0]
    editing.update_variant(make_user(), variant.id, sku=variant.sku, options=dict(variant.options),
                           price="999999.99", stock=variant.stock)
    assert price_of(variant.id) == MAX_PAYMENT


@pytest.mark.parametrize("field, typed", [("price", "1000000"), ("price", "50000000"),
                                          ("compare_at_price", "21474836.48")])
def test_a_price_past_what_one_payment_can_take_is_refused_and_nothing_changes(field, typed):
    variant = make_product(variants=[{"price": 2500}]).variants[0]
    prices = {"price": "25.00", "compare_at_price": None, field: typed}
    with pytest.raises(editing.InvalidPrice) as refused:
        editing.update_variant(make_user(), variant.id, sku=variant.sku, options=dict(variant.options),
                               stock=variant.stock, **prices)
    assert refused.value.field == field
    assert str(refused.value.message) == "A price can be at most €999,999.99, the most one payment can take."
    assert price_of(variant.id) == 2500


def test_a_cart_past_the_limit_is_refused_at_the_line_that_would_pass_it():
    dear = make_product(variants=[{"price": 40_000_000, "stock": 10}]).variants[0]   # €400,000
    other = make_product(variants=[{"price": 15_000_000, "stock": 10}]).variants[0]  # €150,000
    cart = make_cart(dear, 2)
    with pytest.raises(carts.InvalidQuantity) as refused:
        carts.add_item(cart, other, 2)  # €800,000 + €300,000
    assert refused.value.field == "quantity"
    assert "at most €999,999.99" in str(refused.value.message)
    carts.add_item(cart, other, 1)  # €950,000 fits
    with pytest.raises(carts.InvalidQuantity):
        carts.set_quantity(cart, dear.id, 3)
    with pytest.raises(carts.InvalidQuantity):
        carts.add_item(cart, dear, 1)
    db.session.commit()
    assert sorted(db.session.execute(sa.select(CartLine.variant_id, CartLine.quantity)).all()) == \
        sorted([(dear.id, 2), (other.id, 1)])


def raise_price(variant_id: int, price: int) -> None:
    """Staff raise the price of what is already in a cart (each unit within the limit)."""
    db.session.execute(sa.update(Variant).where(Variant.id == variant_id).values(price=price))
    db.session.commit()


def test_an_order_that_a_price_raised_since_takes_past_the_limit_is_not_placed():
    variant = make_product(variants=[{"price": 40_000_000, "stock": 3}]).variants[0]
    token = make_cart(variant, 2).token  # €800,000
    raise_price(variant.id, 60_000_000)  # €1,200,000
    with pytest.raises(OrderTooLarge) as refused:
        place_order(token, shopper_details(), now=NOW, shown_total=None)
    assert refused.value.status == 400
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant.id)) == 3


def test_the_shopper_is_told_at_review_and_at_the_place_button_and_no_order_is_written(client):
    variant = make_product(variants=[{"price": 40_000_000, "stock": 3}]).variants[0]
    assert client.post("/cart/add", data={"variant_id": variant.id, "quantity": 2}).status_code == 303
    assert client.post("/checkout", data=checkout_form()).status_code == 303
    raise_price(variant.id, 60_000_000)

    review = client.get("/checkout/review")
    assert review.status_code == 303 and review.headers["Location"].endswith("/cart/")
    cart = client.get("/cart/").get_data(as_text=True)
    assert "An order can come to at most €999,999.99, the most one payment can take." in cart

    placed = client.post("/checkout/place", data={"shown_total": "120000000"})
    assert placed.status_code == 303 and placed.headers["Location"].endswith("/cart/")
    assert "An order can come to at most €999,999.99" in client.get("/cart/").get_data(as_text=True)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0


@pytest.mark.parametrize("field, typed", [("min_subtotal", "1000000"), ("min_subtotal", "50000000")])
def test_an_offer_threshold_past_what_one_payment_can_take_is_refused(field, typed):
    fields = {"name": "Spend big", "benefit": "free_shipping", "target": "order", "audience": "everyone",
              "timezone": "Europe/Riga", "starts_at": dt.datetime(2030, 1, 1), "ends_at": dt.datetime(2030, 2, 1)}
    assert clean_terms({**fields, field: "999999.99"}, now=NOW).columns[field] == MAX_PAYMENT
    with pytest.raises(InvalidOffer) as refused:
        clean_terms({**fields, field: typed}, now=NOW)
    assert refused.value.field == field


def test_a_link_that_replaces_a_dear_cart_counts_the_cart_it_asks_for(client):
    """The social checkout link describes the whole cart: a shopper holding a €900,000 item who
    opens a link for a €200,000 one gets that one, not a refusal for the line the link takes out."""
    make_product("Dear", option_names=(), variants=[{"sku": "DEAR-1", "price": 90_000_000, "stock": 5}])
    make_product("Mid", option_names=(), variants=[{"sku": "MID-1", "price": 20_000_000, "stock": 5}])
    assert client.get(link("DEAR-1:1")).status_code == 200
    assert cart_quantities() == {"DEAR-1": 1}

    page = text(client.get(link("MID-1:1")))
    assert "A cart can come to at most" not in page and "Dear, which was already in your cart, was taken out" in page
    assert cart_quantities() == {"MID-1": 1}

    # A link whose item is past the limit on its own changes nothing and says why.
    make_product("Dearer", option_names=(), variants=[{"sku": "DEARER-1", "price": 60_000_000, "stock": 5}])
    page = text(client.get(link("DEARER-1:2")))
    assert "Dearer was not added: A cart can come to at most €999,999.99" in page
    assert cart_quantities() == {"MID-1": 1}


def test_a_cart_whose_price_was_raised_gets_the_limit_message_on_every_database(client):
    """The other lines are summed in BIGINT: a line whose price staff raised after it was added
    can be worth more than an INTEGER holds (€21,474,836.47)."""
    cheap = make_product(variants=[{"price": 100, "stock": 99}]).variants[0]
    other = make_product(variants=[{"price": 100, "stock": 99}]).variants[0]
    token = client.post("/api/v1/carts").json["token"]
    added = client.post(f"/api/v1/carts/{token}/lines", json={"variant_id": cheap.id, "quantity": 30})
    assert added.status_code == 201
    raise_price(cheap.id, MAX_PAYMENT)

    response = client.post(f"/api/v1/carts/{token}/lines", json={"variant_id": other.id, "quantity": 1})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_quantity", response.json
    assert "A cart can come to at most" in response.json["error"]["message"]
