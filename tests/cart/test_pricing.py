"""The pricing rules: what a cart costs, computed in one place, exact to the cent."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.cart.pricing import LineItem, PricingRules, compute_tax, price_cart

# Pure functions: nothing here reads or writes the database, so the PostgreSQL pass leaves it out.
pytestmark = pytest.mark.database_independent

EU = PricingRules(currency="EUR", prices_include_tax=True, tax_rate_bps=2100,
                  shipping_flat_rate=495, free_shipping_threshold=6000)
US = PricingRules(currency="USD", prices_include_tax=False, tax_rate_bps=825,
                  shipping_flat_rate=500, free_shipping_threshold=None)


def test_an_empty_cart_costs_nothing_and_ships_for_free():
    totals = price_cart([], EU)
    assert (totals.items_subtotal, totals.shipping, totals.tax, totals.total) == (0, 0, 0, 0)


def test_tax_included_prices_show_the_vat_inside_the_total():
    totals = price_cart([LineItem(1, 2, 2500)], EU)
    assert totals.items_subtotal == 5000
    assert totals.shipping == 495
    assert totals.total == 5495
    # 5495 / 1.21 = 4541.32… → net 4541, VAT 954
    assert totals.tax == 954
    assert totals.tax_included is True
    assert totals.free_shipping_remaining == 1000


def test_shipping_is_free_from_the_threshold():
    totals = price_cart([LineItem(1, 1, 6000)], EU)
    assert totals.shipping == 0
    assert totals.free_shipping_remaining == 0
    assert totals.total == 6000


def test_tax_excluded_prices_add_the_tax_to_the_total():
    totals = price_cart([LineItem(1, 3, 1999)], US)
    net = 3 * 1999 + 500
    assert totals.tax == 536  # 6497 * 0.0825 = 536.0025
    assert totals.total == net + 536
    assert totals.free_shipping_remaining is None


def test_tax_rounds_half_away_from_zero():
    rules = PricingRules("EUR", False, 1000, 0, None)
    assert compute_tax(5, rules) == 1   # 0.5 → 1
    assert compute_tax(4, rules) == 0   # 0.4 → 0
    assert compute_tax(15, rules) == 2  # 1.5 → 2


rules_strategy = st.builds(
    PricingRules,
    currency=st.just("EUR"),
    prices_include_tax=st.booleans(),
    tax_rate_bps=st.integers(0, 3000),
    shipping_flat_rate=st.integers(0, 2000),
    free_shipping_threshold=st.one_of(st.none(), st.integers(0, 20000)),
)
lines_strategy = st.lists(
    st.builds(LineItem, variant_id=st.integers(1, 10**6), quantity=st.integers(1, 99),
              unit_price=st.integers(0, 100000)),
    max_size=8,
)


@given(lines_strategy, rules_strategy)
def test_the_total_is_always_the_sum_of_its_parts(lines, rules):
    totals = price_cart(lines, rules)
    assert totals.items_subtotal == sum(l.quantity * l.unit_price for l in lines)
    assert sum(line.total for line in totals.lines) == totals.items_subtotal - totals.discount
    expected = totals.items_subtotal - totals.discount + totals.shipping
    if not rules.prices_include_tax:
        expected += totals.tax
    assert totals.total == expected
    assert totals.total >= 0 and 0 <= totals.tax <= totals.total
    assert price_cart(lines, rules) == totals  # same inputs, same answer
