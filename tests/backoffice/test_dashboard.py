"""The back-office dashboard: each role's sections, figures that agree with the order list and the
offers' results pages, a fixed number of queries whatever the number of orders, charts that the
strict CSP allows, their CSVs, and periods in the shop's time zone."""
from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import random
import re
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from promotions.models import Redemption
from promotions.results import results
from storefront.backoffice import dashboard
from storefront.database import utcnow
from storefront.extensions import db
from storefront.orders.models import Order, OrderStatus
from storefront.orders.queries import OrderFilters, order_page
from storefront.social.models import FunnelCount, FunnelStep, Visit
from tests.promotions.conftest import make_offer

UTC = dt.timezone.utc
ZONE = "Europe/Riga"
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 14:00 in Riga
CHANNELS = (("meta", "facebook"), ("telegram", "telegram"), ("vk", "vk"), ("web", ""), ("web", "newsletter"))
STATUSES = tuple(OrderStatus)


def add_order(created_at: dt.datetime, *, total: int = 5000, status: str = "paid", channel: str = "web",
              source: str = "", refunded: int = 0, discount: int = 0, shipping_discount: int = 0,
              reserved_until: dt.datetime | None = None, stock_held: bool = False) -> Order:
    """An order placed at `created_at` (no lines: the dashboard sums orders), flushed."""
    order = Order(email="buyer@example.com", full_name="A Buyer", address_line1="Street 1", city="Rīga",
                  postal_code="LV-1001", country="LV", shipping_method="standard", payment_method="bank_transfer",
                  currency="EUR", items_subtotal=total + discount, discount=discount,
                  shipping_discount=shipping_discount, shipping=0, tax=0, tax_included=True, total=total,
                  amount_refunded=refunded, status=status, channel=channel, utm_source=source,
                  created_at=created_at, reserved_until=reserved_until, stock_held=stock_held,
                  paid_at=created_at if status not in ("pending_payment", "cancelled") else None)
    db.session.add(order)
    db.session.flush()
    return order


def earlier_today(now: dt.datetime, minutes: int) -> dt.datetime:
    """`minutes` before `now`, but not before the shop's midnight: an order a test counts in "today"
    stays in today when the test runs in the first minutes of a day in Riga."""
    midnight = dt.datetime.combine(dashboard.local_today(now, ZONE), dt.time(), ZoneInfo(ZONE))
    return max(now - dt.timedelta(minutes=minutes), midnight.astimezone(UTC))


def random_orders(rng: random.Random, count: int, *, around: dt.datetime = NOW, days: int = 70) -> list[Order]:
    orders = []
    for _ in range(count):
        created = around - dt.timedelta(minutes=rng.randrange(days * 24 * 60))
        status = rng.choice(STATUSES)
        total = rng.randrange(500, 30000)
        refunded = total if status == OrderStatus.REFUNDED else (rng.choice((0, 0, 0, rng.randrange(total)))
                                                                if status in dashboard.PAID_STATES else 0)
        channel, source = rng.choice(CHANNELS)
        orders.append(add_order(created, total=total, status=status, channel=channel, source=source, refunded=refunded,
                                discount=rng.choice((0, 0, rng.randrange(1, 2000))),
                                shipping_discount=rng.choice((0, 495))))
    return orders


def add_visits(rng: random.Random, count: int, *, around: dt.datetime = NOW, days: int = 70) -> None:
    for n in range(count):
        channel, source = rng.choice(CHANNELS)
        db.session.add(Visit(visit_key=f"v{n:031d}", channel=channel, utm_source=source,
                             created_at=around - dt.timedelta(minutes=rng.randrange(days * 24 * 60))))
    db.session.flush()


def listed(filters: OrderFilters) -> list[Order]:
    """Every order the staff order list shows for `filters` (all its pages)."""
    page = order_page(filters, time_zone=ZONE, per_page=100_000)
    assert len(page.items) == page.total
    return page.items


