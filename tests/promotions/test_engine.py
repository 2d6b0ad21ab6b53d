"""The engine, one rule at a time: what each benefit takes off, and why an offer did not apply.

Amounts are minor units (1999 is €19.99). Rounding rule: a percentage is rounded half up once,
on the offer's total over its target lines, never line by line; that whole amount is then
spread over the lines by largest remainder, so the shares add up to it exactly.
"""
import datetime as dt

from promotions.engine import AppliedOffer, EngineLine, OfferRule, Reason, Shopper, Verdict, evaluate

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
DIRECT = Shopper()
PAGE = ("meta", "brand-page")
OTHER_PAGE = ("meta", "someone-elses-page")


def line(price, quantity=1, product=1, categories=(), variant=None):
    return EngineLine(variant or product, product, frozenset(categories), quantity, price)


def offer(offer_id=1, benefit="percent", **terms):
    terms.setdefault("starts_at", NOW - dt.timedelta(days=1))
    terms.setdefault("ends_at", NOW + dt.timedelta(days=1))
    return OfferRule(id=offer_id, name=f"offer {offer_id}", benefit=benefit, **terms)


def reason(outcome, offer_id=1):
    return outcome.verdict(offer_id).reason


# --- percent: one rounding, half up, on the order ----------------------------------------------

def test_ten_percent_of_1999_is_200_rounded_half_up_once():
    outcome = evaluate([line(1999)], DIRECT, NOW, [offer(percent=10)])

    assert outcome.items_discount == 200  # 199.9 → 200
    assert outcome.line_discounts == (200,)


def test_a_half_minor_unit_rounds_up_and_less_than_half_rounds_down():
    assert evaluate([line(1995)], DIRECT, NOW, [offer(percent=10)]).items_discount == 200  # 199.5
    assert evaluate([line(1994)], DIRECT, NOW, [offer(percent=10)]).items_discount == 199  # 199.4


def test_a_percentage_is_rounded_once_on_the_order_not_on_each_line():
    # 10% of 5 + 5 + 5: per line it would be 0.5 → 1 three times (3); on the order, 1.5 → 2.
    outcome = evaluate([line(5, product=1), line(5, product=2), line(5, product=3)], DIRECT, NOW,
                       [offer(percent=10)])

    assert outcome.items_discount == 2
    assert outcome.line_discounts == (1, 1, 0)  # the remainders tie: the earlier lines get them


def test_a_percentage_off_a_product_takes_nothing_off_the_other_lines():
    outcome = evaluate([line(1000, product=1), line(3000, product=2)], DIRECT, NOW,
                       [offer(percent=25, target="products", product_ids=frozenset({2}))])

    assert outcome.line_discounts == (0, 750)


def test_a_percentage_off_a_category_reaches_products_of_its_subcategories():
    # The line carries its category and every ancestor: shoes (7) under clothing (3).
    outcome = evaluate([line(2000, product=1, categories={3, 7}), line(1000, product=2, categories={9})], DIRECT,
                       NOW, [offer(percent=50, target="categories", category_ids=frozenset({3}))])

    assert outcome.line_discounts == (1000, 0)


# --- fixed amounts ----------------------------------------------------------------------------

def test_five_euros_off_a_three_euro_cart_takes_three_euros_and_not_more():
    outcome = evaluate([line(300)], DIRECT, NOW, [offer(benefit="fixed", amount=500)], shipping=499)

    assert outcome.items_discount == 300
    assert outcome.shipping_discount == 0
    assert outcome.line_discounts == (300,)


def test_a_fixed_amount_is_taken_once_per_order_whatever_the_quantity():
    outcome = evaluate([line(1000, quantity=4)], DIRECT, NOW, [offer(benefit="fixed", amount=500)])

    assert outcome.items_discount == 500


# --- the spread over lines, and refunds --------------------------------------------------------

