"""Redemptions move an offer's counters exactly once: held with the stock, confirmed with the
payment, released with the hold, taken again by a late payment while the cap allows, and a store
code is redeemed once. Behind the code, the database's CHECK constraints refuse a counter past
its cap, whoever writes it."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from promotions import redemptions
from promotions import service as offers_service
from promotions.models import CustomerUse, Offer, OfferCode, Redemption
from promotions.thanks import code_for_order
from storefront.cart import service as carts
from storefront.catalog.models import Variant
from storefront.checkout import service as checkout
from storefront.checkout.service import ShopperDetails, TotalChanged, place_order
from storefront.extensions import db
from storefront.orders.models import Order, OrderStatus
from storefront.payments import refunds
from storefront.payments import service as payments
from tests.conftest import wait_for
from tests.factories import make_product, make_user
from tests.payments.test_stripe import VISA, fresh, pay_as_shopper
from tests.promotions.conftest import make_code as make_any_code
from tests.promotions.conftest import make_offer

UTC = dt.timezone.utc


def make_code(offer: Offer, code: str, **fields) -> OfferCode:
    """A single-use code from a batch unless told otherwise."""
    return make_any_code(offer, code, **{"kind": "unique", "channel": "web", **fields})


def order_with_offers(variant: Variant, *, email="anna@example.com", payment_method="bank_transfer",
                      code: str | None = None) -> Order:
    """An order placed as the checkout page places it, with the live offers for this shopper."""
    cart = carts.create_cart()
    carts.add_item(cart, variant, 1)
    details = ShopperDetails(email=email, full_name="Anna Bērziņa", address_line1="Brīvības iela 1", city="Rīga",
                             postal_code="LV-1010", country="LV", shipping_method="standard",
                             payment_method=payment_method)
    with current_app.test_request_context("/"):
        now = dt.datetime.now(UTC)
        pricing = offers_service.pricing_context(now=now, code=code)
        return place_order(cart.token, details, now=now, pricing=pricing)


def state(offer_id: int, order_id: int | None = None) -> dict:
    """The counters as the database has them now."""
    db.session.commit()
    result = {"count": db.session.scalar(sa.select(Offer.redemptions_count).where(Offer.id == offer_id)),
              "uses": dict(db.session.execute(sa.select(CustomerUse.customer_key, CustomerUse.uses)
                                              .where(CustomerUse.offer_id == offer_id)).all())}
    if order_id is not None:
        result["status"] = db.session.scalar(sa.select(Redemption.status).where(
            Redemption.offer_id == offer_id, Redemption.order_id == order_id))
    return result


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


# --- hold, confirm, release ------------------------------------------------------------------

def test_an_order_holds_one_redemption_per_applied_offer_with_its_stock():
    product = make_product(variants=[{"price": 2500, "stock": 5}])
    offer = make_offer(cap_total=10, cap_per_customer=2)
    order = order_with_offers(product.variants[0])
    assert order.discount == 250
    assert state(offer.id, order.id) == {"count": 1, "uses": {"email:anna@example.com": 1}, "status": "held"}
    redemption = db.session.scalar(sa.select(Redemption).where(Redemption.order_id == order.id))
    assert redemption.discount == 250 and redemption.customer_keys == ["email:anna@example.com"]


def test_a_release_gives_the_counters_back_once_however_often_it_is_called():
    product = make_product(variants=[{"stock": 5}])
    offer = make_offer(cap_total=10, cap_per_customer=1)
    code = make_code(offer, "ONCE-1")
    order = order_with_offers(product.variants[0], code="once-1")

    assert redemptions.release(order.id, now=now()) == 1
    assert redemptions.release(order.id, now=now()) == 0
    assert redemptions.confirm(order.id, now=now()) == 0  # nothing held is left to confirm
    assert state(offer.id, order.id) == {"count": 0, "uses": {"email:anna@example.com": 0}, "status": "released"}
    assert db.session.get(OfferCode, code.id).uses == 0


def test_a_confirm_happens_once_and_a_release_after_it_does_nothing():
    product = make_product(variants=[{"stock": 5}])
    offer = make_offer(cap_total=10, cap_per_customer=1)
    order = order_with_offers(product.variants[0])

    assert redemptions.confirm(order.id, now=now()) == 1
    assert redemptions.confirm(order.id, now=now()) == 0
    assert redemptions.release(order.id, now=now()) == 0
    assert state(offer.id, order.id) == {"count": 1, "uses": {"email:anna@example.com": 1}, "status": "confirmed"}


def test_a_staff_payment_confirms_and_a_cancel_or_expiry_releases_through_the_order():
    product = make_product(variants=[{"stock": 5}])
    offer = make_offer(cap_total=10)
    paid = order_with_offers(product.variants[0], email="paid@example.com")
    cancelled = order_with_offers(product.variants[0], email="gone@example.com")

    payments.mark_manual_payment_received(paid.id, actor=make_user("staff@example.com", "admin"), now=now())
    assert payments.cancel_unpaid(cancelled, reason="staff", now=now()) is True
    assert payments.cancel_unpaid(cancelled, reason="staff", now=now()) is False
    assert payments.expire_reservations(now() + dt.timedelta(days=30)) == 0  # nothing left unpaid

    assert state(offer.id, paid.id)["status"] == "confirmed"
    assert state(offer.id, cancelled.id) == {"count": 1, "uses": {}, "status": "released"}
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == product.variants[0].id)) == 4


def test_cancelling_a_paid_order_gives_its_place_under_the_caps_back_once():
    from storefront.orders import staff

    product = make_product(variants=[{"stock": 5}])
    offer = make_offer(cap_total=1, cap_per_customer=1)
    admin = make_user("admin@example.com", "admin")
    order = order_with_offers(product.variants[0])
    payments.mark_manual_payment_received(order.id, actor=admin, now=now())
    assert state(offer.id, order.id)["status"] == "confirmed"

    staff.cancel(order.id, actor=admin, now=now())
    assert state(offer.id, order.id) == {"count": 0, "uses": {"email:anna@example.com": 0}, "status": "released"}
    assert redemptions.void(order.id, now=now()) == 0
    # The place is free again: the same shopper may use the offer on a new order.
    assert order_with_offers(product.variants[0]).discount > 0


def test_a_full_refund_keeps_the_redemption_its_place_under_the_caps_and_its_single_use_code_spent():
    """A refund never undoes a redemption (Shopify's and Saleor's rule): the order was paid under
    the offer, so the place under the total cap, the customer's use and the code stay taken."""
    product = make_product(variants=[{"stock": 5}])
    offer = make_offer(cap_total=2, cap_per_customer=1, audience="code_holders")
    code = make_code(offer, "ONCE-2")
    admin = make_user("admin@example.com", "admin")
    order = order_with_offers(product.variants[0], code="once-2")
    payments.mark_manual_payment_received(order.id, actor=admin, now=now())

    refunds.refund(order.id, fresh(order.id).total, actor=admin, now=now())

    assert fresh(order.id).status == OrderStatus.REFUNDED
    assert state(offer.id, order.id) == {"count": 1, "uses": {"email:anna@example.com": 1}, "status": "confirmed"}
    assert db.session.get(OfferCode, code.id).uses == 1
    # The code stays spent: a second order with it, by someone else, is refused.
    with pytest.raises(offers_service.CodeRefused) as refused:
        order_with_offers(product.variants[0], email="bo@example.com", code="once-2")
    assert refused.value.reason == "used"
    assert str(refused.value) == "The code ONCE-2 has already been used."


