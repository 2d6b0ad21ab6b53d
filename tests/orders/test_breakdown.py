"""An order's breakdown shows the lines at list price, the offers by name, and a total they add up to."""
from __future__ import annotations

import datetime as dt
import re
from importlib import import_module

import pytest
import sqlalchemy as sa

from promotions.models import Offer
from tests.demo_shop import load_demo_shop
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.mail.service import render
from storefront.orders.breakdown import order_breakdown
from storefront.orders.models import Order, OrderDiscount
from tests.factories import checkout_form, make_order, make_product
from tests.promotions.conftest import make_offer

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
MIGRATION = import_module("migrations.versions.8a1c2e4f6b02_order_breakdown")
NAMES_MIGRATION = import_module("migrations.versions.8a1c2e4f6b10_order_discount_translations")


def adds_up(order: Order) -> bool:
    b = order_breakdown(order)
    tax_added = 0 if b.tax_included else b.tax
    return (sum(line.amount for line in b.lines) == b.items_subtotal
            and b.items_subtotal - b.discount + b.shipping - b.shipping_discount + tax_added == b.total
            and sum(offer.amount for offer in b.offers) == b.discount + b.shipping_discount)


def test_the_tracking_page_shows_the_list_price_then_the_named_discount_then_a_total_that_adds_up(app, client):
    hat = make_product("Latvian pattern hat", variants=[{"price": 129_00, "stock": 5}]).variants[0]
    make_offer(name="€10 off from €60", benefit="fixed", amount=10_00, min_subtotal=60_00)
    client.post("/cart/add", data={"variant_id": hat.id, "quantity": 1})
    client.post("/checkout", data=checkout_form())
    review = client.get("/checkout/review").text
    shown = re.search(r'name="shown_total"[^>]*value="(\d+)"', review).group(1)
    client.post("/checkout/place", data={"shown_total": shown})
    order = db.session.scalars(sa.select(Order)).one()

    page = client.get(f"/orders/{order.tracking_token}").text

    assert "data-line-amount>€129.00<" in page  # before the offer, as the review showed it
    assert "data-items>€129.00<" in page and "data-discount>−€10.00<" in page
    assert "data-shipping>Free<" in page  # €119 after the offer is over the shop's €60 threshold
    assert "data-total>€119.00<" in page and "including VAT €20.65" in page
    assert re.search(r"<span>€10 off from €60</span> <span [^>]*>−€10.00</span>", page)
    assert adds_up(order)


def test_every_demo_order_adds_up_names_its_offers_and_its_transfer_reference(app):
    load_demo_shop(NOW)
    orders = list(db.session.scalars(sa.select(Order)))
    assert len(orders) > 100
    assert all(adds_up(order) for order in orders)
    offers = list(db.session.scalars(sa.select(Offer).where(Offer.slug.in_(["followers-week", "free-shipping-40"]))))
    discounted = [order for order in orders if order.discounts]
    assert {order.locale for order in discounted} == {"en", "es", "lv"}
    for order in discounted:  # by the offer's names, so the shopper reads them in their language
        assert {d.name for d in order.discounts} <= {o.name for o in offers}
        assert ({d.localized("name", order.locale) for d in order.discounts}
                <= {o.localized("name", order.locale) for o in offers})
    # Its timeline tells how it got where it is, and nothing happened after the demo was loaded.
    for order in orders:
        kinds = [event.kind for event in order.events]
        assert kinds[0] == "placed" and kinds[-1] == ("placed" if order.status == "pending_payment" else order.status)
        assert all(event.created_at <= NOW for event in order.events)
        assert order.paid_at is None or order.paid_at <= NOW
    # A bank transfer names its order, as the tracking page asks the shopper to.
    assert all(o.payment_reference == o.number for o in orders if o.payment_method == "bank_transfer")


