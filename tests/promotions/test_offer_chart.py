"""The results chart: redemptions per day on one labelled axis of whole numbers, and an empty
state (never a 500) for an offer that has not started."""
from __future__ import annotations

import datetime as dt
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


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


def axis_labels(svg: str) -> list[str]:
    """The y axis' tick labels, bottom to top (pygal writes each guide's label in a <text>)."""
    axis = re.search(r'<g class="axis y[^"]*">(.*?)</g>\s*</g>\s*<g class="axis', svg, flags=re.DOTALL)
    return re.findall(r"<text[^>]*>([^<]*)</text>", axis.group(1)) if axis else []


@pytest.mark.parametrize("fields", [
    {"state": "draft"},
    {"starts_at": dt.datetime.now(UTC) + dt.timedelta(days=3), "ends_at": dt.datetime.now(UTC) + dt.timedelta(days=9)},
    {"state": "draft", "starts_at": dt.datetime.now(UTC) + dt.timedelta(days=3),
     "ends_at": dt.datetime.now(UTC) + dt.timedelta(days=9)},
], ids=["draft", "future", "future-draft"])
def test_a_draft_or_future_offers_chart_is_an_empty_state(client, marketer, fields):
    offer = make_offer(**fields)

    chart = client.get(f"/admin/offers/{offer.id}/chart.svg")
    page = client.get(f"/admin/offers/{offer.id}")

    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    assert "No redemptions yet" in chart.text
    assert page.status_code == 200 and "The chart starts when the offer goes live." in page.text


def test_the_chart_has_whole_number_ticks_on_one_labelled_axis(client, marketer):
    offer = make_offer(starts_at=now() - dt.timedelta(days=9))
    for days_ago, count in ((8, 2), (5, 1), (1, 3)):
        for _ in range(count):
            db.session.add(Redemption(offer_id=offer.id, order_id=make_paid_order(2500 * count).id, status="confirmed",
                                      channel="web", discount=100, confirmed_at=now() - dt.timedelta(days=days_ago)))
    db.session.commit()

    svg = client.get(f"/admin/offers/{offer.id}/chart.svg").text

    labels = axis_labels(svg)
    assert labels and all(label.isdigit() for label in labels)
    assert [int(label) for label in labels] == sorted({int(label) for label in labels})  # no tick twice
    assert int(labels[-1]) >= 3
    assert 'class="axis y2' not in svg  # one axis: no revenue scale beside it
    assert "Redeemed per day" in svg