# --- figures agree with the order list and the offers' results ------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("key", ["today", "7d", "30d"])
def test_sales_figures_agree_with_the_order_list_filtered_to_the_same_days(app, seed, key):
    rng = random.Random(seed)
    random_orders(rng, 250)
    db.session.commit()
    period = dashboard.period_for(key, NOW, ZONE)

    compared = dashboard.sales(period)

    for figures, days in ((compared.current, period), (compared.previous, period.previous())):
        shown = listed(OrderFilters(date_from=days.first_day, date_to=days.last_day))
        paid = [o for o in shown if o.status in dashboard.PAID_STATES]
        assert figures.orders == len(shown)
        assert figures.paid_orders == len(paid) == sum(
            len(listed(OrderFilters(status=s.value, date_from=days.first_day, date_to=days.last_day)))
            for s in dashboard.PAID_STATES)
        assert figures.revenue == sum(o.total for o in paid)
        assert figures.refunds == sum(o.amount_refunded for o in paid)
        assert figures.discount == sum(o.discount + o.shipping_discount for o in paid)
    by_day = dashboard.daily_sales(period)
    assert [d.day for d in by_day] == period.day_list()
    assert sum(d.orders for d in by_day) == compared.current.orders
    assert sum(d.revenue for d in by_day) == compared.current.revenue
    for day in by_day:
        assert day.orders == len(listed(OrderFilters(date_from=day.day, date_to=day.day)))


@pytest.mark.parametrize("seed", [4, 5])
def test_orders_to_handle_agree_with_the_order_list_per_state(app, seed):
    rng = random.Random(seed)
    random_orders(rng, 150, days=400)
    add_order(NOW - dt.timedelta(days=2), status="pending_payment", stock_held=True,
              reserved_until=NOW + dt.timedelta(hours=3))
    add_order(NOW - dt.timedelta(days=1), status="pending_payment", stock_held=True,
              reserved_until=NOW + dt.timedelta(hours=40))
    db.session.commit()

    todo = dashboard.to_do(NOW)

    assert todo.awaiting_payment == len(listed(OrderFilters(status="pending_payment")))
    assert todo.to_pack == len(listed(OrderFilters(status="paid")))
    assert todo.to_ship == len(listed(OrderFilters(status="fulfilled")))
    assert todo.holds_expiring == 1


@pytest.mark.parametrize("seed", [4, 5, 11])
def test_the_holds_ending_soon_figure_is_the_count_of_the_order_list_it_links_to(client, admin, seed):
    rng = random.Random(seed)
    now = utcnow()
    random_orders(rng, 80, around=now, days=10)
    for _ in range(40):
        add_order(now - dt.timedelta(hours=rng.randrange(1, 200)), status=rng.choice(("pending_payment", "paid")),
                  stock_held=rng.random() < 0.8,
                  # Minutes away from the 24-hour edge: the page reads its own clock a moment later.
                  reserved_until=rng.choice((None, now + dt.timedelta(minutes=rng.choice(
                      [*range(-600, 1430), *range(1450, 3000)])))))
    db.session.commit()

    page = client.get("/admin/").get_data(as_text=True)
    figure = re.search(r'href="/admin/orders\?hold=ending">\s*<span class="stat-value">(\d+)</span>', page)
    listed_page = client.get("/admin/orders?hold=ending&page=1")

    assert figure, "the dashboard links its holds figure to the filtered list"
    total = re.search(r"<h1>[^<]*<span class=\"muted\">\((\d+)\)</span>", listed_page.get_data(as_text=True))
    assert listed_page.status_code == 200 and int(figure.group(1)) == int(total.group(1)) > 0
    assert int(figure.group(1)) == dashboard.to_do(now).holds_expiring == len(
        order_page(OrderFilters(hold_ends_before=now + dashboard.HOLD_EXPIRING), time_zone=ZONE, per_page=1000).items)
    shown = order_page(OrderFilters(hold_ends_before=now + dashboard.HOLD_EXPIRING), time_zone=ZONE, per_page=1000).items
    assert all(o.status == "pending_payment" and o.stock_held and o.reserved_until < now + dashboard.HOLD_EXPIRING
               for o in shown)


def test_an_unknown_hold_filter_is_refused_with_a_message(client, admin):
    response = client.get("/admin/orders?hold=forever")
    assert response.status_code == 400 and "Unknown hold filter" in response.get_data(as_text=True)


