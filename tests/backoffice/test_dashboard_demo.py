"""The demo shop gives the dashboard something to say: orders of the last 30 days (and of the 30
before, to compare with) from every channel, with visits to count conversion against."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from promotions.results import results
from storefront.backoffice import dashboard
from storefront.demo.data import load_demo
from tests.demo_shop import load_demo_shop
from storefront.demo.sales import CHANNELS
from storefront.extensions import db
from storefront.orders.models import Order

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
ZONE = "Europe/Riga"


@pytest.fixture
def demo(app):
    return load_demo_shop(NOW)


def test_the_demo_has_paid_orders_and_visits_from_every_channel_in_the_last_30_days(demo):
    period = dashboard.period_for("30d", NOW, ZONE)

    funnel = {(row.channel, row.source): row for row in dashboard.funnel(period).rows}
    sales = dashboard.sales(period)

    for channel in CHANNELS:
        row = funnel[(channel.channel, channel.source)]
        assert row.visits > 100 and row.paid > 5, (channel, row)
    assert sales.current.revenue > sales.previous.revenue > 0  # a shop that grows
    assert sales.current.refunds > 0 and sales.current.discount > 0
    days = dashboard.daily_sales(period)
    assert sum(1 for day in days if day.paid_orders) >= 25
    todo = dashboard.to_do(NOW)
    assert todo.awaiting_payment and todo.holds_expiring and todo.to_pack and todo.to_ship


def test_every_channels_funnel_narrows_from_visits_to_paid_orders(demo):
    period = dashboard.period_for("30d", NOW, ZONE)

    rows = {(row.channel, row.source): row for row in dashboard.funnel(period).rows}

    for channel in CHANNELS:
        row = rows[(channel.channel, channel.source)]
        counts = [count for _step, count in row.counts()]
        assert counts == sorted(counts, reverse=True) and len(set(counts)) == len(counts), (channel, counts)
        assert all(0 < rate <= 100 for _step, rate in row.step_rates()), row


def test_loading_the_demo_again_adds_no_second_set_of_orders(demo):
    count = db.session.scalar(sa.select(sa.func.count(Order.id)))
    load_demo(now=NOW + dt.timedelta(days=2))
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == count


def test_the_demo_offers_show_redemptions_and_revenue_that_agree_with_their_results_pages(demo):
    lines = dashboard.current_offers(NOW)

    used = [line for line in lines if line.figures.redeemed]
    assert {line.offer.slug for line in used} == {"followers-week", "free-shipping-40"}
    for line in lines:
        expected = results(line.offer.id, NOW)
        assert (line.figures.redeemed, line.figures.revenue, line.remaining) == (
            expected.total.redeemed, expected.total.revenue, expected.remaining)
        assert line.offer.redemptions_count == expected.total.redeemed + expected.total.held
