"""The tracking page's timeline: each refund says its amount."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from storefront.payments import refunds
from storefront.payments import service as payments
from tests.conftest import fresh
from tests.factories import make_order, make_product, make_user

NOW = dt.datetime(2026, 11, 20, 3, 38, 17, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def refunded_twice(locale: str):
    """A €156.60 order paid by transfer, refunded €54.33 and then €10.00 by staff."""
    admin = make_user("admin@example.com", "admin")
    pullover = make_product(title="Dzintars pullover", variants=[{"price": 156_60, "stock": 3}]).variants[0]
    order = make_order(pullover, now=NOW, locale=locale)
    payments.mark_manual_payment_received(order.id, actor=admin, now=NOW + dt.timedelta(hours=1))
    refunds.refund(order.id, 54_33, actor=admin, now=NOW + dt.timedelta(days=1))
    refunds.refund(order.id, 10_00, actor=admin, now=NOW + dt.timedelta(days=2))
    return fresh(order.id)


def timeline(page: str) -> list[tuple[str, str]]:
    """Each entry's (moment as written, what happened)."""
    entries = page.partition('<ol class="timeline">')[2].partition("</ol>")[0]
    return [(when, what.strip()) for when, what in
            re.findall(r"<li><time [^>]*>([^<]*)</time>([^<]*)</li>", entries)]


@pytest.mark.parametrize("locale, expected", [
    ("es", ["Reembolsado en parte: 54,33\xa0€", "Reembolsado en parte: 10,00\xa0€ (64,33\xa0€ en total)"]),
    ("lv", ["Daļēji atmaksāts: 54,33\xa0€", "Daļēji atmaksāts: 10,00\xa0€ (kopā 64,33\xa0€)"]),
])
def test_each_refund_on_the_timeline_says_its_amount_and_the_page_what_was_paid_after_them(
        client, locale, expected):
    order = refunded_twice(locale)
    page = client.get(f"/orders/{order.tracking_token}", query_string={"lang": locale}).text
    assert [what for _, what in timeline(page)][-2:] == expected
    assert "data-total>156,60\xa0€<" in page and "data-refunded>−64,33\xa0€<" in page
    assert "data-paid-after-refunds>92,27\xa0€<" in page


def test_the_refund_that_completes_an_order_says_its_amount_and_the_total_refunded(client):
    order = refunded_twice("es")
    refunds.refund(order.id, 92_27, actor=make_user("admin2@example.com", "admin"), now=NOW + dt.timedelta(days=3))
    page = client.get(f"/orders/{order.tracking_token}", query_string={"lang": "es"}).text
    assert timeline(page)[-1][1] == "Reembolsado: 92,27\xa0€ (156,60\xa0€ en total)"
    assert "data-paid-after-refunds>0,00\xa0€<" in page
