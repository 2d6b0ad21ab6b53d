"""A paid order's receipt carries one single-use thank-you code when the shop runs a thank-you offer."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from promotions import thanks
from promotions.models import OfferCode
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.mail.service import render
from storefront.orders.models import Order
from tests.promotions.conftest import make_offer

UTC = dt.timezone.utc
NOW = dt.datetime.now(UTC)


def paid_order(number="ZV-1001") -> Order:
    order = Order(number=number, email="anna@example.com", full_name="Anna", address_line1="Brīvības iela 1",
                  city="Rīga", postal_code="LV-1010", country="LV", shipping_method="standard",
                  payment_method="bank_transfer", currency="EUR", items_subtotal=5000, discount=500, shipping=495,
                  shipping_discount=0, tax=0, tax_included=True, total=4995, status="paid", locale="en")
    db.session.add(order)
    db.session.commit()
    return order


def receipt_text(order) -> tuple[str, str]:
    message = render(OutboundEmail(order_id=order.id, kind="receipt", recipient=order.email, locale="en"))
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_a_paid_order_gets_one_single_use_code_however_often_it_is_asked(app):
    offer = make_offer(name="Thanks 15", slug="thanks", percent=15, audience="code_holders", thank_you=True)
    order = paid_order()
    first = thanks.issue_for(order, now=NOW)
    db.session.commit()
    second = thanks.issue_for(order, now=NOW)
    assert first.id == second.id
    assert (first.offer_id, first.kind, first.max_uses, first.channel, first.issued_for_order_id) == \
        (offer.id, "thank_you", 1, "email", order.id)
    assert first.code.startswith("THANKS-")
    assert db.session.scalar(sa.select(sa.func.count(OfferCode.id))) == 1
    assert thanks.code_for_order(order.id).code == first.code


def test_each_order_gets_its_own_code(app):
    make_offer(audience="code_holders", thank_you=True)
    codes = {thanks.issue_for(paid_order(f"ZV-{n}"), now=NOW).code for n in range(3)}
    assert len(codes) == 3


def test_no_code_without_a_live_code_holder_thank_you_offer(app):
    make_offer(audience="everyone", thank_you=True)  # not a code-holder offer
    make_offer(audience="code_holders", thank_you=False)
    make_offer(audience="code_holders", thank_you=True, state="ended_early")
    make_offer(audience="code_holders", thank_you=True, cap_total=1, redemptions_count=1)
    assert thanks.issue_for(paid_order(), now=NOW) is None


def test_the_receipt_carries_the_code_and_the_offer_page_link(app):
    make_offer(name="Thanks 15", slug="thanks", percent=15, audience="code_holders", thank_you=True)
    order = paid_order()
    code = thanks.issue_for(order, now=NOW)
    db.session.commit()
    plain, html = receipt_text(order)
    assert f"A thank-you for your next order: 15% off with the code {code.code} (once)." in plain
    assert f"http://shop.test/offers/thanks?code={code.code}" in plain
    assert html.count(code.code) == 2  # the sentence and the link, once each
    # Typed into a form: the code never breaks at its hyphens ("THANKS-" / "7P77-8GKT"); mail
    # clients read inline styles only.
    assert f'with the code <strong style="white-space: nowrap;">{code.code}</strong> (once).' in html
    assert "Discount: -€5.00" in plain


def test_a_receipt_without_a_thank_you_code_says_nothing_of_one(app):
    plain, _html = receipt_text(paid_order())
    assert "thank-you" not in plain


def test_the_thank_you_link_accepts_the_code_for_the_next_visit(client):
    offer = make_offer(slug="thanks", percent=15, audience="code_holders", thank_you=True)
    code = thanks.issue_for(paid_order(), now=NOW)
    db.session.commit()
    response = client.get(f"/offers/thanks?code={code.code}")
    assert response.status_code == 303
    with client.session_transaction() as session:
        assert session["offer_code"] == code.code
    assert offer.slug in client.get("/").get_data(as_text=True)
