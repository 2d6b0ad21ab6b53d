"""A shipping address's postcode is one its country could have, kept as the country writes it: the
checkout page, the API and the checkout service refuse any other, saying the country's form."""
import re

import pytest
import sqlalchemy as sa

from storefront.checkout.addresses import InvalidPostalCode, written_postal_code
from storefront.extensions import db
from storefront.orders.models import Order
from tests.factories import checkout_form, make_product


@pytest.fixture
def product():
    return make_product(title="Jūras cardigan", variants=[{"price": 2500, "stock": 3}])


@pytest.fixture
def cart_token(client, product):
    token = client.post("/api/v1/carts").json["token"]
    client.post(f"/api/v1/carts/{token}/lines", json={"variant_id": product.variants[0].id, "quantity": 1})
    return token


def orders():
    db.session.commit()
    return db.session.scalars(sa.select(Order)).all()


def postcode_control(page: str) -> str:
    return re.search(r'<input[^>]*\bname="postal_code"[^>]*>', page).group(0)


@pytest.mark.parametrize("country, typed, written", [
    ("LV", "lv1011", "LV-1011"), ("LV", " LV 1011 ", "LV-1011"), ("NL", "1234ab", "1234 AB"),
    ("SE", "11122", "111 22"), ("SE", "SE-111 22", "SE-111 22"), ("PL", "00950", "00-950"),
    ("PT", "2725079", "2725-079"), ("LT", "LT-04340", "LT-04340"), ("LT", "lt 04340", "LT-04340"), ("LT", "04340", "04340"), ("ES", "28039", "28039"),
    ("IE", "d02x285", "D02 X285"), ("IE", "", ""), ("HK", "Kowloon 1", "Kowloon 1"),
])
def test_a_postcode_is_kept_as_its_country_writes_it(app, country, typed, written):
    assert written_postal_code(country, typed) == written


@pytest.mark.parametrize("country, typed, example", [
    ("ES", "ABCDEFGHIJK", "28039"), ("LV", "1011", "LV-1073"), ("NL", "1234 SA", "1234 AB"),
    ("DE", "1011", "26133"), ("IE", "D02", "A65 F4E2"),
])
def test_a_postcode_its_country_cannot_have_is_refused_with_the_countrys_form(app, country, typed, example):
    with app.test_request_context("/"), pytest.raises(InvalidPostalCode) as refused:
        written_postal_code(country, typed)
    assert str(refused.value.message) == f"The postal code must be in the form {example}."
    assert refused.value.field == "postal_code"


def test_the_checkout_page_refuses_an_impossible_postcode_beside_its_field_and_keeps_it(client, product):
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})

    response = client.post("/checkout", data=checkout_form(country="ES", postal_code="ABCDEFGHIJK"))

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    control = postcode_control(page)
    assert 'aria-invalid="true"' in control and 'aria-describedby="postal_code-error-0"' in control
    assert 'value="ABCDEFGHIJK"' in control
    assert re.search(r'<p class="field-error" id="postal_code-error-0">The postal code must be in the form '
                     r'28039\.</p>', page)
    with client.session_transaction() as session:
        assert "checkout_details" not in session
    assert orders() == []


def test_a_latvian_shopper_reads_the_refusal_in_latvian(client, product):
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})

    response = client.post("/checkout?lang=lv", data=checkout_form(postal_code="1011"))

    assert response.status_code == 400
    assert re.search(r'<p class="field-error" id="postal_code-error-0">Pasta indeksam jābūt formā LV-1073\.</p>',
                     response.get_data(as_text=True))


def test_a_latvian_postcode_typed_loosely_is_ordered_as_latvia_writes_it(client, product):
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})

    client.post("/checkout", data=checkout_form(postal_code="lv1011"))
    review = client.get("/checkout/review").get_data(as_text=True)
    assert "LV-1011" in review
    total = re.search(r'name="shown_total"[^>]*value="(\d+)"', review).group(1)
    client.post("/checkout/place", data={"shown_total": total})

    [order] = orders()
    assert order.postal_code == "LV-1011"


def test_the_page_shows_the_chosen_countrys_form_as_the_placeholder(client, product):
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})

    control = postcode_control(client.get("/checkout").get_data(as_text=True))

    assert 'placeholder="LV-1073"' in control
    assert "&#34;NL&#34;:&#34;1234 AB&#34;" in control or '"NL":"1234 AB"' in control


@pytest.mark.parametrize("change, example", [
    ({"country": "ES", "postal_code": "ABCDEFGHIJK"}, "28039"),
    ({"country": "LV", "postal_code": "1011"}, "LV-1073"),
])
def test_the_api_refuses_an_impossible_postcode_naming_the_field(client, cart_token, change, example):
    response = client.post("/api/v1/orders", json=checkout_form(cart_token=cart_token) | change)

    assert response.status_code == 400, response.json
    assert response.json["error"] | {"message": ""} == {"code": "invalid_postal_code", "field": "postal_code",
                                                         "message": "", "example": example}
    assert example in response.json["error"]["message"]
    assert orders() == []


def test_the_api_refuses_a_missing_postcode_where_the_country_needs_one(client, cart_token):
    body = checkout_form(cart_token=cart_token)
    del body["postal_code"]

    response = client.post("/api/v1/orders", json=body)

    assert response.status_code == 400
    assert (response.json["error"]["code"], response.json["error"]["field"]) == ("invalid_postal_code", "postal_code")
    assert orders() == []


def test_the_api_keeps_a_postcode_as_its_country_writes_it(client, cart_token):
    response = client.post("/api/v1/orders", json=checkout_form(cart_token=cart_token, country="NL",
                                                                postal_code="1234ab", city="Amsterdam"))

    assert response.status_code == 201, response.json
    assert [order.postal_code for order in orders()] == ["1234 AB"]


def test_an_irish_address_without_an_eircode_is_ordered(client, cart_token):
    response = client.post("/api/v1/orders", json=checkout_form(cart_token=cart_token, country="IE",
                                                                postal_code="", city="Dublin"))

    assert response.status_code == 201, response.json
    assert [order.postal_code for order in orders()] == [""]


def test_a_country_without_postcodes_takes_whatever_is_written(app, client, cart_token, monkeypatch):
    monkeypatch.setitem(app.config, "SHIP_TO_COUNTRIES", [*app.config["SHIP_TO_COUNTRIES"], "HK"])

    response = client.post("/api/v1/orders", json=checkout_form(cart_token=cart_token, country="HK",
                                                                postal_code="Kowloon", city="Hong Kong"))

    assert response.status_code == 201, response.json
    assert [order.postal_code for order in orders()] == ["Kowloon"]
