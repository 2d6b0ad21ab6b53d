"""Amounts staff type are shown in the page's language: "178,00" on a Latvian or Spanish page,
"178.00" on an English one, and either mark is read back."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from storefront.catalog.models import Variant
from storefront.extensions import db
from storefront.orders.models import Order
from tests.factories import make_order, make_product

from .test_settings import audit_entries, environment_settings, rows, settings_form  # noqa: F401 (the fixture, autouse)

MARK = {"en": ".", "es": ",", "lv": ","}


def field_value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found, f"no field {name}"
    return re.search(r'value="([^"]*)"', found.group(0)).group(1)


@pytest.fixture
def pullover():
    return make_product(title="Dzintars pullover", variants=[{"sku": "DZ-M", "price": 8900, "stock": 10}]).variants[0]


@pytest.mark.parametrize("language", ["en", "es", "lv"])
def test_the_refund_and_the_price_fields_use_the_pages_decimal_mark(client, admin, pullover, language):
    order = make_order(pullover, quantity=2)
    db.session.commit()
    client.post(f"/admin/orders/{order.id}/mark-paid")

    detail = client.get(f"/admin/orders/{order.id}?lang={language}").text
    variant = client.get(f"/admin/variants/{pullover.id}?lang={language}").text

    assert field_value(detail, "amount") == f"178{MARK[language]}00"
    assert field_value(variant, "price") == f"89{MARK[language]}00"


def test_a_refund_typed_with_a_comma_on_a_latvian_page_is_refunded(client, admin, pullover):
    order = make_order(pullover, quantity=2)
    db.session.commit()
    client.post(f"/admin/orders/{order.id}/mark-paid")
    client.get(f"/admin/orders/{order.id}?lang=lv")

    response = client.post(f"/admin/orders/{order.id}/refund", data={"amount": "12,50"})

    assert response.status_code == 303
    db.session.rollback()
    assert db.session.scalar(sa.select(Order.amount_refunded).where(Order.id == order.id)) == 1250


def test_settings_show_amounts_and_rates_in_the_pages_language_and_read_them_back(client, admin):
    response = client.post("/admin/settings?lang=lv", data=settings_form(SHIPPING_FLAT_RATE="5,50", TAX_RATE_BPS="5,5"))
    assert response.status_code == 302
    assert rows()["SHIPPING_FLAT_RATE"] == 550 and rows()["TAX_RATE_BPS"] == 550

    latvian = client.get("/admin/settings?lang=lv").text
    english = client.get("/admin/settings?lang=en").text

    assert field_value(latvian, "SHIPPING_FLAT_RATE") == "5,50" and field_value(latvian, "TAX_RATE_BPS") == "5,5"
    assert field_value(english, "SHIPPING_FLAT_RATE") == "5.50" and field_value(english, "TAX_RATE_BPS") == "5.5"


def test_a_variant_price_typed_with_a_comma_is_saved(client, admin, pullover):
    page = client.get(f"/admin/variants/{pullover.id}?lang=lv").text
    form = re.search(r'<form method="post" novalidate>(.*?)</form>', page, flags=re.DOTALL).group(1)
    data = {name: field_value(form, name) for name in re.findall(r'<input[^>]*name="([^"]+)"', form)}

    response = client.post(f"/admin/variants/{pullover.id}", data={**data, "price": "79,90"})

    assert response.status_code == 302
    db.session.rollback()
    assert db.session.scalar(sa.select(Variant.price).where(Variant.id == pullover.id)) == 7990


def test_a_settings_form_drawn_in_latvian_and_sent_in_english_changes_nothing(app, client, admin, monkeypatch):
    """Staff may switch language in another tab between drawing the form and saving it: the amounts
    it shows ("4,95") are still the values in force, not edits to parse again. Parsed again, an
    environment's threshold above what the form allows would refuse the whole save."""
    monkeypatch.setitem(app.config, "FREE_SHIPPING_THRESHOLD", 2_000_000)
    latvian = client.get("/admin/settings?lang=lv").text
    amounts = {name: field_value(latvian, name)
               for name in ("SHIPPING_FLAT_RATE", "SHIPPING_EXPRESS_RATE", "FREE_SHIPPING_THRESHOLD")}
    assert amounts["FREE_SHIPPING_THRESHOLD"] == "20000,00"
    assert all("," in value for value in amounts.values())

    response = client.post("/admin/settings?lang=en", data=settings_form(**amounts))

    assert response.status_code == 302
    assert audit_entries() == [] and rows() == {}