def test_a_full_refund_keeps_the_place_of_a_capped_offer_taken():
    product = make_product(variants=[{"stock": 5}])
    offer = make_offer(cap_total=1)
    admin = make_user("admin@example.com", "admin")
    order = order_with_offers(product.variants[0])
    payments.mark_manual_payment_received(order.id, actor=admin, now=now())
    refunds.refund(order.id, 1000, actor=admin, now=now())   # in part, then the rest
    refunds.refund(order.id, fresh(order.id).total - 1000, actor=admin, now=now())

    assert state(offer.id, order.id) == {"count": 1, "uses": {}, "status": "confirmed"}
    # The cap was used by the refunded order: the next shopper pays full price.
    assert order_with_offers(product.variants[0], email="next@example.com").discount == 0


def test_a_late_payment_never_takes_a_first_order_offer_twice():
    product = make_product(variants=[{"stock": 5}])
    offer = make_offer(audience="first_order", cap_per_customer=2)
    first = order_with_offers(product.variants[0])
    assert first.discount > 0
    redemptions.release(first.id, now=now())
    db.session.commit()  # the test is the caller whose transaction `release` ran in
    second = order_with_offers(product.variants[0])
    payments.mark_manual_payment_received(second.id, actor=make_user("staff@example.com", "admin"), now=now())
    assert redemptions.retake(first.id, now=now()) is False
    assert state(offer.id)["uses"] == {"email:anna@example.com": 1}