def test_an_order_discount_is_spread_over_three_lines_exactly_and_a_refund_of_one_line_is_its_share():
    lines = [line(1000, product=1), line(2000, product=2), line(3000, product=3)]
    outcome = evaluate(lines, DIRECT, NOW, [offer(benefit="fixed", amount=1000)])

    # Quotas 166.67, 333.33, 500: the largest remainder (the first line's) gets the odd unit.
    assert outcome.line_discounts == (167, 333, 500)
    assert sum(outcome.line_discounts) == outcome.items_discount == 1000
    paid = [l.unit_price * l.quantity - d for l, d in zip(lines, outcome.line_discounts)]
    assert sum(paid) == 6000 - 1000
    # Refunding the second line gives back what was paid for it; the rest of the order is unchanged.
    refund = paid[1]
    assert refund == 2000 - 333
    assert sum(paid) - refund == paid[0] + paid[2]


def test_equal_lines_with_an_odd_unit_give_it_to_the_earlier_line():
    outcome = evaluate([line(1000, product=p) for p in (1, 2, 3)], DIRECT, NOW, [offer(benefit="fixed", amount=100)])

    assert outcome.line_discounts == (34, 33, 33)


def test_every_applied_offer_has_its_own_shares_per_line():
    lines = [line(1000, product=1), line(3000, product=2)]
    outcome = evaluate(lines, DIRECT, NOW, [
        offer(1, benefit="fixed", amount=400, priority=1),
        offer(2, percent=10, target="products", product_ids=frozenset({2}))])

    first, second = outcome.applied  # the offer on a product first, then the one on the order
    assert first == AppliedOffer(2, "offer 2", (0, 300), 300, 0)
    assert second == AppliedOffer(1, "offer 1", (108, 292), 400, 0)  # spread over 1000 and the 2700 left
    assert outcome.line_discounts == (108, 592)


# --- buy X get Y ---------------------------------------------------------------------------------

def test_buy_two_get_one_gives_the_cheapest_unit_free():
    lines = [line(3000, product=1), line(1000, product=2), line(2000, product=3)]
    outcome = evaluate(lines, DIRECT, NOW, [offer(benefit="bxgy", buy_qty=2, get_qty=1)])

    assert outcome.line_discounts == (0, 1000, 0)


def test_buy_two_get_one_with_seven_units_gives_two_free_and_they_are_the_cheapest():
    lines = [line(500, quantity=3, product=1), line(100, quantity=1, product=2), line(900, quantity=3, product=3)]
    outcome = evaluate(lines, DIRECT, NOW, [offer(benefit="bxgy", buy_qty=2, get_qty=1)])

    assert outcome.line_discounts == (500, 100, 0)


def test_a_free_gift_in_the_cart_counts_as_the_cheapest_unit_of_buy_one_get_one():
    # Bug found by the property tests: a €0 line was left out of the groups, so the €0.01
    # unit came free although the free gift was the cheapest of the three units.
    lines = [line(0, product=1), line(1, quantity=2, product=2)]
    outcome = evaluate(lines, DIRECT, NOW, [offer(benefit="bxgy", buy_qty=1, get_qty=1)])

    assert outcome.discount == 0
    assert reason(outcome) == Reason.NOTHING_OFF


def test_buy_two_get_one_with_two_units_says_how_many_to_add():
    outcome = evaluate([line(1000, quantity=2)], DIRECT, NOW, [offer(benefit="bxgy", buy_qty=2, get_qty=1)])

    assert outcome.verdict(1) == Verdict(1, Reason.MIN_QUANTITY, missing=1)
    assert outcome.discount == 0


# --- free shipping -----------------------------------------------------------------------------

def test_free_shipping_takes_the_shipping_and_nothing_off_the_items():
    outcome = evaluate([line(2000)], DIRECT, NOW, [offer(benefit="free_shipping")], shipping=499)

    assert outcome.shipping_discount == 499
    assert outcome.items_discount == 0
    assert outcome.line_discounts == (0,)
    assert outcome.discount == 499


def test_free_shipping_on_a_pickup_order_takes_nothing_off_and_says_so():
    outcome = evaluate([line(2000)], DIRECT, NOW, [offer(benefit="free_shipping")], shipping=0)

    assert outcome.applied == ()
    assert reason(outcome) == Reason.NOTHING_OFF


