"""An offer's figures say the same thing on every page that shows them: held, redeemed (paid) and
released, the cap left, the revenue and the refunds of the offers list, the offer's results, the
back-office dashboard and its CSV; and the offer's money agrees with the dashboard's sales."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from promotions.models import Redemption
from storefront.extensions import db
from storefront.money import format_major, format_money
from storefront.orders.models import Order
from storefront.payments import refunds
from storefront.payments import service as payments
from tests.backoffice.conftest import sign_in
from tests.factories import make_product, make_user

from .conftest import make_offer, make_paid_order
from .test_redemptions import order_with_offers

UTC = dt.timezone.utc


@pytest.fixture
def marketer(client):
    user = make_user("marketer@example.com", "marketer")
    sign_in(client, user)
    return user


def cells(html: str, scope: str) -> dict[str, str]:
    """The figure cells (class c-held, c-redeemed, …) inside the first element that `scope` opens."""
    start = html.index(scope)
    found = {}
    for name, text in re.findall(r'class="num c-(\w+)"[^>]*>(.*?)</t[dh]>', html[start:], flags=re.DOTALL):
        found.setdefault(name, re.sub(r"<[^>]+>", "", text).strip())
    return found


def offer_with_one_of_each() -> int:
    """An offer capped at 300: one order waiting for payment, two paid (the web one refunded
    €20.00 of), one that went unpaid."""
    now = dt.datetime.now(UTC)
    offer = make_offer(name="Telegram ten", slug="telegram-ten", cap_total=300, starts_at=now - dt.timedelta(days=2))
    for status, channel, total in (("held", "telegram", 11900), ("confirmed", "telegram", 11900),
                                   ("confirmed", "web", 6000), ("released", "telegram", 12900)):
        order = make_paid_order(total, channel, status="paid" if status == "confirmed" else "pending_payment")
        order.amount_refunded = 2000 if (status, channel) == ("confirmed", "web") else 0
        db.session.add(Redemption(offer_id=offer.id, order_id=order.id, status=status, discount=1000,
                                  channel=channel, confirmed_at=now if status == "confirmed" else None))
    offer.redemptions_count = 3  # held and redeemed take a place under the cap; released gave it back
    db.session.commit()
    return offer.id


def test_the_list_the_results_and_the_dashboard_show_the_same_figures(client, marketer):
    offer_id = offer_with_one_of_each()
    expected = {"held": "1", "redeemed": "2", "released": "1", "cap": "297 of 300"}

    listed = cells(client.get("/admin/offers/").text, "<tbody")
    detail_html = client.get(f"/admin/offers/{offer_id}").text
    detail = cells(detail_html, "<tfoot>")
    dashboard = cells(client.get("/admin/").text, 'id="offers-heading"')
    exported = next(csv.DictReader(io.StringIO(client.get("/admin/dashboard/offers.csv").text)))

    assert {k: listed[k] for k in expected} == expected
    assert {k: detail[k] for k in ("held", "redeemed", "released")} == {k: expected[k] for k in ("held", "redeemed",
                                                                                                 "released")}
    assert re.search(r'class="c-cap">297 of 300<', detail_html)
    assert {k: dashboard[k] for k in expected} == expected
    assert dashboard["revenue"] == detail["revenue"] == "€179.00"
    assert detail["refunded"] == "1 · €20.00"
    assert (exported["held"], exported["redeemed"], exported["released"], exported["remaining"], exported["cap"],
            exported["revenue_eur"], exported["refunded_orders"], exported["refunds_eur"]) \
        == ("1", "2", "1", "297", "300", "179.00", "1", "20.00")


def test_an_order_waiting_for_payment_is_held_not_redeemed_on_the_list(client, marketer):
    offer = make_offer(cap_total=300)
    db.session.add(Redemption(offer_id=offer.id, order_id=make_paid_order(11900, status="pending_payment").id,
                              status="held", discount=1000, channel="telegram"))
    offer.redemptions_count = 1
    db.session.commit()

    listed = cells(client.get("/admin/offers/").text, "<tbody")

    assert (listed["held"], listed["redeemed"], listed["cap"]) == ("1", "0", "299 of 300")


def stat(html: str, label: str) -> str:
    """The value of the dashboard's figure card labelled `label`."""
    found = re.search(r'<span class="stat-label">' + re.escape(label) + r'</span>\s*<span class="stat-value">(.*?)</span>',
                      html)
    assert found, f"no figure {label!r} on the dashboard"
    return found.group(1).strip()