@pytest.mark.parametrize("free", [True, False])
def test_shipping_says_free_only_where_there_was_nothing_to_charge(app, client, free):
    # Pickup costs nothing: "Free", as the review said; standard delivery shows its charge.
    scarf = make_product("Scarf", variants=[{"price": 20_00, "stock": 5}]).variants[0]
    client.post("/cart/add", data={"variant_id": scarf.id, "quantity": 1})
    client.post("/checkout", data=checkout_form(shipping_method="pickup" if free else "standard"))
    shown = re.search(r'name="shown_total"[^>]*value="(\d+)"', client.get("/checkout/review").text).group(1)
    client.post("/checkout/place", data={"shown_total": shown})
    order = db.session.scalars(sa.select(Order)).one()

    page = client.get(f"/orders/{order.tracking_token}").text

    assert ("data-shipping>Free<" in page) is free
    assert ("data-shipping>€4.95<" in page) is not free


def test_the_migration_names_the_offers_of_orders_placed_before_it(app, client):
    scarf = make_product("Scarf", variants=[{"price": 50_00, "stock": 5}]).variants[0]
    make_offer(name="€10 off", benefit="fixed", amount=10_00)
    make_offer(name="Free delivery", benefit="free_shipping")
    client.post("/cart/add", data={"variant_id": scarf.id, "quantity": 1})
    client.post("/checkout", data=checkout_form())
    shown = re.search(r'name="shown_total"[^>]*value="(\d+)"', client.get("/checkout/review").text).group(1)
    client.post("/checkout/place", data={"shown_total": shown})
    order_id = db.session.scalars(sa.select(Order.id)).one()
    # As before the migration: the order's offers are known only by its redemptions.
    db.session.execute(sa.delete(OrderDiscount))

    db.session.execute(sa.text(MIGRATION.NAME_THE_OFFERS_OF_EXISTING_ORDERS))
    db.session.commit()

    order = db.session.get(Order, order_id)
    assert sorted((d.name, d.items_discount, d.shipping_discount) for d in order.discounts) == [
        ("Free delivery", 0, 4_95), ("€10 off", 10_00, 0)]
    assert adds_up(order)


def test_a_latvian_shoppers_order_reads_in_latvian_and_the_english_one_keeps_the_words_bought(app, client):
    mittens = make_product("Pattern mittens", option_names=("Colour",),
                           variants=[{"options": {"Colour": "Red"}, "price": 45_00, "stock": 5}],
                           translations={"lv": {"title": "Rakstainie dūraiņi", "values": {"Colour": {"Red": "Sarkana"}}}})
    client.post("/cart/add", data={"variant_id": mittens.variants[0].id, "quantity": 1},
                query_string={"lang": "lv"})
    client.post("/checkout", data=checkout_form(), query_string={"lang": "lv"})
    review = client.get("/checkout/review", query_string={"lang": "lv"}).text
    shown = re.search(r'name="shown_total"[^>]*value="(\d+)"', review).group(1)
    client.post("/checkout/place", data={"shown_total": shown}, query_string={"lang": "lv"})
    order = db.session.scalars(sa.select(Order)).one()
    assert order.locale == "lv"

    latvian = client.get(f"/orders/{order.tracking_token}", query_string={"lang": "lv"}).text
    mail = render(OutboundEmail(order_id=order.id, kind="receipt", recipient=order.email, locale="lv"))
    english = client.get(f"/orders/{order.tracking_token}", query_string={"lang": "en"}).text

    assert "Rakstainie dūraiņi" in latvian and "(Sarkana)" in latvian and "Pattern mittens" not in latvian
    text = mail.get_body(("plain",)).get_content()
    assert "1 × Rakstainie dūraiņi (Sarkana)" in text
    assert "Pattern mittens" in english and "(Red)" in english and "dūraiņi" not in english


