"""The cart page and its forms: add, change, remove; every bad input refused with a message."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from storefront.cart.models import Cart, CartLine
from storefront.extensions import db
from tests.factories import make_product
from tests.promotions.conftest import make_offer


def lines() -> list[tuple[str, int]]:
    db.session.expire_all()
    return [(line.variant.sku, line.quantity) for line in db.session.scalars(sa.select(CartLine).order_by(CartLine.id))]


def cart_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Cart.id)))


@pytest.fixture
def sweater():
    return make_product("Harbour Sweater", slug="harbour", option_names=("Size",), variants=[
        {"sku": "H-S", "options": {"Size": "S"}, "price": 2500, "stock": 3},
        {"sku": "H-M", "options": {"Size": "M"}, "price": 4000, "stock": 10},
    ])


def add(client, product, variant, quantity="1", **extra):
    return client.post("/cart/add", data={"product_id": product.id, "variant_id": variant.id,
                                          "quantity": quantity, **extra})


def test_an_empty_cart_invites_the_shopper_to_keep_shopping(client):
    page = client.get("/cart/").get_data(as_text=True)
    assert "Your cart is empty." in page and "Continue shopping" in page
    assert cart_count() == 0


def test_adding_creates_the_cart_keeps_its_token_and_says_so(client, sweater):
    response = add(client, sweater, sweater.variants[0], "2")
    assert response.status_code == 303 and response.headers["Location"].endswith("/cart/")
    with client.session_transaction() as session:
        token = session["cart_token"]
    assert db.session.scalar(sa.select(Cart.token)) == token
    assert lines() == [("H-S", 2)]

    page = client.get("/cart/").get_data(as_text=True)
    assert "Added to your cart: Harbour Sweater (S)." in page
    assert re.search(r'data-cart-count\s+aria-label="2 items in your cart">2<', page)


def test_adding_the_same_variant_again_merges_the_line(client, sweater):
    add(client, sweater, sweater.variants[1], "2")
    add(client, sweater, sweater.variants[1], "3")
    assert lines() == [("H-M", 5)]
    assert cart_count() == 1


def test_the_cart_page_shows_lines_shipping_vat_and_total(client, sweater):
    add(client, sweater, sweater.variants[0], "1")
    page = client.get("/cart/").get_data(as_text=True)
    assert "Harbour Sweater" in page and "€25.00</span> each" in page
    assert "data-subtotal>€25.00<" in page
    assert "data-shipping>€4.95<" in page
    assert "data-total>€29.95<" in page
    # 29.95 gross at 21 %: 29.95 − round(2995 / 1.21) = 5.20
    assert "Includes €5.20 VAT (21%)." in page
    assert "Add €35.00 more for free shipping." in page

    add(client, sweater, sweater.variants[1], "1")
    page = client.get("/cart/").get_data(as_text=True)
    assert "data-shipping>Free<" in page and "data-total>€65.00<" in page
    assert "Your order ships free." in page


@pytest.fixture
def throw_on_sale():
    return make_product("Check Throw", slug="throw", option_names=(), variants=[
        {"sku": "THRW", "options": {}, "price": 12900, "compare_at_price": 15900, "stock": 5}])


def sale_shown(html: str) -> str:
    """The price, the struck-through compare-at price and the badge of the first line's unit price
    or of the product page's price, tags and spacing made plain."""
    found = re.search(r'<p class="(?:cart-line-unit" data-line-unit|product-price" aria-live="polite")>(.*?)</p>',
                      html, re.S)
    assert found, "no price shown"
    part = re.sub(r'\s*<span class="price-now is-sale"[^>]*>(.*?)</span>', r" now \1", found.group(1))
    was = r'<s class="price-was"[^>]*><span class="visually-hidden">was </span>(?:<span[^>]*>)?(.*?)(?:</span>)?</s>'
    part = re.sub(was, r" was \1", part)
    part = re.sub(r'<span class="badge badge-sale"[^>]*>(.*?)</span>', r" badge \1", part)
    return " ".join(part.split())