def test_releases_of_different_orders_at_the_same_moment_lose_no_update(app):
    """Medusa #16595: a counter given back as a value computed in Python loses concurrent
    releases. Here twelve threads, each with its own session, release six orders twice each."""
    product = make_product(variants=[{"stock": 20}])
    offer = make_offer(cap_total=20)
    ids = [order_with_offers(product.variants[0], email=f"c{i}@example.com").id for i in range(6)]
    assert state(offer.id)["count"] == 6
    barrier = threading.Barrier(12)
    outcomes = []

    def cancel(order_id):
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(payments.cancel_unpaid(db.session.get(Order, order_id), reason="race", now=now()))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=cancel, args=(order_id,)) for order_id in ids * 2]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) == [False] * 6 + [True] * 6
    assert state(offer.id)["count"] == 0
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == product.variants[0].id)) == 20


def test_an_offer_that_runs_out_between_pricing_and_the_hold_rolls_the_whole_checkout_back(monkeypatch):
    product = make_product(variants=[{"stock": 5}])
    offer = make_offer(cap_total=1)
    stale = offers_service.live_rules(now(), fresh=True)  # priced while one redemption was left
    order_with_offers(product.variants[0], email="first@example.com")
    monkeypatch.setattr(checkout, "live_rules", lambda when, fresh=False: stale)

    with pytest.raises(TotalChanged):
        order_with_offers(product.variants[0], email="second@example.com")
    db.session.rollback()
    assert state(offer.id)["count"] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == product.variants[0].id)) == 4


# --- a payment after the hold ran out --------------------------------------------------------

def late_card_order(stripe_url: str, variant: Variant, email: str) -> Order:
    """A card order whose shopper started paying, then let the hold run out (released)."""
    order = order_with_offers(variant, email=email, payment_method="card")
    payments.start_card_payment(order)
    assert payments.expire_reservations(fresh(order.id).reserved_until + dt.timedelta(seconds=1)) == 1
    return fresh(order.id)


def test_a_payment_after_the_release_takes_the_redemption_again_while_the_cap_allows(stripe_shop):
    product = make_product(variants=[{"stock": 5}])
    offer = make_offer(cap_total=1, cap_per_customer=1)
    make_offer(audience="code_holders", thank_you=True)
    order = late_card_order(stripe_shop, product.variants[0], "late@example.com")
    assert state(offer.id, order.id) == {"count": 0, "uses": {"email:late@example.com": 0}, "status": "released"}

    pay_as_shopper(stripe_shop, order.payment_intent_id, VISA)
    wait_for(lambda: fresh(order.id).status == OrderStatus.PAID)
    assert state(offer.id, order.id) == {"count": 1, "uses": {"email:late@example.com": 1}, "status": "confirmed"}
    assert fresh(order.id).discount == 250
    # Its receipt carries the thank-you code, as an order paid in time does.
    assert code_for_order(order.id) is not None


def test_a_payment_after_the_release_is_refunded_when_the_cap_was_filled_meanwhile(stripe_shop):
    product = make_product(variants=[{"stock": 5}])
    offer = make_offer(cap_total=1)
    order = late_card_order(stripe_shop, product.variants[0], "late@example.com")
    other = order_with_offers(product.variants[0], email="quick@example.com")  # takes the last one
    assert other.discount == 250

    pay_as_shopper(stripe_shop, order.payment_intent_id, VISA)
    refunded = wait_for(lambda: fresh(order.id).status == OrderStatus.REFUNDED and fresh(order.id))
    assert refunded.amount_refunded == refunded.total
    assert state(offer.id, order.id) == {"count": 1, "uses": {}, "status": "released"}
    # The stock the late payment tried to take again was given back with the refund.
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == product.variants[0].id)) == 4