@pytest.mark.parametrize("seed", [6, 7])
def test_offer_redemptions_and_revenue_agree_with_each_offers_results_page(app, seed):
    rng = random.Random(seed)
    offers = [make_offer(now=NOW), make_offer(now=NOW, cap_total=50),
              make_offer(now=NOW, starts_at=NOW + dt.timedelta(days=2), ends_at=NOW + dt.timedelta(days=4))]
    for order in random_orders(rng, 120):
        offer = rng.choice(offers[:2])
        status = rng.choice(("held", "confirmed", "confirmed", "released"))
        db.session.add(Redemption(offer_id=offer.id, order_id=order.id, status=status, discount=rng.randrange(900),
                                  channel=order.channel, confirmed_at=NOW if status == "confirmed" else None))
    db.session.commit()

    lines = {line.offer.id: line for line in dashboard.current_offers(NOW)}

    assert set(lines) == {o.id for o in offers}
    for offer in offers:
        expected = results(offer.id, NOW)
        assert lines[offer.id].figures.redeemed == expected.total.redeemed
        assert lines[offer.id].figures.revenue == expected.total.revenue
        assert lines[offer.id].remaining == expected.remaining
    assert lines[offers[0].id].status == "live" and lines[offers[2].id].status == "scheduled"
    assert lines[offers[2].id].countdown == dt.timedelta(days=2)


def add_steps(rng: random.Random, count: int, *, around: dt.datetime = NOW, days: int = 70) -> None:
    """Funnel step counts on random days around `around` (one row per day, channel, source, step)."""
    rows: dict[tuple, int] = {}
    for _ in range(count):
        channel, source = rng.choice(CHANNELS)
        day = (around - dt.timedelta(days=rng.randrange(days))).date()
        key = (day, channel, source, rng.choice(list(FunnelStep)).value)
        rows[key] = rows.get(key, 0) + rng.randrange(1, 20)
    db.session.add_all(FunnelCount(day=day, channel=channel, utm_source=source, step=step, count=n)
                       for (day, channel, source, step), n in rows.items())
    db.session.flush()


def test_the_funnel_counts_every_step_per_channel_and_source(app):
    rng = random.Random(8)
    orders = random_orders(rng, 200)
    add_visits(rng, 400)
    add_steps(rng, 300)
    db.session.commit()
    period = dashboard.period_for("30d", NOW, ZONE)

    funnel = dashboard.funnel(period)

    before = period.previous()
    inside = [o for o in orders if period.start <= o.created_at < period.end]
    for row in funnel.rows:
        mine = [o for o in inside if (o.channel, o.utm_source) == (row.channel, row.source)]
        assert row.orders == len(mine)
        assert row.paid == sum(1 for o in mine if o.status in dashboard.PAID_STATES)
        for days, visits in ((period, row.visits), (before, row.previous_visits)):
            assert visits == db.session.scalar(sa.select(sa.func.count(Visit.id)).where(
                Visit.channel == row.channel, Visit.utm_source == row.source,
                Visit.created_at >= days.start, Visit.created_at < days.end))
        assert row.previous_paid == sum(1 for o in listed(OrderFilters(date_from=before.first_day,
                                                                        date_to=before.last_day))
                                        if (o.channel, o.utm_source) == (row.channel, row.source)
                                        and o.status in dashboard.PAID_STATES)
        for step in FunnelStep:
            assert getattr(row, step.value) == db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(FunnelCount.count), 0)).where(
                    FunnelCount.channel == row.channel, FunnelCount.utm_source == row.source,
                    FunnelCount.step == step.value, FunnelCount.day >= period.first_day,
                    FunnelCount.day <= period.last_day))
    assert funnel.total.orders == len(inside)
    assert funnel.total.carts == sum(r.carts for r in funnel.rows)
    assert {(r.channel, r.source) for r in funnel.rows} == set(CHANNELS)


# --- periods in the shop's time zone ---------------------------------------------------------------