def test_a_line_on_sale_shows_the_sale_as_the_product_page_does(client, throw_on_sale):
    product_page = client.get("/p/throw").get_data(as_text=True)
    assert sale_shown(product_page) == "now €129.00 was €159.00 badge Sale"

    add(client, throw_on_sale, throw_on_sale.variants[0])
    cart = client.get("/cart/").get_data(as_text=True)
    assert sale_shown(cart) == "now €129.00 each was €159.00 badge Sale"
    assert re.search(r"data-line-total>\s*€129\.00\s*</p>", cart)  # no offer: nothing more to say


def test_with_an_offer_the_only_price_struck_through_is_still_the_compare_at_price(client, throw_on_sale):
    make_offer(name="Page friends week", percent=15)
    add(client, throw_on_sale, throw_on_sale.variants[0])
    cart = client.get("/cart/").get_data(as_text=True)
    line = re.search(r"<li class=\"cart-line.*?</li>", cart, re.S).group(0)
    # €159.00 struck through, as on the product page; the offer's €19.35 said in words (not a
    # struck-through €129.00 beside "€129.00 each", which read as if the sale price were gone).
    assert re.findall(r"<s[ >].*?</s>", line, re.S) == [
        '<s class="price-was" data-line-compare><span class="visually-hidden">was </span>€159.00</s>']
    assert "You save €19.35" in line and "€109.65" in line
    assert "data-discount>−€19.35<" in cart and "data-total>€109.65<" in cart


def test_price_and_total_fields_sent_by_the_client_are_ignored(client, sweater):
    add(client, sweater, sweater.variants[0], "1", price="1", unit_price="0.01", total="0")
    page = client.get("/cart/").get_data(as_text=True)
    assert "data-subtotal>€25.00<" in page


@pytest.mark.parametrize("quantity, status, message", [
    ("0", 400, "Please enter a whole number of at least 1."),
    ("-1", 400, "Please enter a whole number of at least 1."),
    ("1.5", 400, "Please enter a whole number of at least 1."),
    ("abc", 400, "Please enter a whole number of at least 1."),
    ("", 400, "Please enter a whole number of at least 1."),
    ("1000000000", 400, "That quantity is too large."),
    ("100", 400, "You can buy at most 99 of one item."),
    ("4", 409, "Only 3 left in stock."),
])
def test_a_bad_quantity_re_renders_the_product_page_and_adds_nothing(client, sweater, quantity, status, message):
    response = add(client, sweater, sweater.variants[0], quantity)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    # Next to the quantity, which is marked invalid and described by it (the page opens there).
    assert f'<p class="field-error" id="quantity-error">{message}</p>' in page and "data-error>" not in page
    assert re.search(r'<input type="number" name="quantity"[^>]*aria-invalid="true" aria-describedby="quantity-error"', page)
    assert '<h1 class="product-title">Harbour Sweater</h1>' in page
    assert cart_count() == 0 and lines() == []
    # The language links lead back to the product page, not to the POST-only address.
    assert 'href="/p/harbour?lang=es"' in page


def test_adding_more_than_stock_in_two_steps_is_refused(client, sweater):
    add(client, sweater, sweater.variants[0], "2")
    response = add(client, sweater, sweater.variants[0], "2")
    assert response.status_code == 409
    assert "Only 3 left in stock." in response.get_data(as_text=True)
    assert lines() == [("H-S", 2)]


def test_an_unknown_variant_is_refused(client, sweater):
    response = client.post("/cart/add", data={"product_id": sweater.id, "variant_id": "999999", "quantity": "1"})
    assert response.status_code == 404
    assert "That product or option is not available." in response.get_data(as_text=True)
    response = client.post("/cart/add", data={"variant_id": "nope", "quantity": "1"})
    assert response.status_code == 404
    assert "That product or option is not available." in response.get_data(as_text=True)
    assert cart_count() == 0


def test_changing_the_quantity(client, sweater):
    add(client, sweater, sweater.variants[1], "1")
    response = client.post("/cart/update", data={"variant_id": sweater.variants[1].id, "quantity": "4"})
    assert response.status_code == 303
    assert lines() == [("H-M", 4)]
    page = client.get("/cart/").get_data(as_text=True)
    assert "Quantity updated: Harbour Sweater (M) × 4." in page
    assert "data-total>€160.00<" in page


