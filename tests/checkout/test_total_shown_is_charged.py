"""Whatever the cart, delivery choice and tax setting, the order is for the total the shopper saw."""
import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storefront.extensions import db
from storefront.orders.models import Order
from tests.factories import checkout_form, make_product

lines = st.lists(st.tuples(st.integers(1, 250_00), st.integers(1, 5)), min_size=1, max_size=4)
shipping = st.sampled_from(["standard", "express", "pickup"])
taxes = st.tuples(st.booleans(), st.sampled_from([0, 500, 900, 1200, 2100, 2500]))


@pytest.fixture
def tax_settings(app):
    saved = (app.config["PRICES_INCLUDE_TAX"], app.config["TAX_RATE_BPS"])
    yield app.config
    app.config["PRICES_INCLUDE_TAX"], app.config["TAX_RATE_BPS"] = saved


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cart=lines, method=shipping, tax=taxes)
def test_the_order_is_for_exactly_the_total_shown_on_the_review_page(app, tax_settings, cart, method, tax):
    tax_settings["PRICES_INCLUDE_TAX"], tax_settings["TAX_RATE_BPS"] = tax
    client = app.test_client()  # a new shopper for every example
    for price, quantity in cart:
        product = make_product(variants=[{"price": price, "stock": 10}])
        assert client.post("/cart/add", data={"variant_id": product.variants[0].id,
                                              "quantity": quantity}).status_code == 303
    client.post("/checkout", data=checkout_form(shipping_method=method))
    review = client.get("/checkout/review").get_data(as_text=True)
    shown = int(re.search(r'name="shown_total"[^>]*value="(\d+)"', review).group(1))
    shown_text = re.search(r'data-total>([^<]+)<', review).group(1)

    response = client.post("/checkout/place", data={"shown_total": str(shown)})
    assert response.status_code == 303
    db.session.commit()
    order = db.session.scalars(sa.select(Order).order_by(Order.id.desc())).first()
    assert order.total == shown
    assert order.total == order.items_subtotal - order.discount + order.shipping + (
        0 if order.tax_included else order.tax)
    with app.test_request_context("/"):
        from storefront.money import format_money

        assert format_money(order.total) == shown_text.strip()
