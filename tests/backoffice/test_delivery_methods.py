"""The delivery methods an admin offers: checkout lists only those, refuses the others (the page
and the API alike), a cart is estimated with the first one offered, and an order placed with a
method switched off since still names it. Methods an admin adds (a parcel locker) are named in
every language, priced, free from their own total, coverable by free-shipping offers, and kept,
marked removed, once removed."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from promotions.forms import delivery_choices
from promotions.messages import conditions_text, delivery_text
from promotions.terms import InvalidOffer, _clean_methods
from storefront.extensions import db
from storefront.mail.service import last_order_email, render
from storefront.orders.models import Order
from storefront.shop_settings import runtime
from tests.factories import checkout_form, make_order, make_product
from tests.promotions.conftest import make_offer

from .test_settings import audit_entries, environment_settings, rows, settings_form  # noqa: F401

NOT_OFFERED = "This delivery option is not offered."


@pytest.fixture
def pullover():
    """A €25 pullover (below the €60 free-standard-delivery threshold), 5 in stock."""
    return make_product(title="Dzintars pullover", variants=[{"price": 2500, "stock": 5}]).variants[0]


def offer(client, *methods: str):
    response = client.post("/admin/settings", data=settings_form(DELIVERY_METHODS=list(methods)))
    assert response.status_code == 302, response.get_data(as_text=True)


def boxes(page: str, name: str) -> dict[str, bool]:
    """The value of each checkbox or radio button named `name` on the page, and whether it is on."""
    inputs = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return {re.search(r'value="([^"]*)"', tag).group(1): " checked" in tag for tag in inputs}


def order_count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count(Order.id)))


def test_the_settings_page_shows_each_method_with_what_it_costs(client, admin):
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'id="setting-DELIVERY_METHODS"' in page
    assert boxes(page, "DELIVERY_METHODS") == {"standard": True, "express": True, "pickup": True}
    assert "Standard delivery (2–4 working days): €4.95, free from €60.00" in page
    assert "Express delivery (next working day): €12.90" in page
    assert "Pick up at our Riga studio: free" in page


def test_switching_express_off_is_audited_and_checkout_no_longer_offers_it(client, admin, pullover):
    offer(client, "pickup", "standard")  # the shop's order stays, whatever order was sent
    assert rows()["DELIVERY_METHODS"] == ["standard", "pickup"]
    [entry] = audit_entries()
    assert (entry.target_id, entry.details["old"], entry.details["new"]) == (
        "DELIVERY_METHODS", ["standard", "express", "pickup"], ["standard", "pickup"])
    assert "Changed by admin@example.com" in client.get("/admin/settings").get_data(as_text=True)
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert ">Setting: Delivery methods offered</a>" in audit  # by its name, linked to its field
    assert "<b>Was</b>: Standard delivery (2–4 working days), Express delivery" in audit

    client.post("/cart/add", data={"variant_id": pullover.id, "quantity": 1})
    details = client.get("/checkout").get_data(as_text=True)
    assert boxes(details, "shipping_method") == {"standard": True, "pickup": False}
    assert "Express delivery" not in details

    refused = client.post("/checkout", data=checkout_form(shipping_method="express"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert NOT_OFFERED in page and set(boxes(page, "shipping_method")) == {"standard", "pickup"}
    assert client.get("/checkout/review").headers["Location"].endswith("/checkout")  # nothing was kept
    assert client.post("/checkout", data=checkout_form(shipping_method="pickup")).status_code == 303


def test_a_shopper_who_chose_express_before_it_was_switched_off_chooses_again(client, admin, app, pullover):
    shopper = app.test_client()
    shopper.post("/cart/add", data={"variant_id": pullover.id, "quantity": 1})
    assert shopper.post("/checkout", data=checkout_form(shipping_method="express")).status_code == 303
    review = shopper.get("/checkout/review").get_data(as_text=True)
    shown = re.search(r'name="shown_total"[^>]*value="(\d+)"', review).group(1)
    assert shown == "3790"
    offer(client, "standard", "pickup")

    placed = shopper.post("/checkout/place", data={"shown_total": shown})
    assert placed.status_code == 303 and placed.headers["Location"].endswith("/checkout")
    details = shopper.get("/checkout").get_data(as_text=True)
    assert NOT_OFFERED in details
    assert boxes(details, "shipping_method") == {"standard": True, "pickup": False}
    assert order_count() == 0


def test_the_refusal_is_in_the_shopper_s_language(client, admin, pullover):
    offer(client, "standard")
    client.post("/cart/add", data={"variant_id": pullover.id, "quantity": 1})
    refused = client.post("/checkout?lang=lv", data=checkout_form(shipping_method="express"))
    assert refused.status_code == 400
    assert "Šis piegādes veids netiek piedāvāts." in refused.get_data(as_text=True)


def test_the_api_refuses_a_method_switched_off_in_the_quote_and_the_order(client, admin, pullover):
    offer(client, "standard", "pickup")
    token = client.post("/api/v1/carts").json["token"]
    client.post(f"/api/v1/carts/{token}/lines", json={"variant_id": pullover.id, "quantity": 2})

    quote = client.get(f"/api/v1/orders/quote?cart_token={token}")
    assert quote.status_code == 200
    assert [m["code"] for m in quote.json["shipping_methods"]] == ["standard", "pickup"]
    assert quote.json["totals"]["shipping"] == 495  # the first offered

    refused = client.get(f"/api/v1/orders/quote?cart_token={token}&shipping_method=express")
    assert refused.status_code == 400
    error = refused.json["error"]
    assert (error["code"], error["field"], error["message"]) == ("invalid_checkout", "shipping_method", NOT_OFFERED)

    placed = client.post("/api/v1/orders", json=checkout_form(cart_token=token, shipping_method="express"))
    assert placed.status_code == 400
    error = placed.json["error"]
    assert (error["code"], error["field"], error["message"]) == ("invalid_checkout", "shipping_method", NOT_OFFERED)
    assert order_count() == 0


def test_an_express_order_still_names_express_after_it_is_switched_off(client, admin, app, pullover):
    with app.test_request_context("/"):
        order = make_order(pullover, shipping_method="express")
    order_id, tracking_token = order.id, order.tracking_token
    assert order.shipping == 1290
    offer(client, "standard", "pickup")

    back_office = client.get(f"/admin/orders/{order_id}")
    assert back_office.status_code == 200
    assert "Express delivery (next working day)" in back_office.get_data(as_text=True)
    # The tracking page and the order's e-mail name its method and show its own figures.
    tracking = client.get(f"/orders/{tracking_token}")
    page = tracking.get_data(as_text=True)
    assert tracking.status_code == 200 and "€12.90" in page
    assert "Delivery: Express delivery (next working day)" in page
    in_latvian = client.get(f"/orders/{tracking_token}", headers={"Accept-Language": "lv"}).get_data(as_text=True)
    assert "Piegādes veids: Ekspresspiegāde (nākamajā darba dienā)" in in_latvian
    db.session.rollback()
    with app.test_request_context("/"):
        message = render(last_order_email(order_id))
    text = message.get_body(("plain",)).get_content()
    assert "Delivery: Express delivery (next working day)\nShipping: €12.90" in text and "€37.90" in text


def test_every_method_cannot_be_switched_off(client, admin):
    response = client.post("/admin/settings", data=settings_form(DELIVERY_METHODS=None, SHOP_NAME="Vilna Outlet"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Offer at least one delivery method." in page and "has-error" in page
    assert rows() == {} and audit_entries() == []

    unknown = client.post("/admin/settings", data=settings_form(DELIVERY_METHODS=["standard", "drone"]))
    assert unknown.status_code == 400 and "The shop has no delivery method drone." in unknown.get_data(as_text=True)
    assert rows() == {}


def test_without_standard_the_cart_is_estimated_with_express_and_free_standard_is_not_promised(
        client, admin, app, pullover):
    visitor = app.test_client()
    assert "Free shipping from €60.00" in visitor.get(f"/p/{pullover.product.slug}").get_data(as_text=True)
    offer(client, "express", "pickup")

    product_page = visitor.get(f"/p/{pullover.product.slug}").get_data(as_text=True)
    assert "Free shipping from" not in product_page
    visitor.post("/cart/add", data={"variant_id": pullover.id, "quantity": 1})
    cart = visitor.get("/cart/").get_data(as_text=True)
    assert "€12.90" in cart and "€37.90" in cart  # €25 + express
    assert "free shipping" not in cart.lower()
    details = visitor.get("/checkout").get_data(as_text=True)
    assert boxes(details, "shipping_method") == {"express": True, "pickup": False} and "€37.90" in details

    offer(client, "pickup")
    cart = visitor.get("/cart/").get_data(as_text=True)
    assert "€12.90" not in cart and "€25.00" in cart  # pick-up costs nothing


LOCKER = {"method0_name_en": "Omniva parcel locker", "method0_name_es": "Taquilla de paquetes Omniva",
          "method0_name_lv": "Omniva pakomāts", "method0_rate": "2.99", "method0_free_from": "40"}


def add_locker(client, **changes):
    response = client.post("/admin/settings", data=settings_form(**{**LOCKER, **changes}))
    assert response.status_code == 302, response.get_data(as_text=True)


def place(client, method: str) -> Order:
    assert client.post("/checkout", data=checkout_form(shipping_method=method)).status_code == 303
    review = client.get("/checkout/review").get_data(as_text=True)
    shown = re.search(r'name="shown_total"[^>]*value="(\d+)"', review).group(1)
    assert client.post("/checkout/place", data={"shown_total": shown}).status_code == 303
    db.session.rollback()
    return db.session.scalars(sa.select(Order).order_by(Order.id.desc())).first()


def test_an_added_method_is_offered_at_its_rate_in_every_language_and_named_on_its_order(client, admin, app,
                                                                                            pullover):
    add_locker(client)
    assert rows()["DELIVERY_CUSTOM_METHODS"] == [{
        "code": "omniva-parcel-locker", "rate": 299, "free_from": 4000,
        "names": {"en": "Omniva parcel locker", "es": "Taquilla de paquetes Omniva", "lv": "Omniva pakomāts"}}]
    assert rows()["DELIVERY_METHODS"] == ["standard", "express", "pickup", "omniva-parcel-locker"]  # offered at once
    assert {entry.target_id for entry in audit_entries()} == {"DELIVERY_CUSTOM_METHODS", "DELIVERY_METHODS"}
    settings_page = client.get("/admin/settings").get_data(as_text=True)
    assert "Omniva parcel locker: €2.99, free from €40.00" in settings_page
    assert boxes(settings_page, "DELIVERY_METHODS")["omniva-parcel-locker"] is True

    shopper = app.test_client()
    shopper.post("/cart/add", data={"variant_id": pullover.id, "quantity": 1})
    details = shopper.get("/checkout").get_data(as_text=True)
    assert set(boxes(details, "shipping_method")) == {"standard", "express", "pickup", "omniva-parcel-locker"}
    assert "Omniva parcel locker" in details and "€2.99" in details
    for language, name in (("es", "Taquilla de paquetes Omniva"), ("lv", "Omniva pakomāts")):
        assert name in shopper.get(f"/checkout?lang={language}").get_data(as_text=True)

    order = place(shopper, "omniva-parcel-locker")
    assert (order.shipping_method, order.shipping, order.total) == ("omniva-parcel-locker", 299, 2799)
    tracking = shopper.get(f"/orders/{order.tracking_token}").get_data(as_text=True)
    assert "Delivery: Omniva parcel locker" in tracking and "€27.99" in tracking
    latvian = shopper.get(f"/orders/{order.tracking_token}", headers={"Accept-Language": "lv"}).get_data(as_text=True)
    assert "Piegādes veids: Omniva pakomāts" in latvian
    assert "Omniva parcel locker" in client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    with app.test_request_context("/"):
        text = render(last_order_email(order.id)).get_body(("plain",)).get_content()
    assert "Delivery: Omniva parcel locker\nShipping: €2.99" in text

    # Two pullovers (€50) pass the method's own €40: it ships free; the API lists it by code.
    token = client.post("/api/v1/carts").json["token"]
    client.post(f"/api/v1/carts/{token}/lines", json={"variant_id": pullover.id, "quantity": 2})
    quote = client.get(f"/api/v1/orders/quote?cart_token={token}&shipping_method=omniva-parcel-locker").json
    assert quote["totals"]["shipping"] == 0 and quote["totals"]["total"] == 5000
    assert {"code": "omniva-parcel-locker", "name": "Omniva parcel locker"} in quote["shipping_methods"]
    assert "<legend>Omniva pakomāts</legend>" in client.get("/admin/settings?lang=lv").get_data(as_text=True)


def test_a_removed_method_is_no_longer_offered_its_orders_keep_its_name_and_its_code_is_not_reused(
        client, admin, app, pullover):
    add_locker(client)
    shopper = app.test_client()
    shopper.post("/cart/add", data={"variant_id": pullover.id, "quantity": 1})
    order = place(shopper, "omniva-parcel-locker")

    renamed = client.post("/admin/settings", data=settings_form(method0_name_en="Omniva locker", method0_rate="3.49"))
    assert renamed.status_code == 302
    [method] = rows()["DELIVERY_CUSTOM_METHODS"]
    assert (method["code"], method["names"]["en"], method["rate"]) == ("omniva-parcel-locker", "Omniva locker", 349)

    assert client.post("/admin/settings", data=settings_form(method0_remove="y")).status_code == 302
    assert rows()["DELIVERY_CUSTOM_METHODS"] == [{**method, "removed": True}]
    assert "DELIVERY_METHODS" not in rows()  # the environment's three again
    settings_page = client.get("/admin/settings").get_data(as_text=True)
    assert "Omniva locker" not in settings_page and "method1_name_en" not in settings_page

    shopper.post("/cart/add", data={"variant_id": pullover.id, "quantity": 1})
    assert "omniva" not in shopper.get("/checkout").get_data(as_text=True).lower()
    refused = shopper.post("/checkout", data=checkout_form(shipping_method="omniva-parcel-locker"))
    assert refused.status_code == 400 and NOT_OFFERED in refused.get_data(as_text=True)
    assert "Delivery: Omniva locker" in shopper.get(f"/orders/{order.tracking_token}").get_data(as_text=True)

    add_locker(client)  # the same name again is another method, with a code of its own
    codes = [m["code"] for m in rows()["DELIVERY_CUSTOM_METHODS"]]
    assert codes == ["omniva-parcel-locker-2", "omniva-parcel-locker"]
    assert "Delivery: Omniva locker" in shopper.get(f"/orders/{order.tracking_token}").get_data(as_text=True)


@pytest.mark.parametrize(("changes", "message"), [
    ({"method0_name_lv": ""}, "Delivery method 1: enter its name in Latvian."),
    ({"method0_rate": "two euros"}, "Delivery method 1: enter its rate as an amount such as 2.99."),
    ({"method0_free_from": "-5"}, "Delivery method 1: enter the items total it is free from as an amount such as "
                                  "40.00, or leave it blank."),
    ({"method0_rate": "20000"}, "Delivery method 1: enter a rate from 0 to 10000.00."),
    ({"method0_name_en": "x" * 81}, "Delivery method 1: a name has at most 80 characters."),
])
def test_a_method_that_cannot_be_added_is_refused_with_why_and_nothing_is_written(client, admin, changes, message):
    response = client.post("/admin/settings", data=settings_form(**{**LOCKER, **changes}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "has-error" in page
    assert rows() == {} and audit_entries() == []


def test_removing_every_offered_method_is_refused(client, admin):
    add_locker(client)
    response = client.post("/admin/settings", data=settings_form(DELIVERY_METHODS=["omniva-parcel-locker"]))
    assert response.status_code == 302
    refused = client.post("/admin/settings", data=settings_form(method0_remove="y"))
    assert refused.status_code == 400 and "Offer at least one delivery method." in refused.get_data(as_text=True)
    assert rows()["DELIVERY_METHODS"] == ["omniva-parcel-locker"]


def test_a_free_shipping_offer_may_cover_an_added_method(client, admin, app, pullover):
    add_locker(client, method0_free_from="")
    form = client.get("/admin/offers/new").get_data(as_text=True)
    assert boxes(form, "shipping_methods") == {"standard": True, "express": False, "omniva-parcel-locker": False}
    runtime.refresh(app)
    with app.test_request_context("/?lang=lv"):
        app.preprocess_request()
        assert [code for code, _name in delivery_choices()] == ["standard", "express", "omniva-parcel-locker"]
        assert _clean_methods(["omniva-parcel-locker", "standard"]) == ["standard", "omniva-parcel-locker"]
        with pytest.raises(InvalidOffer):
            _clean_methods(["pickup"])
        offer_row = make_offer(name="Lockers ship free", benefit="free_shipping", percent=None,
                               shipping_methods=["standard", "omniva-parcel-locker"])
        # Every name in the nominative, as the added one is typed, after a colon in each sentence.
        assert delivery_text(offer_row) == "standarta piegāde un Omniva pakomāts"
        assert "Attiecas uz piegādi: standarta piegāde un Omniva pakomāts" in conditions_text(offer_row)
    shopper = app.test_client()
    shopper.post("/cart/add", data={"variant_id": pullover.id, "quantity": 1})
    order = place(shopper, "omniva-parcel-locker")
    assert (order.shipping_method, order.shipping_discount, order.total) == ("omniva-parcel-locker", 299, 2500)