def test_a_day_is_the_shops_local_day_on_both_sides_of_a_clock_change(app):
    # Riga leaves summer time on 2026-10-25 at 04:00 local (01:00 UTC): +3 before, +2 after.
    add_order(dt.datetime(2026, 10, 24, 21, 30, tzinfo=UTC), total=100)  # 25 Oct 00:30 local
    add_order(dt.datetime(2026, 10, 25, 21, 30, tzinfo=UTC), total=200)  # 25 Oct 23:30 local
    add_order(dt.datetime(2026, 10, 25, 22, 30, tzinfo=UTC), total=400)  # 26 Oct 00:30 local
    add_order(dt.datetime(2026, 10, 24, 20, 59, tzinfo=UTC), total=800)  # 24 Oct 23:59 local
    db.session.commit()
    period = dashboard.period_for("custom", NOW, ZONE, date_from="2026-10-24", date_to="2026-10-26")

    days = {d.day.isoformat(): d.revenue for d in dashboard.daily_sales(period)}

    assert days == {"2026-10-24": 800, "2026-10-25": 300, "2026-10-26": 400}


def test_days_changed_under_a_preset_period_are_the_period_shown():
    """The form sends the preset's days with it: other days mean staff typed them ("Show" used to
    show the last 7 days, whatever was typed)."""
    typed = dashboard.period_for("7d", NOW, ZONE, date_from="2026-11-01", date_to="2026-11-05")
    assert (typed.key, typed.first_day, typed.last_day) == ("custom", dt.date(2026, 11, 1), dt.date(2026, 11, 5))
    own = dashboard.period_for("7d", NOW, ZONE, date_from="2026-11-17", date_to="2026-11-23")
    assert own.key == "7d" and dashboard.period_for("7d", NOW, ZONE).key == "7d"


def test_the_previous_period_is_as_long_and_ends_the_day_before():
    period = dashboard.period_for("7d", NOW, ZONE)
    assert (period.first_day, period.last_day) == (dt.date(2026, 11, 17), dt.date(2026, 11, 23))
    before = period.previous()
    assert (before.first_day, before.last_day) == (dt.date(2026, 11, 10), dt.date(2026, 11, 16))
    late_evening = dt.datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # already 24 Nov in Riga
    assert dashboard.period_for("today", late_evening, ZONE).first_day == dt.date(2026, 11, 24)


@pytest.mark.parametrize("args", [
    {"period": "fortnight"}, {"period": "custom"}, {"period": "custom", "from": "2026-11-20", "to": "2026-11-01"},
    {"period": "custom", "from": "2020-01-01", "to": "2026-01-01"}, {"period": "custom", "from": "x", "to": "y"}])
def test_a_period_that_makes_no_sense_is_refused_with_a_message(client, admin, args):
    response = client.get("/admin/", query_string=args)
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert client.get("/admin/dashboard/sales.csv", query_string=args).status_code == 400


# --- each role's dashboard -------------------------------------------------------------------------

SECTION_HEADINGS = {"sales": "sales-heading", "todo": "todo-heading", "offers": "offers-heading",
                    "channels": "channels-heading", "care": "care-heading", "stock": "stock-heading"}


@pytest.mark.parametrize("role, shown", [
    ("admin", {"sales", "todo", "offers", "channels", "care", "stock"}),
    ("marketer", {"sales", "offers", "channels"}),
    ("support", {"todo", "care"}),
])
def test_each_role_sees_its_own_dashboard(client, staff, role, shown):
    staff(role)
    html = client.get("/admin/?period=30d").text
    assert {name for name, heading in SECTION_HEADINGS.items() if f'id="{heading}"' in html} == shown


@pytest.mark.parametrize("role, path", [
    ("support", "/admin/dashboard/sales.svg"), ("support", "/admin/dashboard/channels.csv"),
    ("support", "/admin/dashboard/offers.csv"), ("marketer", "/admin/dashboard/ratings.svg")])
def test_a_chart_or_csv_of_a_section_the_role_does_not_see_is_refused(client, staff, role, path):
    staff(role)
    assert client.get(path).status_code == 403


def test_the_page_shows_the_figures_with_links_to_the_filtered_order_lists(client, admin):
    now = utcnow()
    add_order(earlier_today(now, 5), total=12345, channel="telegram", source="telegram")
    add_order(earlier_today(now, 4), total=500, status="pending_payment")
    add_order(earlier_today(now, 3), total=700, status="fulfilled")
    db.session.commit()
    period = dashboard.period_for("today", now, ZONE)

    html = client.get("/admin/?period=today").text

    assert "€130.45" in html  # revenue: the paid and the packed order
    day = period.first_day.isoformat()
    assert f'href="/admin/orders?date_from={day}&amp;date_to={day}"' in html
    for status in ("pending_payment", "paid", "fulfilled"):
        assert f'href="/admin/orders?status={status}"' in html
    assert '<img class="chart" src="/admin/dashboard/sales.svg?period=today"' in html
    assert "telegram" in html


