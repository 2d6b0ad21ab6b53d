"""The tracking page's timeline: each refund says its amount, and every moment reads to the minute in
the one format shoppers read (`shopper_time`), in the shop's zone and the page's language."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from storefront.payments import refunds
from storefront.payments import service as payments
from tests.conftest import fresh
from tests.factories import make_order, make_product, make_user

NOW = dt.datetime(2026, 11, 20, 3, 38, 17, tzinfo=dt.timezone.utc)
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


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


@pytest.mark.parametrize("locale, placed, held", [
    ("es", "20 nov 2026, 5:38 (UTC+2)", "23 nov 2026, 5:38 (UTC+2)"),
    ("lv", "2026. g. 20. nov. 05:38 (UTC+2)", "2026. g. 23. nov. 05:38 (UTC+2)"),
])
def test_every_moment_on_the_tracking_page_reads_to_the_minute_in_one_format(client, locale, placed, held):
    order = make_order(now=NOW, locale=locale)
    page = client.get(f"/orders/{order.tracking_token}", query_string={"lang": locale}).text
    assert timeline(page) == [(placed, {"es": "Pedido realizado", "lv": "Pasūtījums veikts"}[locale])]
    assert held in page
    assert not re.search(r"\d:\d\d:\d\d", re.sub(r"<[^>]*>", "", page))  # no seconds anywhere a shopper reads


def test_no_page_or_mail_a_shopper_reads_writes_a_moment_another_way():
    """`shopper_time` dates every moment on the tracking and pay pages and in the shopper's mail;
    Babel's `datetimeformat` (seconds), `dateformat` (no time) and the staff's `staff_time` don't."""
    shopper_mail = [path for path in TEMPLATES.glob("mail/reviews/*") if not path.name.startswith("inbox_alert")]
    shopper_templates = [*TEMPLATES.glob("orders/*"), *TEMPLATES.glob("mail/order.*"), *shopper_mail]
    assert len(shopper_templates) > 5
    other_ways = [f"{path.relative_to(TEMPLATES)}: {match}" for path in shopper_templates
                  for match in re.findall(r"\|\s*(?:shop_datetime|datetimeformat|dateformat|timeformat|staff_time)\b",
                                          path.read_text())]
    assert other_ways == []