def test_free_shipping_with_a_discount_on_a_pickup_order_is_nothing_off_not_not_combined():
    # Bug found by the property tests: it said "another offer gives you more".
    outcome = evaluate([line(2000)], DIRECT, NOW, [offer(1, percent=10), offer(2, benefit="free_shipping")],
                       shipping=0)

    assert reason(outcome, 1) == Reason.APPLIED
    assert reason(outcome, 2) == Reason.NOTHING_OFF


def test_a_second_free_shipping_offer_finds_nothing_left_to_take_off():
    outcome = evaluate([line(2000)], DIRECT, NOW, [offer(1, benefit="free_shipping", priority=1),
                                                    offer(2, benefit="free_shipping")], shipping=499)

    assert outcome.shipping_discount == 499
    assert reason(outcome, 1) == Reason.APPLIED
    assert reason(outcome, 2) == Reason.NOTHING_OFF


# --- conditions ----------------------------------------------------------------------------------

def test_a_cart_under_the_minimum_subtotal_is_told_how_much_to_add():
    outcome = evaluate([line(1500, quantity=2), line(1200)], DIRECT, NOW,
                       [offer(benefit="free_shipping", min_subtotal=5000)], shipping=499)

    assert outcome.verdict(1) == Verdict(1, Reason.MIN_SUBTOTAL, missing=800)
    assert outcome.discount == 0


def test_a_cart_at_exactly_the_minimum_subtotal_gets_the_offer():
    outcome = evaluate([line(2500, quantity=2)], DIRECT, NOW, [offer(benefit="free_shipping", min_subtotal=5000)],
                       shipping=499)

    assert reason(outcome) == Reason.APPLIED


def test_a_cart_under_the_minimum_quantity_of_target_items_is_told_how_many_to_add():
    lines = [line(1000, quantity=2, product=1), line(1000, quantity=5, product=2)]
    outcome = evaluate(lines, DIRECT, NOW, [offer(percent=10, target="products", product_ids=frozenset({1}),
                                                  min_quantity=3)])

    assert outcome.verdict(1) == Verdict(1, Reason.MIN_QUANTITY, missing=1)


def test_an_offer_on_products_not_in_the_cart_has_no_target_items():
    outcome = evaluate([line(1000, product=1)], DIRECT, NOW,
                       [offer(percent=10, target="products", product_ids=frozenset({2}))])

    assert reason(outcome) == Reason.NO_TARGET_ITEMS


# --- audiences -----------------------------------------------------------------------------------

def test_a_tab_visitor_offer_is_refused_to_a_shopper_who_came_directly():
    tab_offer = offer(percent=20, audience="tab_visitors", audience_pages=frozenset({PAGE}))

    outcome = evaluate([line(1000)], DIRECT, NOW, [tab_offer])

    assert reason(outcome) == Reason.TAB_ONLY
    assert outcome.discount == 0


def test_a_tab_visitor_offer_applies_to_a_shopper_launched_from_a_listed_page_only():
    tab_offer = offer(percent=20, audience="tab_visitors", audience_pages=frozenset({PAGE}))

    from_page = evaluate([line(1000)], Shopper(launch=PAGE), NOW, [tab_offer])
    from_other_page = evaluate([line(1000)], Shopper(launch=OTHER_PAGE), NOW, [tab_offer])

    assert reason(from_page) == Reason.APPLIED
    assert from_page.items_discount == 200
    assert reason(from_other_page) == Reason.TAB_ONLY
    assert from_other_page.discount == 0


def test_a_tab_visitor_offer_without_listed_pages_applies_to_any_verified_launch():
    outcome = evaluate([line(1000)], Shopper(launch=OTHER_PAGE), NOW, [offer(percent=20, audience="tab_visitors")])

    assert reason(outcome) == Reason.APPLIED


def test_a_code_holder_offer_applies_only_to_a_shopper_whose_code_was_accepted_for_it():
    code_offer = offer(7, percent=15, audience="code_holders")

    assert reason(evaluate([line(1000)], DIRECT, NOW, [code_offer]), 7) == Reason.CODE_ONLY
    assert reason(evaluate([line(1000)], Shopper(code_offer_ids=frozenset({8})), NOW, [code_offer]), 7) \
        == Reason.CODE_ONLY
    holder = evaluate([line(1000)], Shopper(code_offer_ids=frozenset({7})), NOW, [code_offer])
    assert reason(holder, 7) == Reason.APPLIED
    assert holder.items_discount == 150