def test_retake_refuses_past_a_full_cap_and_takes_nothing():
    product = make_product(variants=[{"stock": 5}])
    offer = make_offer(cap_total=1)
    order = order_with_offers(product.variants[0], email="late@example.com")
    redemptions.release(order.id, now=now())
    db.session.commit()  # the test is the caller whose transaction `release` ran in
    order_with_offers(product.variants[0], email="quick@example.com")

    assert redemptions.retake(order.id, now=now()) is False
    assert state(offer.id, order.id) == {"count": 1, "uses": {}, "status": "released"}


# --- the store ------------------------------------------------------------------------------

def test_a_store_code_is_redeemed_once_and_counts_against_the_cap():
    staff = make_user(role="admin")
    offer = make_offer(cap_total=5)
    code = make_code(offer, "STORE-0001", kind="store", channel="store")

    redemption = redemptions.redeem_in_store(" store-0001 ", actor=staff, now=now())
    assert (redemption.status, redemption.channel, redemption.order_id) == ("confirmed", "store", None)
    with pytest.raises(redemptions.CodeAlreadyUsed):
        redemptions.redeem_in_store("STORE-0001", actor=staff, now=now())
    assert db.session.get(OfferCode, code.id).uses == 1
    assert state(offer.id)["count"] == 1


def test_a_store_code_scanned_at_two_tills_at_once_is_redeemed_once(app):
    staff_id = make_user(role="admin").id
    offer = make_offer(cap_total=5)
    make_code(offer, "STORE-0002", kind="store", channel="store")
    barrier = threading.Barrier(8)
    outcomes = []

    def scan():
        with app.app_context():
            from storefront.accounts.models import User

            staff = db.session.get(User, staff_id)
            barrier.wait()
            try:
                redemptions.redeem_in_store("STORE-0002", actor=staff, now=now())
                outcomes.append("redeemed")
            except redemptions.CodeAlreadyUsed:
                outcomes.append("used")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=scan) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) == ["redeemed"] + ["used"] * 7
    assert state(offer.id)["count"] == 1


def test_a_store_code_of_a_sold_out_offer_stays_unused():
    staff = make_user(role="admin")
    offer = make_offer(cap_total=1)
    first = make_code(offer, "STORE-0003", kind="store", channel="store")
    second = make_code(offer, "STORE-0004", kind="store", channel="store")
    redemptions.redeem_in_store(first.code, actor=staff, now=now())

    with pytest.raises(redemptions.OfferRanOut):
        redemptions.redeem_in_store(second.code, actor=staff, now=now())
    assert db.session.get(OfferCode, second.id).uses == 0
    assert state(offer.id)["count"] == 1


@pytest.mark.parametrize("case", ["unknown", "shared", "ended"])
def test_a_store_scan_of_an_unknown_shared_or_ended_code_redeems_nothing(case):
    staff = make_user(role="admin")
    offer = make_offer(cap_total=5, **({"state": "ended_early"} if case == "ended" else {}))
    make_code(offer, "SHARED-1", kind="shared", max_uses=None, channel="meta")
    make_code(offer, "STORE-0005", kind="store", channel="store")
    raw, error = {"unknown": ("NOPE-123", redemptions.CodeNotFound),
                  "shared": ("SHARED-1", redemptions.CodeNotValidNow),
                  "ended": ("STORE-0005", redemptions.CodeNotValidNow)}[case]
    with pytest.raises(error):
        redemptions.redeem_in_store(raw, actor=staff, now=now())
    assert state(offer.id)["count"] == 0
    assert db.session.scalar(sa.select(sa.func.sum(OfferCode.uses))) == 0


# --- the database stands behind the code ------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "UPDATE offers SET redemptions_count = cap_total + 1",
    "UPDATE offers SET redemptions_count = -1",
    "UPDATE offer_codes SET uses = max_uses + 1",
    "UPDATE offer_codes SET uses = -1",
    "UPDATE offer_customer_uses SET uses = -1",
])
def test_the_database_refuses_a_counter_past_its_cap_written_around_the_conditional_update(statement):
    offer = make_offer(cap_total=3, cap_per_customer=1)
    make_code(offer, "CHECK-1")
    db.session.add(CustomerUse(offer_id=offer.id, customer_key="email:a@example.com", uses=1))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(sa.text(statement))
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_a_second_redemption_of_one_offer_for_one_order():
    product = make_product()
    offer = make_offer()
    order = order_with_offers(product.variants[0])
    db.session.add(Redemption(offer_id=offer.id, order_id=order.id, status="held", discount=1))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