@pytest.mark.parametrize("quantity, status, message", [
    ("0", 400, "Please enter a whole number of at least 1."),
    ("-1", 400, "Please enter a whole number of at least 1."),
    ("1.5", 400, "Please enter a whole number of at least 1."),
    ("abc", 400, "Please enter a whole number of at least 1."),
    ("1000000000", 400, "That quantity is too large."),
    ("11", 409, "Only 10 left in stock."),
])
def test_a_bad_quantity_change_is_refused_and_changes_nothing(client, sweater, quantity, status, message):
    add(client, sweater, sweater.variants[1], "2")
    response = client.post("/cart/update", data={"variant_id": sweater.variants[1].id, "quantity": quantity})
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert f"data-line-error>{message}<" in page and "data-error>" not in page  # beside the line, once
    field = re.search(rf'<input id="qty-{sweater.variants[1].id}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and "aria-describedby" in field  # the page opens at it
    assert "data-total>€80.00<" in page
    assert lines() == [("H-M", 2)]
    assert 'href="/cart/?lang=lv"' in page


def test_changing_a_line_that_is_not_in_the_cart(client, sweater):
    add(client, sweater, sweater.variants[1], "2")
    response = client.post("/cart/update", data={"variant_id": sweater.variants[0].id, "quantity": "1"})
    assert response.status_code == 404
    assert "That item is not in your cart." in response.get_data(as_text=True)
    assert lines() == [("H-M", 2)]


def test_changing_without_a_cart_says_the_cart_is_gone(client, sweater):
    response = client.post("/cart/update", data={"variant_id": sweater.variants[0].id, "quantity": "1"})
    assert response.status_code == 404
    assert "That cart does not exist or has expired." in response.get_data(as_text=True)
    assert cart_count() == 0


def test_removing_a_line(client, sweater):
    add(client, sweater, sweater.variants[0], "1")
    add(client, sweater, sweater.variants[1], "1")
    response = client.post("/cart/remove", data={"variant_id": sweater.variants[0].id})
    assert response.status_code == 303
    assert lines() == [("H-M", 1)]
    assert "The item was removed from your cart." in client.get("/cart/").get_data(as_text=True)


def test_removing_something_not_in_the_cart_changes_nothing(client, sweater):
    add(client, sweater, sweater.variants[0], "1")
    for bad in (sweater.variants[1].id, "abc", ""):
        response = client.post("/cart/remove", data={"variant_id": bad})
        assert response.status_code == 404
        assert "That item is not in your cart." in response.get_data(as_text=True) or \
            "That product or option is not available." in response.get_data(as_text=True)
    assert lines() == [("H-S", 1)]


def test_a_forgotten_cart_token_starts_a_new_cart(client, sweater):
    with client.session_transaction() as session:
        session["cart_token"] = "no-such-cart"
    assert "Your cart is empty." in client.get("/cart/").get_data(as_text=True)
    add(client, sweater, sweater.variants[0], "1")
    assert lines() == [("H-S", 1)]


def test_cart_actions_are_post_only(client):
    assert client.get("/cart/add").status_code == 405
    assert client.get("/cart/remove").status_code == 405


def test_a_cart_post_without_csrf_token_gets_a_clear_400_page(client, sweater, csrf_enabled):
    response = add(client, sweater, sweater.variants[0], "1")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your session expired or the form was already sent. Please reload the page and try again." in page
    assert cart_count() == 0


def test_a_cart_post_with_the_pages_csrf_token_works(client, sweater, csrf_enabled):
    # The product page is the same for every visitor: its form fetches the token when it is sent
    # (static/js/deferred-csrf.js, from the address the form names).
    page = client.get("/p/harbour").get_data(as_text=True)
    token_url = re.search(r'class="buy-form"[^>]*data-deferred-csrf="([^"]+)"', page).group(1)
    token = client.get(token_url).get_json()["csrf_token"]
    response = add(client, sweater, sweater.variants[0], "1", csrf_token=token)
    assert response.status_code == 303
    assert lines() == [("H-S", 1)]


def test_an_absurdly_large_id_in_a_cart_form_is_a_clear_refusal_not_a_crash(client):
    huge = "9" * 25
    for data in ({"variant_id": huge, "quantity": "1"},
                 {"variant_id": huge, "quantity": "1", "product_id": huge}):
        response = client.post("/cart/add", data=data)
        assert 400 <= response.status_code < 500
