"""Cart rules shared by pages and the API: quantities, stock, unknown items."""
import pytest

from storefront.cart import service
from storefront.cart.models import Cart, CartLine
from storefront.extensions import db
from tests.factories import make_product


@pytest.fixture(autouse=True)
def request_context(app):
    # Messages are translated lazily, in the shopper's language, which needs a request.
    with app.test_request_context("/"):
        yield


@pytest.mark.parametrize("raw", [0, -1, "0", "-1", "1.5", 1.5, "abc", "", None, True, "1e3", "NaN", "10" * 10])
def test_quantities_that_are_not_whole_positive_numbers_are_refused(raw):
    with pytest.raises(service.InvalidQuantity) as error:
        service.parse_quantity(raw)
    assert error.value.field == "quantity"
    assert error.value.status == 400


@pytest.mark.parametrize("raw, expected", [(1, 1), ("3", 3), (" 7 ", 7), ("2.0", 2), (99, 99)])
def test_whole_quantities_are_accepted(raw, expected):
    assert service.parse_quantity(raw) == expected


def test_a_quantity_above_the_line_limit_is_refused_with_the_limit():
    with pytest.raises(service.InvalidQuantity) as error:
        service.parse_quantity(10**9)
    assert "99" in str(error.value.message)


def test_adding_the_same_variant_twice_merges_into_one_line():
    product = make_product(variants=[{"stock": 5}])
    cart = service.create_cart()
    variant = product.variants[0]
    service.add_item(cart, variant, 2)
    service.add_item(cart, variant, 1)
    lines = db.session.scalars(db.select(CartLine)).all()
    assert [(l.variant_id, l.quantity) for l in lines] == [(variant.id, 3)]


def test_more_than_the_stock_is_refused_and_the_cart_is_unchanged():
    product = make_product(variants=[{"stock": 3}])
    cart = service.create_cart()
    service.add_item(cart, product.variants[0], 2)
    with pytest.raises(service.InsufficientStock) as error:
        service.add_item(cart, product.variants[0], 2)
    assert error.value.details["available"] == 3
    assert db.session.scalar(db.select(CartLine.quantity)) == 2


def test_a_sold_out_variant_says_sold_out():
    product = make_product(variants=[{"stock": 0}])
    cart = service.create_cart()
    with pytest.raises(service.InsufficientStock) as error:
        service.add_item(cart, product.variants[0], 1)
    assert "sold out" in str(error.value.message)


def test_an_inactive_products_variant_cannot_be_found():
    product = make_product(active=False)
    with pytest.raises(service.UnknownVariant):
        service.find_variant(sku=product.variants[0].sku)
    with pytest.raises(service.UnknownVariant):
        service.find_variant(variant_id="abc")


def test_the_cart_view_prices_lines_at_current_catalog_prices():
    product = make_product(variants=[{"price": 1000, "stock": 10}])
    cart = service.create_cart()
    service.add_item(cart, product.variants[0], 2)
    product.variants[0].price = 1500  # the shop changed the price after it was added
    db.session.commit()
    view = service.load_cart_view(service.get_cart(cart.token))
    assert view.totals.items_subtotal == 3000
    assert view.totals.total == 3000 + 495


def test_an_unknown_cart_token_is_not_found():
    with pytest.raises(service.CartNotFound):
        service.get_cart("no-such-token")
    with pytest.raises(service.CartNotFound):
        service.get_cart(None)


@pytest.mark.parametrize("raw", ["9999999999999999999999999", "-5", "0", 2**31])
def test_ids_no_variant_could_have_are_unknown_not_a_crash(raw):
    with pytest.raises(service.UnknownVariant):
        service.find_variant(variant_id=raw)


def test_a_first_add_without_a_cart_creates_the_cart_with_its_line():
    product = make_product(variants=[{"stock": 5}])
    line = service.add_item(None, product.variants[0], 2)
    db.session.commit()
    cart = service.get_cart(line.cart.token)
    assert [(l.variant_id, l.quantity) for l in cart.lines] == [(product.variants[0].id, 2)]


def test_a_refused_first_add_leaves_no_empty_cart_behind():
    product = make_product(variants=[{"stock": 1}])
    with pytest.raises(service.InsufficientStock):
        service.add_item(None, product.variants[0], 2)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Cart.id))) == 0


def test_a_refused_change_leaves_the_cart_as_it_was():
    product = make_product(variants=[{"stock": 3}])
    cart = service.create_cart()
    service.add_item(cart, product.variants[0], 1)
    with pytest.raises(service.InsufficientStock):
        service.set_quantity(cart, product.variants[0].id, 4)
    with pytest.raises(service.UnknownVariant):
        service.remove_line(cart, 999_999)
    db.session.commit()
    assert db.session.scalar(db.select(CartLine.quantity)) == 1


def test_the_checkout_and_the_cart_page_see_a_cart_through_the_same_line_items():
    product = make_product(variants=[{"price": 1200, "stock": 4}])
    cart = service.create_cart()
    service.add_item(cart, product.variants[0], 3)
    lines = list(service.get_cart(cart.token).lines)
    [item] = service.line_items(lines)
    assert (item.variant_id, item.quantity, item.unit_price, item.product_id) == \
        (product.variants[0].id, 3, 1200, product.id)
    assert product.category_id in item.category_ids
    assert service.offers_for(None) is None
