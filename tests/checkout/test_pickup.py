"""A pick-up asks for no address and keeps none: the shopper collects the order at the studio.

The details form asked a shopper who collects the order for a street, a city and a postcode, and
the order kept them; the review, the order's e-mail and the back office showed them as "Your
address". A delivery still needs them all.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.mail.service import render
from storefront.orders.models import Order
from tests.backoffice.conftest import sign_in
from tests.factories import checkout_form, make_product, make_user

NO_ADDRESS = {"address_line1": "", "address_line2": "", "city": "", "postal_code": "", "country": ""}


def _add(client):
    scarf = make_product("Scarf", variants=[{"price": 30_00, "stock": 5}]).variants[0]
    client.post("/cart/add", data={"variant_id": scarf.id, "quantity": 1})


def _place(client) -> Order:
    review = client.get("/checkout/review").get_data(as_text=True)
    shown = re.search(r'name="shown_total"[^>]*value="(\d+)"', review).group(1)
    assert "/orders/" in client.post("/checkout/place", data={"shown_total": shown}).headers["Location"]
    return db.session.scalars(sa.select(Order)).one()


def test_a_pick_up_is_ordered_without_an_address_and_the_order_keeps_none(client, app):
    _add(client)
    assert client.post("/checkout", data=checkout_form(shipping_method="pickup", **NO_ADDRESS)).status_code == 303
    review = client.get("/checkout/review").get_data(as_text=True)
    assert "Pick up at" in review and app.config["PICKUP_ADDRESS"] in review and "Deliver to" not in review
    order = _place(client)
    assert (order.address_line1, order.address_line2, order.city, order.postal_code, order.country) == (
        "", "", "", "", "")
    assert order.full_name == "Anna Bērziņa" and order.shipping_method == "pickup"

    mail = render(OutboundEmail(order_id=order.id, kind="order_received", recipient=order.email, locale="en"))
    for part in (mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()):
        assert "Pick up at" in part and app.config["PICKUP_ADDRESS"] in part
        assert "Your address" not in part and "Delivery address" not in part

    staff = make_user("orders@example.com", role="admin")
    sign_in(client, staff)
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "No address: collected at the studio." in page


def test_an_address_typed_before_choosing_pick_up_is_not_kept(client):
    _add(client)
    assert client.post("/checkout", data=checkout_form(shipping_method="pickup")).status_code == 303
    assert "Brīvības iela" not in client.get("/checkout/review").get_data(as_text=True)
    order = _place(client)
    assert (order.address_line1, order.city, order.postal_code, order.country) == ("", "", "", "")


def test_a_delivery_still_needs_the_whole_address(client):
    _add(client)
    refused = client.post("/checkout", data=checkout_form(shipping_method="standard", **(NO_ADDRESS | {"country": "LV"})))
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    for field in ("address_line1", "city", "postal_code"):
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', page), field
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0


def test_the_form_says_a_pick_up_needs_no_address_in_the_pages_language(client):
    _add(client)
    page = client.get("/checkout?lang=lv").get_data(as_text=True)
    assert re.search(r'<fieldset class="address-fields" data-address-fields data-collected="pickup"', page)
    assert "Nav vajadzīga, ja pasūtījumu saņemat mūsu darbnīcā." in page