# --- charts and CSVs ------------------------------------------------------------------------------

@pytest.mark.parametrize("chart", ["sales", "channels", "ratings"])
def test_a_chart_is_an_svg_without_script_whose_styles_the_csp_allows_by_hash(client, admin, chart):
    add_order(utcnow() - dt.timedelta(hours=1), channel="meta", source="facebook")
    db.session.commit()

    response = client.get(f"/admin/dashboard/{chart}.svg?period=7d")

    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.text
    assert "<script" not in svg and 'style="' not in svg
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    styles = re.findall(r"<style[^>]*>(.*?)</style>", svg, flags=re.DOTALL)
    assert styles
    for style in styles:
        assert "'sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() + "'" in policy


def test_the_sales_csv_holds_the_numbers_of_the_chart(client, admin):
    now = utcnow()
    add_order(earlier_today(now, 1), total=2550)
    add_order(earlier_today(now, 2), total=1000, status="cancelled")
    db.session.commit()

    response = client.get("/admin/dashboard/sales.csv?period=7d")

    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 7
    today = dashboard.local_today(now, ZONE).isoformat()
    assert {k: rows[-1][k] for k in ("day", "orders", "paid_orders", "revenue_eur")} == {
        "day": today, "orders": "2", "paid_orders": "1", "revenue_eur": "25.50"}


def test_the_channels_csv_holds_every_step_and_rates_that_multiply_to_the_conversion(client, admin):
    now = utcnow()
    db.session.add(FunnelCount(day=dashboard.local_today(now, ZONE), channel="vk", utm_source="vk", step="product_views",
                               count=6))
    db.session.add(FunnelCount(day=dashboard.local_today(now, ZONE), channel="vk", utm_source="vk", step="carts", count=3))
    db.session.add(FunnelCount(day=dashboard.local_today(now, ZONE), channel="vk", utm_source="vk", step="checkouts",
                               count=2))
    for n in range(10):
        db.session.add(Visit(visit_key=f"csv{n:029d}", channel="vk", utm_source="vk",
                             created_at=now - dt.timedelta(minutes=n + 1)))
    add_order(now - dt.timedelta(minutes=1), channel="vk", source="vk")
    add_order(now - dt.timedelta(minutes=2), channel="vk", source="vk", status="pending_payment")
    db.session.commit()

    response = client.get("/admin/dashboard/channels.csv?period=7d")

    [row] = list(csv.DictReader(io.StringIO(response.text)))
    assert [row[step] for step in dashboard.FUNNEL_STEPS] == ["10", "6", "3", "2", "2", "1"]
    rates = [float(row[name]) / 100 for name in ("product_views_per_visit_percent", "carts_per_product_view_percent",
                                                  "checkouts_per_cart_percent", "orders_per_checkout_percent",
                                                  "paid_per_order_percent")]
    assert rates == [0.6, 0.5, pytest.approx(0.667, abs=0.001), 1.0, 0.5]
    assert row["paid_per_visit_percent"] == "10.0"
    page = client.get("/admin/?period=7d").get_data(as_text=True)
    assert "66.7 %" in page and "Checkouts started" in page


# --- fast whatever the number of orders -----------------------------------------------------------

def test_the_dashboard_runs_as_many_queries_for_many_orders_as_for_few(client, admin, count_queries):
    rng = random.Random(9)
    random_orders(rng, 5, around=utcnow(), days=30)
    make_offer()
    db.session.commit()
    client.get("/admin/?period=30d")  # warm: the session's user and the first compile

    with count_queries() as few:
        assert client.get("/admin/?period=30d").status_code == 200
    random_orders(rng, 300, around=utcnow(), days=30)
    add_visits(rng, 300, around=utcnow(), days=30)
    add_steps(rng, 300, around=utcnow(), days=30)
    db.session.commit()
    with count_queries() as many:
        assert client.get("/admin/?period=30d").status_code == 200

    assert many.count == few.count, many.statements