@pytest.mark.parametrize("lang, held", [("es", "8 dic 2026, 3:15 (UTC+2)"), ("lv", "2026. g. 8. dec. 03:15 (UTC+2)")])
def test_the_tracking_page_says_how_long_the_items_are_held_to_the_minute_with_the_zone(client, lang, held):
    """A shopper in Madrid read "hasta el 8 dic 2026, 3:15:30": Riga's time, to the second, unnamed."""
    order = make_order(make_product(variants=[{"price": 1000, "stock": 5}]).variants[0])
    order.reserved_until = dt.datetime(2026, 12, 8, 1, 15, 30, tzinfo=dt.timezone.utc)
    db.session.commit()
    page = client.get(f"/orders/{order.tracking_token}?lang={lang}").get_data(as_text=True)
    assert held in page and "3:15:30" not in page


def _placed_in(client, lang: str) -> Order:
    scarf = make_product("Scarf", variants=[{"price": 50_00, "stock": 5}]).variants[0]
    client.post("/cart/add", data={"variant_id": scarf.id, "quantity": 1}, query_string={"lang": lang})
    client.post("/checkout", data=checkout_form(), query_string={"lang": lang})
    review = client.get("/checkout/review", query_string={"lang": lang}).text
    shown = re.search(r'name="shown_total"[^>]*value="(\d+)"', review).group(1)
    client.post("/checkout/place", data={"shown_total": shown}, query_string={"lang": lang})
    return db.session.scalars(sa.select(Order)).one()


def test_a_spanish_shoppers_offer_is_named_in_each_readers_language(app, client):
    """The order kept "10 % para seguidores" and showed it on the English receipt and to a Latvian
    staff member; it now keeps the offer's names as they were at checkout, in every language."""
    make_offer(name="10% for followers", translations={"es": {"name": "10 % para seguidores"},
                                                       "lv": {"name": "10% sekotājiem"}})
    order = _placed_in(client, "es")
    assert order.locale == "es"
    [discount] = order.discounts
    assert (discount.name, discount.translations) == (
        "10% for followers", {"es": {"name": "10 % para seguidores"}, "lv": {"name": "10% sekotājiem"}})
    # The offer renamed later: the order's words stay as they were when it was placed.
    offer = db.session.scalars(sa.select(Offer)).one()
    offer.name, offer.translations = "Followers' week", {"es": {"name": "Semana de seguidores"}}
    db.session.commit()

    for lang, name in (("es", "10 % para seguidores"), ("en", "10% for followers"), ("lv", "10% sekotājiem")):
        page = client.get(f"/orders/{order.tracking_token}", query_string={"lang": lang}).text
        assert re.search(rf"<span>{re.escape(name)}</span> <span [^>]*>−", page), lang
    mail = render(OutboundEmail(order_id=order.id, kind="receipt", recipient=order.email, locale="es"))
    assert "10 % para seguidores" in mail.get_body(("plain",)).get_content()
    english = render(OutboundEmail(order_id=order.id, kind="receipt", recipient=order.email, locale="en"))
    assert "10% for followers" in english.get_body(("plain",)).get_content()


def test_the_migration_gives_existing_discounts_their_offers_names_where_one_offer_matches(app):
    make_offer(name="Free delivery", translations={"es": {"name": "Envío gratis"}, "lv": {"name": "Bezmaksas piegāde"}})
    make_offer(name="Summer", translations={"es": {"name": "Rebajas"}})
    make_offer(name="Winter", translations={"es": {"name": "Rebajas"}})  # one Spanish name, two offers
    order = make_order(make_product(variants=[{"price": 10_00, "stock": 5}]).variants[0])
    for name in ("Envío gratis", "Rebajas", "Gone long ago"):
        db.session.add(OrderDiscount(order_id=order.id, name=name, items_discount=1_00))
    db.session.commit()

    # The column exists (the tests' schema is the models'): the migration's data step on its own.
    NAMES_MIGRATION.name_existing_discounts(db.session.connection())
    db.session.commit()

    db.session.expire_all()
    names = {d.id: (d.name, d.translations) for d in db.session.scalars(sa.select(OrderDiscount))}
    assert sorted(names.values(), key=str) == sorted([
        ("Free delivery", {"es": {"name": "Envío gratis"}, "lv": {"name": "Bezmaksas piegāde"}}),
        ("Rebajas", {}), ("Gone long ago", {})], key=str)