def test_a_refunded_order_stays_redeemed_and_its_refund_shows_apart_as_on_the_dashboard(client):
    """Four orders under one capped offer, placed and paid as a shopper and staff do it: one kept,
    one refunded in full, one refunded in part, one left unpaid and cancelled. The offer's page
    counts three redeemed (a refund gives no place back) and one released, shows the two refunds
    apart, and its revenue, discount and refunds are the dashboard's for the same orders."""
    admin = make_user("admin@example.com", "admin")
    sign_in(client, admin)
    variant = make_product(variants=[{"price": 2500, "stock": 10}]).variants[0]
    offer = make_offer(name="Refund watch", slug="refund-watch", cap_total=5)
    now = dt.datetime.now(UTC)
    kept, full, part, unpaid = (order_with_offers(variant, email=f"{name}@example.com")
                                for name in ("kept", "full", "part", "unpaid"))
    for order in (kept, full, part):
        payments.mark_manual_payment_received(order.id, actor=admin, now=now)
    refunds.refund(full.id, full.total, actor=admin, now=now)
    refunds.refund(part.id, 1000, actor=admin, now=now)
    assert payments.cancel_unpaid(unpaid, reason="staff", now=now)
    db.session.commit()
    paid = [db.session.get(Order, o.id) for o in (kept, full, part)]
    money = {"revenue": format_money(sum(o.total for o in paid), "EUR"),
             "discount": format_money(sum(o.discount + o.shipping_discount for o in paid), "EUR"),
             "refunds": format_money(full.total + 1000, "EUR")}

    detail_html = client.get(f"/admin/offers/{offer.id}").text
    detail = cells(detail_html, "<tfoot>")
    dashboard_html = client.get("/admin/").text
    dashboard = cells(dashboard_html, 'id="offers-heading"')

    assert {k: detail[k] for k in ("held", "redeemed", "released", "refunded")} == \
        {"held": "0", "redeemed": "3", "released": "1", "refunded": f"2 · {money['refunds']}"}
    assert re.search(r'class="c-cap">2 of 5<', detail_html)  # the refunded orders keep their places
    assert {k: detail[k] for k in ("revenue", "discount")} == {k: money[k] for k in ("revenue", "discount")}
    assert f"Refunded orders: 2 · Refunds: {money['refunds']}" in detail_html  # below the table too
    assert "A refund gives no place under the cap back" in detail_html
    # The dashboard's sales figures, for the same (and only) orders, say the same money.
    assert (stat(dashboard_html, "Revenue (paid)"), stat(dashboard_html, "Discount given"),
            stat(dashboard_html, "Refunds")) == (money["revenue"], money["discount"], money["refunds"])
    assert (dashboard["redeemed"], dashboard["released"], dashboard["revenue"]) == ("3", "1", money["revenue"])
    exported = next(csv.DictReader(io.StringIO(client.get("/admin/dashboard/offers.csv").text)))
    assert (exported["redeemed"], exported["refunded_orders"], exported["refunds_eur"]) == \
        ("3", "2", format_major(full.total + 1000, "EUR"))


def test_a_late_payment_the_shop_refunded_is_no_sale_on_the_offer_page_nor_the_dashboard(client):
    """A card payment that arrived after its hold ran out and its stock was sold is refunded at once
    (`payments.service._late_payment`; tests/payments/test_stripe.py drives it through Stripe): the
    order ends refunded, never paid (no `paid_at`), its redemption released with the hold. Neither
    page counts it as a sale."""
    sign_in(client, make_user("admin@example.com", "admin"))
    variant = make_product(variants=[{"price": 2500, "stock": 1}]).variants[0]
    offer = make_offer(name="Late watch", slug="late-watch", cap_total=5)
    order = order_with_offers(variant, email="late@example.com")
    assert payments.cancel_unpaid(order, reason="reservation_expired", now=dt.datetime.now(UTC))
    late = db.session.get(Order, order.id)
    late.status, late.amount_refunded = "refunded", late.total  # what the late payment's refund leaves
    db.session.commit()
    assert late.paid_at is None and late.discount + late.shipping_discount > 0

    dashboard_html = client.get("/admin/").text
    detail = cells(client.get(f"/admin/offers/{offer.id}").text, "<tfoot>")
    assert detail["revenue"] == stat(dashboard_html, "Revenue (paid)") == format_money(0)
    assert detail["discount"] == stat(dashboard_html, "Discount given") == format_money(0)
