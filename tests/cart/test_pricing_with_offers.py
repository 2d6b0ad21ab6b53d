"""Offers enter the total in one place, price_cart, between the items and shipping."""
import datetime as dt

import pytest

from storefront.cart.pricing import LineItem, Offers, PricingRules, price_cart
from promotions.engine import OfferRule, Shopper

# Pure functions: nothing here reads or writes the database, so the PostgreSQL pass leaves it out.
pytestmark = pytest.mark.database_independent

EU = PricingRules(currency="EUR", prices_include_tax=True, tax_rate_bps=2100,
                  shipping_flat_rate=495, free_shipping_threshold=6000)
NOW = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)
WINDOW = {"starts_at": NOW - dt.timedelta(days=1), "ends_at": NOW + dt.timedelta(days=1)}


def offers(*rules, shopper=Shopper()):
    return Offers(tuple(rules), shopper, NOW)


def test_a_percentage_off_lowers_the_lines_and_the_tax_and_the_shipping_threshold_uses_the_discounted_items():
    rule = OfferRule(1, "10%", "percent", percent=10, **WINDOW)
    totals = price_cart([LineItem(1, 1, 3000, product_id=1), LineItem(2, 1, 3000, product_id=2)], EU,
                        offers=offers(rule))
    assert totals.items_subtotal == 6000
    assert totals.discount == 600
    assert [line.discount for line in totals.lines] == [300, 300]
    # 5400 of items is below the 60.00 free-shipping threshold again.
    assert totals.shipping == 495
    assert totals.total == 5400 + 495
    assert totals.tax == 5895 - round(5895 / 1.21)


def test_free_shipping_takes_the_shipping_charge_only():
    rule = OfferRule(1, "Free shipping", "free_shipping", **WINDOW)
    totals = price_cart([LineItem(1, 1, 2000, product_id=1)], EU, offers=offers(rule))
    assert (totals.discount, totals.shipping, totals.shipping_discount, totals.total) == (0, 0, 495, 2000)
    assert totals.free_shipping_remaining == 0  # it ships free: the cart says so


def test_free_shipping_competes_at_its_real_value_against_an_exclusive_item_discount():
    # €3 off (exclusive) against free shipping worth €4.95 (exclusive): the shopper gets the larger.
    fixed = OfferRule(1, "€3 off", "fixed", amount=300, exclusive=True, priority=5, **WINDOW)
    free = OfferRule(2, "Free shipping", "free_shipping", exclusive=True, **WINDOW)
    totals = price_cart([LineItem(1, 1, 2000, product_id=1)], EU, offers=offers(fixed, free))
    assert [a.offer_id for a in totals.offers.applied] == [2]
    assert totals.total == 2000


def test_an_offer_the_shopper_does_not_qualify_for_changes_nothing_and_says_why():
    rule = OfferRule(1, "Tab only", "percent", percent=50, audience="tab_visitors", **WINDOW)
    totals = price_cart([LineItem(1, 1, 2000, product_id=1)], EU, offers=offers(rule))
    assert totals.total == 2495
    assert totals.offers.verdict(1).reason == "tab_only"
    launched = price_cart([LineItem(1, 1, 2000, product_id=1)], EU,
                          offers=offers(rule, shopper=Shopper(launch=("meta", "1001"))))
    assert launched.total == 1000 + 495


def test_a_free_shipping_offer_that_takes_nothing_off_is_not_applied_and_holds_no_redemption():
    # The shop's own threshold (60.00) already makes shipping free for a 61.00 cart: the exclusive
    # free-shipping offer is worth nothing, so it must not count as used.
    small = OfferRule(1, "2%", "percent", percent=2, **WINDOW)
    free = OfferRule(2, "Free shipping", "free_shipping", exclusive=True, priority=5, **WINDOW)
    totals = price_cart([LineItem(1, 1, 6100, product_id=1)], EU, offers=offers(small, free))
    assert all(a.discount > 0 for a in totals.offers.applied)
    assert 2 not in [a.offer_id for a in totals.offers.applied]
    assert totals.total == sum(line.total for line in totals.lines) + totals.shipping