def test_a_members_offer_applies_only_to_a_shopper_signed_in_with_the_platform():
    members = offer(percent=10, audience="members")

    assert reason(evaluate([line(1000)], Shopper(launch=PAGE), NOW, [members])) == Reason.MEMBERS_ONLY
    assert reason(evaluate([line(1000)], Shopper(launch=PAGE, member=True), NOW, [members])) == Reason.APPLIED


def test_a_first_order_offer_waits_for_the_email_then_applies_to_a_first_order_only():
    first = offer(benefit="fixed", amount=500, audience="first_order")

    assert reason(evaluate([line(1000)], Shopper(first_order=None), NOW, [first])) == Reason.FIRST_ORDER_UNKNOWN
    assert reason(evaluate([line(1000)], Shopper(first_order=False), NOW, [first])) == Reason.FIRST_ORDER_ONLY
    welcome = evaluate([line(1000)], Shopper(first_order=True), NOW, [first])
    assert reason(welcome) == Reason.APPLIED
    assert welcome.items_discount == 500


# --- caps and the clock --------------------------------------------------------------------------

def test_a_sold_out_offer_does_not_apply():
    outcome = evaluate([line(1000)], DIRECT, NOW, [offer(percent=10, sold_out=True)])

    assert reason(outcome) == Reason.SOLD_OUT
    assert outcome.discount == 0


def test_an_offer_this_customer_has_used_up_does_not_apply():
    outcome = evaluate([line(1000)], Shopper(used_up_offer_ids=frozenset({1})), NOW, [offer(percent=10)])

    assert reason(outcome) == Reason.USED_UP


def test_an_offer_not_started_ended_ended_early_or_still_a_draft_does_not_apply():
    hour = dt.timedelta(hours=1)
    offers = [offer(1, percent=10, starts_at=NOW + hour, ends_at=NOW + 2 * hour),
              offer(2, percent=10, starts_at=NOW - 2 * hour, ends_at=NOW - hour),
              offer(3, percent=10, state="ended_early"),
              offer(4, percent=10, state="draft")]

    outcome = evaluate([line(1000)], DIRECT, NOW, offers)

    assert [v.reason for v in outcome.verdicts] == [Reason.NOT_STARTED, Reason.ENDED, Reason.ENDED,
                                                    Reason.NOT_STARTED]
    assert outcome.applied == ()


def test_no_offers_leave_every_line_at_its_price():
    outcome = evaluate([line(1000), line(2000, product=2)], DIRECT, NOW, [])

    assert outcome.line_discounts == (0, 0)
    assert outcome.discount == 0


# --- combination ---------------------------------------------------------------------------------

def test_combinable_offers_apply_together_highest_priority_first():
    # Percent first: 1000 off 10000, then 1000 fixed = 2000. (Fixed first would give 1900.)
    outcome = evaluate([line(10_000)], DIRECT, NOW, [offer(1, benefit="fixed", amount=1000, priority=1),
                                                     offer(2, percent=10, priority=5)])

    assert [a.offer_id for a in outcome.applied] == [2, 1]
    assert outcome.items_discount == 2000


def test_an_order_discount_is_taken_after_three_for_two_so_the_free_hat_takes_none_of_it():
    """€10 off the order was spread over three hats before 3-for-2 made one free: €2.48 of it went
    on the free hat and was lost, so the shopper got €7.52 off (the audit's €80.48, not €78.00)."""
    hats = [line(3900, product=1, categories={7}), line(2900, product=2, categories={7}),
            line(4900, product=3, categories={7})]
    code = offer(1, benefit="fixed", amount=1000, priority=10)  # a higher priority than the hats'
    three_for_two = offer(2, benefit="bxgy", buy_qty=2, get_qty=1, target="categories",
                          category_ids=frozenset({7}))

    outcome = evaluate(hats, DIRECT, NOW, [code, three_for_two])

    assert [(a.offer_id, a.discount) for a in outcome.applied] == [(2, 2900), (1, 1000)]
    assert outcome.items_discount == 3900  # 117.00 − 39.00 = 78.00
    assert outcome.line_discounts[1] == 2900  # the free hat: its price, no more, no less
    assert sum(outcome.line_discounts) == outcome.items_discount


