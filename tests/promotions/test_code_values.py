"""What a code looks like, and how a new one is stored although its value may be taken: one
pattern, one alphabet, one generator and one insert-with-retry for every kind of code."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from promotions import codes, store_codes, thanks
from promotions.models import OfferCode
from storefront.database import write_transaction
from storefront.extensions import db
from promotions.banners import shopper_context
from tests.promotions.conftest import make_code, make_offer, make_paid_order


def test_every_code_the_shop_draws_has_the_one_shape_and_no_misreadable_character():
    drawn = [codes.new_code() for _ in range(200)] + [codes.new_code("SHOP") for _ in range(200)]
    assert all(codes.is_well_formed(value) for value in drawn)
    assert all(set(value.replace("SHOP-", "", 1)) <= set(codes.ALPHABET + "-") for value in drawn)
    assert not set("01OIL") & set(codes.ALPHABET)
    assert len(codes.new_codes(500)) == 500


@pytest.mark.parametrize("typed, stored", [(" tg-twenty ", "TG-TWENTY"), ("k7qm 3xtp", "K7QM3XTP")])
def test_a_typed_code_is_read_without_spaces_in_capitals(typed, stored):
    assert codes.normalise_code(typed) == stored


@pytest.mark.parametrize("value, well_formed", [("ABCD", True), ("ABC", False), ("-ABC", False),
                                                 ("A" * 40, True), ("A" * 41, False), ("AB_CD", False)])
def test_a_code_is_4_to_40_capitals_digits_or_dashes(value, well_formed):
    assert codes.is_well_formed(value) is well_formed


def test_a_drawn_value_that_is_already_taken_is_drawn_again(monkeypatch):
    offer = make_offer()
    make_code(offer, "SHOP-TAKE-N222")
    draws = iter(["SHOP-TAKE-N222", "SHOP-FRES-H333"])
    monkeypatch.setattr(codes, "new_code", lambda prefix="": next(draws))

    with write_transaction():
        code = codes.add_code(lambda: dict(offer_id=offer.id, code=codes.new_code("SHOP"), kind="store",
                                           channel="store", max_uses=1))

    assert code.code == "SHOP-FRES-H333"
    assert sorted(db.session.scalars(sa.select(OfferCode.code))) == ["SHOP-FRES-H333", "SHOP-TAKE-N222"]


def test_a_value_that_stays_taken_is_refused_and_the_callers_transaction_survives():
    offer = make_offer()
    make_code(offer, "FIXED-CODE")
    with write_transaction():
        with pytest.raises(codes.CodeTaken) as taken:
            codes.add_code(lambda: dict(offer_id=offer.id, code="FIXED-CODE", kind="shared", channel="web"),
                           attempts=3)
        codes.add_code(lambda: dict(offer_id=offer.id, code="OTHER-CODE", kind="shared", channel="web"))
    assert taken.value.status == 409 and taken.value.field == "code"
    assert sorted(db.session.scalars(sa.select(OfferCode.code))) == ["FIXED-CODE", "OTHER-CODE"]


def test_thank_you_and_store_codes_go_through_the_same_insert(monkeypatch, app):
    offer = make_offer(audience="code_holders", thank_you=True)
    make_code(offer, "THANKS-SAME-VALU")
    draws = iter(["THANKS-SAME-VALU", "THANKS-SAME-VALU", "THANKS-NEWV-ALUE", "SHOP-NEWV-ALUE"])
    monkeypatch.setattr(codes, "new_code", lambda prefix="": next(draws))

    code = thanks.issue_for(make_paid_order(5000), now=offer.starts_at)  # in the payment's transaction
    db.session.commit()
    with app.test_request_context("/"):
        store = store_codes.store_code_for(make_offer(), shopper_context())

    assert (code.code, code.kind) == ("THANKS-NEWV-ALUE", "thank_you")
    assert (store.code, store.kind) == ("SHOP-NEWV-ALUE", "store")
