"""An offer's figures say the same thing on every page that shows them: held, redeemed (paid) and
released, the cap left and the revenue of the offers list, the offer's results, the back-office
dashboard and its CSV."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from promotions.models import Redemption
from storefront.extensions import db
from tests.backoffice.conftest import sign_in
from tests.factories import make_user

from .conftest import make_offer, make_paid_order

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
    """An offer capped at 300: one order waiting for payment, two paid, one that went unpaid."""
    now = dt.datetime.now(UTC)
    offer = make_offer(name="Telegram ten", slug="telegram-ten", cap_total=300, starts_at=now - dt.timedelta(days=2))
    for status, channel, total in (("held", "telegram", 11900), ("confirmed", "telegram", 11900),
                                   ("confirmed", "web", 6000), ("released", "telegram", 12900)):
        order = make_paid_order(total, channel, status="paid" if status == "confirmed" else "pending_payment")
        db.session.add(Redemption(offer_id=offer.id, order_id=order.id, status=status, discount=1000,
                                  channel=channel, confirmed_at=now if status == "confirmed" else None))
    offer.redemptions_count = 3  # held and redeemed take a place under the cap; released gave it back
    db.session.commit()
    return offer.id


def test_the_list_the_results_and_the_dashboard_show_the_same_figures(client, marketer):
    offer_id = offer_with_one_of_each()
    expected = {"held": "1", "redeemed": "2", "released": "1", "cap": "297 of 300"}

    listed = cells(client.get("/admin/offers/").text, "<tbody>")
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
    assert (exported["held"], exported["redeemed"], exported["released"], exported["remaining"], exported["cap"],
            exported["revenue_eur"]) == ("1", "2", "1", "297", "300", "179.00")


def test_an_order_waiting_for_payment_is_held_not_redeemed_on_the_list(client, marketer):
    offer = make_offer(cap_total=300)
    db.session.add(Redemption(offer_id=offer.id, order_id=make_paid_order(11900, status="pending_payment").id,
                              status="held", discount=1000, channel="telegram"))
    offer.redemptions_count = 1
    db.session.commit()

    listed = cells(client.get("/admin/offers/").text, "<tbody>")

    assert (listed["held"], listed["redeemed"], listed["cap"]) == ("1", "0", "299 of 300")
