"""A free-shipping offer makes free only the deliveries the marketer chose (standard by default).

Issue 12, finding 2: with "Free standard delivery from €40", Latvian Pattern Mittens (€45) at
checkout showed Express as "Free", and the review charged €12.90 shipping and took −€12.90 off.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from promotions.engine import EngineLine, OfferRule, Reason, Shopper, evaluate
from promotions.models import Offer
from promotions.terms import InvalidOffer, clean_terms
from storefront.cart.pricing import PricingRules, ShippingRate, price_cart, LineItem, Offers
from storefront.extensions import db
from tests.backoffice.conftest import sign_in
from tests.factories import checkout_form, make_product, make_user
from tests.promotions.conftest import make_offer

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.timezone.utc)
WINDOW = {"starts_at": NOW - dt.timedelta(days=1), "ends_at": NOW + dt.timedelta(days=1)}
EU = PricingRules(currency="EUR", prices_include_tax=True, tax_rate_bps=2100, shipping_flat_rate=495,
                  free_shipping_threshold=6000)


@pytest.fixture
def mittens():
    return make_product(title="Latvian Pattern Mittens", variants=[{"price": 4500, "stock": 5}])


def free_from_40(**fields):
    return make_offer(name="Free shipping from €40", benefit="free_shipping", percent=None, min_subtotal=4000,
                      **fields)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def review_with(client, method: str) -> str:
    assert client.post("/checkout", data=checkout_form(shipping_method=method)).status_code == 303
    return text(client.get("/checkout/review"))


def add(client, product):
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})


def test_the_engine_gives_free_shipping_only_on_the_methods_the_offer_covers():
    rule = OfferRule(1, "Free standard", "free_shipping", **WINDOW)
    line = [EngineLine(1, 1, frozenset(), 1, 4500)]
    assert evaluate(line, Shopper(), NOW, [rule], shipping=495, method="standard").shipping_discount == 495
    express = evaluate(line, Shopper(), NOW, [rule], shipping=1290, method="express")
    assert express.shipping_discount == 0 and express.verdict(1).reason == Reason.OTHER_DELIVERY
    both = OfferRule(2, "Free any", "free_shipping", shipping_methods=frozenset({"standard", "express"}), **WINDOW)
    assert evaluate(line, Shopper(), NOW, [both], shipping=1290, method="express").shipping_discount == 1290


def test_pricing_express_with_a_standard_only_offer_charges_express():
    rule = OfferRule(1, "Free standard", "free_shipping", **WINDOW)
    totals = price_cart([LineItem(1, 1, 4500)], EU, ShippingRate(1290, None, "express"),
                        Offers((rule,), Shopper(), NOW))
    assert (totals.shipping, totals.shipping_discount, totals.total) == (1290, 0, 5790)


def test_express_is_charged_and_the_pages_say_which_delivery_ships_free(client, mittens):
    free_from_40()
    add(client, mittens)
    details = client.get("/checkout").get_data(as_text=True)
    express = re.search(r'value="express".*?choice-price">([^<]+)<', details, flags=re.S).group(1)
    assert express == "€12.90"

    review = review_with(client, "express")
    assert "Shipping €12.90" in review and "Shipping discount" not in review
    assert "Free shipping covers standard delivery only, not the delivery you chose." in review

    review = review_with(client, "standard")
    assert "Free shipping on standard delivery." in review and "Place order — €45.00" in review


def test_what_an_applied_offer_covers_reads_as_good_news_and_a_miss_as_a_caution(client, mittens):
    """The applied offer is named with what it took off in the list above its note: the note says
    only what it covers, in the good-news colour ("Bezmaksas piegāde no 40 €: Bezmaksas piegāde:
    standarta piegāde." repeated the name, in the caution colour). A miss names its offer."""
    free_from_40()
    add(client, mittens)
    for page in ("/cart/", "/checkout/review"):
        if page == "/checkout/review":
            client.post("/checkout", data=checkout_form(shipping_method="standard"))
        html = client.get(page).get_data(as_text=True)
        assert '<p class="offer-cart-note is-applied" data-offer-cart-note>Free shipping on standard delivery.</p>' \
            in html, page
        assert "<strong>Free shipping from €40:</strong>" not in html
    client.post("/checkout", data=checkout_form(shipping_method="express"))
    html = client.get("/checkout/review").get_data(as_text=True)
    assert re.search(r'<p class="offer-cart-note" data-offer-cart-note><strong>Free shipping from €40:</strong> '
                     r'Free shipping covers standard delivery only', html)


def test_an_offer_that_covers_express_makes_express_free(client, mittens):
    free_from_40(shipping_methods=["standard", "express"])
    add(client, mittens)
    review = review_with(client, "express")
    assert "Free shipping on standard and express delivery." in review and "Place order — €45.00" in review


def offer_fields(**changes) -> dict:
    return {"name": "Ship free", "benefit": "free_shipping", "target": "order", "audience": "everyone",
            "timezone": "Europe/Riga", "starts_at": dt.datetime(2030, 1, 1), "ends_at": dt.datetime(2030, 2, 1),
            **changes}


def test_the_offer_terms_keep_the_chosen_methods_standard_by_default(app):
    with app.test_request_context("/"):
        assert clean_terms(offer_fields(), now=NOW).columns["shipping_methods"] == ["standard"]
        chosen = clean_terms(offer_fields(shipping_methods=["express", "standard"]), now=NOW)
        assert chosen.columns["shipping_methods"] == ["standard", "express"]
        with pytest.raises(InvalidOffer) as refused:
            clean_terms(offer_fields(shipping_methods=["teleport"]), now=NOW)
        assert refused.value.field == "shipping_methods"


def test_the_marketer_chooses_the_deliveries_on_the_offer_form(client):
    sign_in(client, make_user("marketer@example.com", "marketer"))
    form = client.get("/admin/offers/new").get_data(as_text=True)
    assert re.search(r'name="shipping_methods"[^>]*value="standard"[^>]*checked|'
                     r'checked[^>]*name="shipping_methods"[^>]*value="standard"', form)
    starts = (dt.datetime.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    ends = (dt.datetime.now() + dt.timedelta(days=8)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/admin/offers/new", data={
        "name": "Ship free", "benefit": "free_shipping", "shipping_methods": ["standard", "express"],
        "target": "order", "audience": "everyone", "starts_at": starts, "ends_at": ends,
        "timezone": "Europe/Riga", "priority": "0"})
    assert response.status_code == 302
    offer = db.session.scalar(sa.select(Offer))
    assert offer.shipping_methods == ["standard", "express"]
    edit = client.get(f"/admin/offers/{offer.id}/edit").get_data(as_text=True)
    assert len(re.findall(r'name="shipping_methods"[^>]*checked|checked[^>]*name="shipping_methods"', edit)) == 2


def test_a_pickup_order_reads_as_collected_at_the_studio_and_paid_there(client, mittens, app):
    """Pick-up read like a delivery: "Deliver to", a caution that free shipping did not cover it
    though it costs nothing, and "in cash when your parcel arrives"."""
    free_from_40()
    add(client, mittens)
    assert client.post("/checkout", data=checkout_form(shipping_method="pickup",
                                                         payment_method="cash_on_delivery")).status_code == 303
    review = text(client.get("/checkout/review"))
    assert f"Pick up at {app.config['PICKUP_ADDRESS']}" in review and "Full name Anna Bērziņa" in review
    assert "Brīvības iela" not in review  # the order keeps no address for a pick-up
    assert "Deliver to" not in review and "not the delivery you chose" not in review
    shown = re.search(r'name="shown_total"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="shown_total"',
                      client.get("/checkout/review").get_data(as_text=True))
    placed = client.post("/checkout/place", data={"shown_total": shown.group(1) or shown.group(2)})
    tracking = text(client.get(placed.headers["Location"]))
    assert f"in cash when you pick up your order at {app.config['PICKUP_ADDRESS']}." in tracking
    assert "parcel" not in tracking