def test_a_percentage_off_the_order_is_taken_after_an_offer_on_a_product():
    # 20 % off socks (product 2) first, then 10 % off the order on what is left.
    outcome = evaluate([line(5000, product=1), line(2000, product=2)], DIRECT, NOW,
                       [offer(1, percent=10, priority=9), offer(2, percent=20, target="products",
                                                                product_ids=frozenset({2}))])

    assert [(a.offer_id, a.discount) for a in outcome.applied] == [(2, 400), (1, 660)]


def test_combinable_offers_are_not_combined_when_a_better_exclusive_offer_exists():
    offers = [offer(1, percent=10), offer(2, benefit="free_shipping"), offer(3, percent=30, exclusive=True)]

    outcome = evaluate([line(10_000)], DIRECT, NOW, offers, shipping=499)

    assert [a.offer_id for a in outcome.applied] == [3]
    assert outcome.discount == 3000
    assert reason(outcome, 1) == reason(outcome, 2) == Reason.NOT_COMBINED


def test_an_exclusive_offer_gives_way_to_combinable_offers_that_give_more_together():
    offers = [offer(1, percent=10), offer(2, benefit="free_shipping"), offer(3, percent=12, exclusive=True)]

    outcome = evaluate([line(10_000)], DIRECT, NOW, offers, shipping=499)

    assert sorted(a.offer_id for a in outcome.applied) == [1, 2]
    assert outcome.discount == 1000 + 499
    assert reason(outcome, 3) == Reason.NOT_COMBINED


def test_two_exclusive_offers_never_apply_together_the_better_one_wins():
    offers = [offer(1, percent=10, exclusive=True), offer(2, benefit="fixed", amount=1500, exclusive=True)]

    outcome = evaluate([line(10_000)], DIRECT, NOW, offers)

    assert [a.offer_id for a in outcome.applied] == [2]
    assert reason(outcome, 1) == Reason.NOT_COMBINED


def test_on_an_equal_discount_the_offer_with_the_higher_priority_wins():
    offers = [offer(1, percent=10, exclusive=True, priority=1),
              offer(2, benefit="fixed", amount=1000, exclusive=True, priority=3)]

    outcome = evaluate([line(10_000)], DIRECT, NOW, offers)

    assert [a.offer_id for a in outcome.applied] == [2]
    assert reason(outcome, 1) == Reason.NOT_COMBINED


def test_on_an_equal_discount_and_priority_the_older_offer_wins_whatever_the_order_given():
    offers = [offer(9, benefit="fixed", amount=1000, exclusive=True),
              offer(4, percent=10, exclusive=True)]

    assert [a.offer_id for a in evaluate([line(10_000)], DIRECT, NOW, offers).applied] == [4]
    assert [a.offer_id for a in evaluate([line(10_000)], DIRECT, NOW, offers[::-1]).applied] == [4]


def test_an_exclusive_offer_ties_with_a_combination_by_the_combinations_best_priority():
    offers = [offer(1, percent=5, priority=2), offer(2, benefit="fixed", amount=500, priority=0),
              offer(3, benefit="fixed", amount=1000, exclusive=True, priority=1)]

    outcome = evaluate([line(10_000)], DIRECT, NOW, offers)

    assert sorted(a.offer_id for a in outcome.applied) == [1, 2]
    assert reason(outcome, 3) == Reason.NOT_COMBINED


def test_the_verdicts_come_in_priority_order_with_one_for_every_offer():
    offers = [offer(1, percent=10), offer(2, percent=10, priority=4, audience="members"),
              offer(3, benefit="free_shipping", min_subtotal=50_000)]

    outcome = evaluate([line(1000)], DIRECT, NOW, offers, shipping=499)

    assert outcome.verdicts == (Verdict(2, Reason.MEMBERS_ONLY), Verdict(1, Reason.APPLIED),
                                Verdict(3, Reason.MIN_SUBTOTAL, missing=49_000))
