"""Meta's checkout address: /checkout?products=SKU%3AQTY%2C...&coupon=CODE fills the cart and explains."""
import html
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from storefront.cart.models import CartLine
from storefront.extensions import db
from tests.factories import make_product


@pytest.fixture
def catalog():
    # No option names: the messages then name each product by its title alone.
    cardigan = make_product("Jūras cardigan", option_names=(),
                            variants=[{"sku": "CARDIGAN-M", "price": 4500, "stock": 5}])
    hat = make_product("Kāpa hat", option_names=(), variants=[{"sku": "HAT-1", "price": 1900, "stock": 2}])
    sold_out = make_product("Vējš scarf", option_names=(), variants=[{"sku": "SCARF-1", "price": 2900, "stock": 0}])
    return {"cardigan": cardigan, "hat": hat, "scarf": sold_out}


def link(products: str, **extra) -> str:
    """The address as Meta builds it: ':' and ',' percent-encoded (RFC 3986)."""
    query = "products=" + quote(products, safe="")
    for key, value in extra.items():
        query += f"&{key}={quote(value, safe='')}"
    return f"/checkout?{query}"


def cart_quantities() -> dict[str, int]:
    db.session.commit()
    lines = db.session.scalars(sa.select(CartLine)).all()
    return {line.variant.sku: line.quantity for line in lines}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_checkout_link_fills_the_cart_and_shows_the_checkout_with_its_total(client, catalog):
    response = client.get(link("CARDIGAN-M:2,HAT-1:1"))
    assert response.status_code == 200
    page = text(response)
    assert "Your details" in page
    assert "Jūras cardigan" in page and "Kāpa hat" in page
    assert "€109.00" in page  # 2 × €45 + €19, free shipping from €60
    assert cart_quantities() == {"CARDIGAN-M": 2, "HAT-1": 1}


def test_opening_the_same_link_twice_does_not_double_the_cart(client, catalog):
    client.get(link("CARDIGAN-M:2,HAT-1:1"))
    client.get(link("CARDIGAN-M:2,HAT-1:1"))
    assert cart_quantities() == {"CARDIGAN-M": 2, "HAT-1": 1}


def test_the_link_sets_quantities_and_takes_out_what_it_does_not_list(client, catalog):
    client.post("/cart/add", data={"variant_id": catalog["hat"].variants[0].id, "quantity": 1})
    client.post("/cart/add", data={"variant_id": catalog["cardigan"].variants[0].id, "quantity": 4})
    page = text(client.get(link("CARDIGAN-M:1")))
    assert cart_quantities() == {"CARDIGAN-M": 1}
    assert "Kāpa hat" in page and "was taken out" in page


def test_an_unknown_product_is_named_and_the_rest_is_added(client, catalog):
    page = text(client.get(link("NOPE-42:1,HAT-1:1")))
    assert "“NOPE-42” is not a product we sell" in page
    assert cart_quantities() == {"HAT-1": 1}


def test_a_sold_out_product_is_explained_and_not_added(client, catalog):
    page = text(client.get(link("SCARF-1:1,HAT-1:1")))
    assert "Vējš scarf" in page and "sold out" in page
    assert cart_quantities() == {"HAT-1": 1}


def test_asking_for_more_than_is_left_adds_what_there_is_and_says_so(client, catalog):
    page = text(client.get(link("HAT-1:5")))
    assert "Only 2 of Kāpa hat are left, so your cart holds 2 instead of 5." in page
    assert cart_quantities() == {"HAT-1": 2}


@pytest.mark.parametrize("quantity, reason", [
    ("0", "Please enter a whole number of at least 1."),
    ("-3", "Please enter a whole number of at least 1."),
    ("1.5", "Please enter a whole number of at least 1."),
    ("two", "Please enter a whole number of at least 1."),
    ("100", "You can buy at most 99 of one item."),
    ("99999999999999999999", "That quantity is too large."),
])
def test_a_bad_quantity_is_explained_and_nothing_of_it_is_added(client, catalog, quantity, reason):
    page = text(client.get(link(f"CARDIGAN-M:{quantity},HAT-1:1")))
    assert f"Jūras cardigan was not added: {reason}" in page
    assert cart_quantities() == {"HAT-1": 1}


@pytest.mark.parametrize("entry", ["CARDIGAN-M", ":3", "CARDIGAN-M:", "CARDIGAN-M:1:2", "<script>x</script>"])
def test_an_entry_that_is_not_id_and_quantity_is_named_as_garbage(client, catalog, entry):
    response = client.get(link(f"{entry},HAT-1:1"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "is not a product and quantity (expected ID:QUANTITY)" in html.unescape(page)
    assert "<script>x</script>" not in page  # the shopper's link is shown escaped
    assert cart_quantities() == {"HAT-1": 1}


def test_a_link_where_nothing_can_be_added_leaves_the_cart_alone_and_says_why(client, catalog):
    client.post("/cart/add", data={"variant_id": catalog["hat"].variants[0].id, "quantity": 1})
    page = text(client.get(link("NOPE:1"), follow_redirects=True))
    assert "“NOPE” is not a product we sell" in page
    assert cart_quantities() == {"HAT-1": 1}


def test_an_empty_or_garbage_list_on_an_empty_cart_ends_on_the_cart_page_with_the_reason(client, catalog):
    response = client.get("/checkout?products=", follow_redirects=True)
    page = text(response)
    assert response.request.path == "/cart/"
    assert "The link did not name any product." in page and "Your cart is empty." in page
    assert cart_quantities() == {}


def test_a_huge_list_is_not_read_item_by_item(client, catalog):
    page = text(client.get(link(",".join(f"X{n}:1" for n in range(60)) + ",HAT-1:1"), follow_redirects=True))
    assert "more than 50 products" in page
    assert cart_quantities() == {}  # HAT-1 came 61st: only the first 50 were read
    page = text(client.get(link("A:1," * 2000), follow_redirects=True))
    assert "too long to read" in page


def test_an_unknown_coupon_is_refused_with_the_reason_and_not_applied(client, catalog):
    page = text(client.get(link("CARDIGAN-M:2", coupon="spring20")))
    assert "The code SPRING20 was not applied: We do not know the code SPRING20." in page
    assert "€90.00" in page  # no discount is invented
    with client.session_transaction() as session:
        assert "offer_code" not in session


def test_a_malformed_coupon_is_ignored_with_a_message(client, catalog):
    page = text(client.get(link("CARDIGAN-M:1", coupon="'; DROP TABLE--" + "x" * 100)))
    assert "The code in the link is not a valid code, so it was ignored." in page
    with client.session_transaction() as session:
        assert "coupon" not in session and "offer_code" not in session


def test_the_plain_checkout_page_is_unchanged(client, catalog):
    client.post("/cart/add", data={"variant_id": catalog["hat"].variants[0].id, "quantity": 1})
    page = text(client.get("/checkout"))
    assert "was taken out" not in page and "Kāpa hat" in page
    assert cart_quantities() == {"HAT-1": 1}
