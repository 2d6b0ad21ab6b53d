"""The checkout as a shopper walks it in pages: details, review with the full total, order."""
import re

import pytest
import sqlalchemy as sa

from storefront.catalog.models import Variant
from storefront.extensions import db
from storefront.orders.models import Order
from tests.factories import checkout_form, make_product

DETAILS = checkout_form(email="liga@example.com", full_name="Līga Ozola", address_line1="Elizabetes iela 10")


@pytest.fixture
def product():
    return make_product(title="Jūras cardigan", variants=[{"price": 2500, "stock": 3}])


def fill_cart(client, product, quantity=2):
    response = client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": quantity})
    assert response.status_code == 303


def review_total(client) -> str:
    page = client.get("/checkout/review").get_data(as_text=True)
    return re.search(r'name="shown_total"[^>]*value="(\d+)"', page).group(1)


def orders():
    db.session.commit()
    return db.session.scalars(sa.select(Order)).all()


def test_a_shopper_checks_out_with_a_bank_transfer_and_sees_the_same_total_throughout(client, product):
    fill_cart(client, product)
    page = client.get("/checkout").get_data(as_text=True)
    assert "€54.95" in page  # 2 × €25 + €4.95 shipping, shown before anything is committed

    response = client.post("/checkout", data=DETAILS)
    assert response.status_code == 303 and response.headers["Location"].endswith("/checkout/review")
    review = client.get("/checkout/review").get_data(as_text=True)
    assert "€54.95" in review and "Līga Ozola" in review and "VAT" in review

    response = client.post("/checkout/place", data={"shown_total": review_total(client)})
    [order] = orders()
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/orders/{order.tracking_token}?placed=1")
    assert order.total == 5495 and order.email == "liga@example.com"

    tracking = client.get(f"/orders/{order.tracking_token}?placed=1").get_data(as_text=True)
    assert order.number in tracking and order.payment_reference in tracking
    assert "LV80 BANK 0000 4351 9500 1" in re.sub(r"<[^>]+>", "", tracking)  # as read (each group a span)
    assert "Thank you" in tracking


def test_missing_or_bad_details_are_shown_next_to_their_fields_and_nothing_is_ordered(client, product):
    fill_cart(client, product)
    response = client.post("/checkout", data=dict(DETAILS, email="not-an-email", city="", country="XX",
                                                  shipping_method="teleport"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page.count('class="field-error"') >= 3
    assert orders() == []
    # Each refused field names its message as its description, for a screen reader to read with it.
    for name in ("email", "city"):
        control = re.search(rf'<(?:input|select)[^>]*\bid="{name}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in control
        described = re.search(r'aria-describedby="([^"]+)"', control).group(1).split()
        assert f"{name}-error-0" in described
        assert re.search(rf'<p class="field-error" id="{name}-error-0">[^<]+</p>', page)


def test_a_tampered_or_stale_total_orders_nothing_and_shows_the_review_again(client, product):
    fill_cart(client, product)
    client.post("/checkout", data=DETAILS)
    for tampered in ("1", "abc", "", "5494"):
        response = client.post("/checkout/place", data={"shown_total": tampered})
        assert response.status_code == 303
        assert response.headers["Location"].endswith(("/checkout/review", "/checkout"))
    assert orders() == []
    db.session.commit()
    assert db.session.scalar(sa.select(Variant.stock)) == 3


def test_pressing_place_order_twice_orders_once_and_shows_that_order(client, product):
    fill_cart(client, product)
    client.post("/checkout", data=DETAILS)
    total = review_total(client)
    first = client.post("/checkout/place", data={"shown_total": total})
    second = client.post("/checkout/place", data={"shown_total": total})
    [order] = orders()
    assert first.headers["Location"].startswith(f"/orders/{order.tracking_token}")
    assert second.headers["Location"].startswith(f"/orders/{order.tracking_token}")


def test_the_last_units_going_elsewhere_sends_the_shopper_back_to_the_cart_with_the_reason(client, product):
    fill_cart(client, product, quantity=3)
    client.post("/checkout", data=DETAILS)
    total = review_total(client)
    db.session.execute(sa.update(Variant).values(stock=1))
    db.session.commit()
    response = client.post("/checkout/place", data={"shown_total": total}, follow_redirects=True)
    assert "sold out" in response.get_data(as_text=True)
    assert orders() == []


def test_an_empty_cart_cannot_check_out(client):
    response = client.get("/checkout")
    assert response.status_code == 303 and response.headers["Location"].endswith("/cart/")


def test_an_unknown_tracking_link_is_a_404(client):
    assert client.get("/orders/not-a-real-token").status_code == 404


def test_the_tracking_page_is_private_and_unframed_by_strangers(client, product):
    fill_cart(client, product)
    client.post("/checkout", data=DETAILS)
    client.post("/checkout/place", data={"shown_total": review_total(client)})
    [order] = orders()
    response = client.get(f"/orders/{order.tracking_token}")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_card_payment_page_loads_stripe_js_allowed_by_its_csp(client, product, stripe_shop):
    fill_cart(client, product)
    client.post("/checkout", data=dict(DETAILS, payment_method="card"))
    response = client.post("/checkout/place", data={"shown_total": review_total(client)})
    [order] = orders()
    assert response.headers["Location"] == f"/orders/{order.tracking_token}/pay"
    page = client.get(response.headers["Location"])
    assert f'src="{stripe_shop}/js.stripe.com/v3/"' in page.get_data(as_text=True)
    assert stripe_shop in page.headers["Content-Security-Policy"]
    # Other pages do not allow Stripe's scripts.
    assert stripe_shop not in client.get("/").headers["Content-Security-Policy"]
