"""The back office's dashboard figures: sales, orders to handle, offers, channels, reviews and inbox.

Read-only, and every figure is summed by the database: no order is ever loaded into Python, so the
page runs the same handful of queries for a shop of ten orders or of a million (a test counts
them). The figures use the order list's own rules, so a figure and the list it links to agree:

- a period is whole days in the shop's time zone, and an order belongs to the day it was placed
  (`orders.queries.day_start_utc`, what the list's date filter uses);
- "paid" orders are the books' sales (`orders.queries.is_sale`: paid, packed, shipped, delivered or
  refunded, having been paid); revenue is their totals, refunds what was given back of them,
  discount what offers took off their items and shipping;
- an offer's redemptions (held, redeemed, released), revenue, refunded orders and refunds are
  those of its results page (`promotions.results.offer_totals`), on the same definitions as the
  sales figures: a refund never undoes a redemption, so a refunded order stays redeemed and in the
  offer's revenue and discount, as it stays paid here, and its refund is counted apart (on the
  offer's page and in the offers CSV).

Periods, and the shop-zone day of a stored instant in SQL, are in `dashboard_periods`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from promotions.models import Offer, OfferState, OfferStatus
from promotions.results import ChannelResult, offer_totals
from reviews import inbox
from reviews.inbox_figures import weekly
from reviews.inbox_pages import BadgeState, badge
from reviews.models import InboxItem, Review

from ..accounts.models import Permission, User
from ..errors import ShopError
from ..extensions import db
from ..orders import queries as order_queries
from ..orders.models import Order, OrderStatus
from ..social.models import FunnelCount, FunnelStep, Visit
from . import queries
# The periods are part of what the dashboard's pages and tests ask this module for.
from .dashboard_periods import InvalidPeriod, Period, as_date, local_day, local_today, period_for  # noqa: F401

PAID_STATES = order_queries.SALE_STATES
# A manual order whose stock hold ends within this long is shown as about to expire.
HOLD_EXPIRING = queries.HOLD_EXPIRING
# Funnel steps, in order: visits (`Visit` rows), product views, carts and checkouts started (counted
# per day in `FunnelCount`, see `social.attribution` for what each counts), orders and paid orders
# (the orders themselves).
FUNNEL_STEPS = ("visits", "product_views", "carts", "checkouts", "orders", "paid")


# Who sees which part: a member sees a section when they hold any of its permissions, so a role's
# dashboard follows `accounts.models.ROLE_PERMISSIONS` (admin: all; marketer: sales, offers and
# channels; support: orders to handle and the reviews and inbox).
SECTION_PERMISSIONS: dict[str, tuple[Permission, ...]] = {
    "sales": (Permission.MANAGE_ORDERS, Permission.MANAGE_OFFERS),
    "todo": (Permission.MANAGE_ORDERS, Permission.ANSWER_CUSTOMERS),
    "offers": (Permission.MANAGE_OFFERS,),
    "channels": (Permission.MANAGE_OFFERS,),
    "care": (Permission.ANSWER_CUSTOMERS,),
    "stock": (Permission.MANAGE_CATALOG,),
}


def sections_for(user: User) -> frozenset[str]:
    """The dashboard sections `user` may see."""
    return frozenset(name for name, needs in SECTION_PERMISSIONS.items() if any(user.can(p) for p in needs))


class SectionForbidden(ShopError):
    code = "forbidden"
    status = 403
    default_message = _l("Your role does not show this part of the dashboard.")


def require_section(user: User, section: str) -> None:
    """The re-check behind a chart's or a CSV's route. :raise SectionForbidden: (403)"""
    if section not in sections_for(user):
        raise SectionForbidden()


# --- sales ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SalesFigures:
    """One period's sales, money in minor units."""

    orders: int = 0        # placed, whatever became of them
    paid_orders: int = 0
    revenue: int = 0       # totals of the paid orders
    refunds: int = 0       # given back of them
    discount: int = 0      # offers' discount on their items and shipping

    @property
    def average_order(self) -> int | None:
        """Revenue per paid order, rounded half up to a minor unit (None without paid orders)."""
        if not self.paid_orders:
            return None
        return (2 * self.revenue + self.paid_orders) // (2 * self.paid_orders)


@dataclass(frozen=True)
class Compared:
    """A figure of the chosen period beside the same figure of the period before."""

    current: SalesFigures
    previous: SalesFigures


def _is_paid():
    return order_queries.is_sale()


def _sales_columns() -> list:
    paid = _is_paid()
    return [sa.func.count(Order.id),
            sa.func.count(Order.id).filter(paid),
            sa.func.coalesce(sa.func.sum(sa.case((paid, Order.total), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((paid, Order.amount_refunded), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((paid, Order.discount + Order.shipping_discount), else_=0)), 0)]


def sales(period: Period) -> Compared:
    """The period's sales beside the previous period's: one query, both periods at once."""
    before = period.previous()
    in_current = sa.case((Order.created_at >= period.start, 1), else_=0).label("current")
    rows = db.session.execute(
        sa.select(in_current, *_sales_columns())
        .where(Order.created_at >= before.start, Order.created_at < period.end)
        .group_by(in_current)).all()
    found = {row[0]: SalesFigures(*(int(value) for value in row[1:])) for row in rows}
    return Compared(found.get(1, SalesFigures()), found.get(0, SalesFigures()))


@dataclass(frozen=True)
class SalesDay:
    day: dt.date
    orders: int
    paid_orders: int
    revenue: int


def daily_sales(period: Period) -> list[SalesDay]:
    """Orders placed, paid orders and revenue per local day of the period (quiet days as zeros)."""
    # Grouped over a subquery: PostgreSQL would see the zone's two bound parameters (in SELECT and
    # in GROUP BY) as two different expressions.
    placed = (sa.select(local_day(Order.created_at, period.start, period.end, period.zone).label("day"),
                        Order.id, Order.status, Order.paid_at, Order.total)
              .where(Order.created_at >= period.start, Order.created_at < period.end).subquery())
    paid = order_queries.is_sale(placed.c.status, placed.c.paid_at)
    rows = db.session.execute(
        sa.select(placed.c.day, sa.func.count(placed.c.id), sa.func.count(placed.c.id).filter(paid),
                  sa.func.coalesce(sa.func.sum(sa.case((paid, placed.c.total), else_=0)), 0))
        .group_by(placed.c.day)).all()
    found = {as_date(row[0]): row for row in rows}
    result = []
    for date in period.day_list():
        row = found.get(date)
        result.append(SalesDay(date, *(int(v) for v in row[1:])) if row else SalesDay(date, 0, 0, 0))
    return result


# --- to do now -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ToDo:
    awaiting_payment: int
    holds_expiring: int   # of those, stock held and the hold ending within HOLD_EXPIRING
    to_pack: int          # paid
    to_ship: int          # packed


def to_do(now: dt.datetime) -> ToDo:
    """Orders waiting for the shop, whatever their date (what the unfiltered list shows per state)."""
    pending = Order.status == OrderStatus.PENDING_PAYMENT.value
    row = db.session.execute(sa.select(
        sa.func.count(Order.id).filter(pending),
        sa.func.count(Order.id).filter(order_queries.hold_ends_before(now + HOLD_EXPIRING)),  # the list's filter
        sa.func.count(Order.id).filter(Order.status == OrderStatus.PAID.value),
        sa.func.count(Order.id).filter(Order.status == OrderStatus.FULFILLED.value),
    ).where(Order.status.in_([OrderStatus.PENDING_PAYMENT.value, OrderStatus.PAID.value,
                              OrderStatus.FULFILLED.value]))).one()
    return ToDo(*(int(value) for value in row))


# --- offers ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OfferLine:
    offer: Offer
    status: OfferStatus
    remaining: int | None
    figures: ChannelResult   # held, redeemed, released, revenue, refunds: its results page's total row
    countdown: dt.timedelta  # until it ends (live) or starts (scheduled)


def current_offers(now: dt.datetime) -> list[OfferLine]:
    """Live and scheduled offers, soonest change first, with their redemption figures as their
    results pages add them up (`promotions.results.offer_totals`; two queries, however many
    offers or redemptions)."""
    offers = list(db.session.scalars(
        sa.select(Offer).where(Offer.state == OfferState.SCHEDULED.value, Offer.ends_at > now)
        .order_by(Offer.starts_at, Offer.id)))
    if not offers:
        return []
    totals = offer_totals([o.id for o in offers])
    lines = []
    for offer in offers:
        status = offer.status_at(now)
        moment = offer.ends_at if status == OfferStatus.LIVE else offer.starts_at
        lines.append(OfferLine(offer, status, offer.remaining, totals[offer.id], moment - now))
    lines.sort(key=lambda line: (line.status != OfferStatus.LIVE, line.countdown))
    return lines


# --- channels ------------------------------------------------------------------------------------

@dataclass
class FunnelRow:
    """One channel's (platform or "web") and UTM source's funnel over the period."""

    channel: str
    source: str
    visits: int = 0
    orders: int = 0
    paid: int = 0
    product_views: int = 0
    carts: int = 0
    checkouts: int = 0
    # The same channel in the previous period, to compare with.
    previous_visits: int = 0
    previous_paid: int = 0

    def counts(self) -> list[tuple[str, int]]:
        """(step, count) in FUNNEL_STEPS order."""
        return [(step, getattr(self, step)) for step in FUNNEL_STEPS]

    def step_rates(self) -> list[tuple[str, float | None]]:
        """(step, its count as a percentage of the step before) from product views on: the rates
        multiply to `conversion` (each is this step over the last, so the product telescopes).
        None where the step before counted nothing."""
        counts = self.counts()
        return [(step, _rate(count, counts[n][1])) for n, (step, count) in enumerate(counts[1:])]

    @property
    def previous_conversion(self) -> float | None:
        """Paid orders per visit in the previous period, in percent."""
        return _rate(self.previous_paid, self.previous_visits)

    @property
    def order_rate(self) -> float | None:
        """Orders per visit, in percent."""
        return _rate(self.orders, self.visits)

    @property
    def paid_rate(self) -> float | None:
        """Paid orders per order, in percent."""
        return _rate(self.paid, self.orders)

    @property
    def conversion(self) -> float | None:
        """Paid orders per visit, in percent."""
        return _rate(self.paid, self.visits)


def _rate(count: int, base: int) -> float | None:
    return None if not base else 100 * count / base


@dataclass(frozen=True)
class Funnel:
    rows: list[FunnelRow]
    total: FunnelRow = field(default_factory=lambda: FunnelRow("", ""))


def funnel(period: Period) -> Funnel:
    """Every step per (channel, UTM source) over the period, with the visits and paid orders of the
    period before: three grouped queries, each over both periods (visits, the counted steps,
    orders), busiest channel first. Orders carry the channel and source of the visit they came
    from, and the steps are counted with the session's, so the counts line up without a join."""
    before = period.previous()
    rows: dict[tuple[str, str], FunnelRow] = {}

    def row(channel: str, source: str) -> FunnelRow:
        key = (channel or "web", source or "")
        return rows.setdefault(key, FunnelRow(*key))

    visit_now = sa.case((Visit.created_at >= period.start, 1), else_=0)
    for current, channel, source, count in db.session.execute(
            sa.select(visit_now, Visit.channel, Visit.utm_source, sa.func.count(Visit.id))
            .where(Visit.created_at >= before.start, Visit.created_at < period.end)
            .group_by(visit_now, Visit.channel, Visit.utm_source)):
        found = row(channel, source)
        if current:
            found.visits += int(count)
        else:
            found.previous_visits += int(count)
    # The counted steps are kept per shop-zone day already: a period is a range of days. Only this
    # period's are read (the comparison is of paid orders per visit).
    steps = {step.value for step in FunnelStep}
    for channel, source, step, count in db.session.execute(
            sa.select(FunnelCount.channel, FunnelCount.utm_source, FunnelCount.step, sa.func.sum(FunnelCount.count))
            .where(FunnelCount.day >= period.first_day, FunnelCount.day <= period.last_day)
            .group_by(FunnelCount.channel, FunnelCount.utm_source, FunnelCount.step)):
        if step in steps:
            found = row(channel, source)
            setattr(found, step, getattr(found, step) + int(count))
    order_now = sa.case((Order.created_at >= period.start, 1), else_=0)
    for current, channel, source, count, paid in db.session.execute(
            sa.select(order_now, Order.channel, Order.utm_source, sa.func.count(Order.id),
                      sa.func.count(Order.id).filter(_is_paid()))
            .where(Order.created_at >= before.start, Order.created_at < period.end)
            .group_by(order_now, Order.channel, Order.utm_source)):
        found = row(channel, source)
        if current:
            found.orders += int(count)
            found.paid += int(paid)
        else:
            found.previous_paid += int(paid)
    ordered = sorted(rows.values(), key=lambda r: (-r.paid, -r.orders, -r.visits, r.channel, r.source))
    total = FunnelRow("", "", **{name: sum(getattr(r, name) for r in ordered)
                                 for name in (*FUNNEL_STEPS, "previous_visits", "previous_paid")})
    return Funnel(ordered, total)


# --- reviews and inbox ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Care:
    ratings: dict[int, int]       # stars → reviews received in the period
    previous_ratings: dict[int, int]
    due_soon: int                 # waiting items in their last minutes (amber)
    overdue: int                  # waiting items past their deadline (red)
    median_first_response_seconds: float | None  # this ISO week, as on the inbox figures page
    answered_this_week: int

    @property
    def reviews(self) -> int:
        return sum(self.ratings.values())

    @property
    def previous_reviews(self) -> int:
        return sum(self.previous_ratings.values())


def care(period: Period, now: dt.datetime) -> Care:
    """The rating mix of reviews received in the period (and before it), the inbox's items near or
    past their deadline, and this week's median first response (the inbox figures' own rule)."""
    before = period.previous()
    in_current = sa.case((Review.created_at >= period.start, 1), else_=0)
    ratings: dict[int, dict[int, int]] = {0: dict.fromkeys(range(1, 6), 0), 1: dict.fromkeys(range(1, 6), 0)}
    for current, rating, count in db.session.execute(
            sa.select(in_current, Review.rating, sa.func.count(Review.id))
            .where(Review.created_at >= before.start, Review.created_at < period.end)
            .group_by(in_current, Review.rating)):
        ratings[int(current)][int(rating)] = int(count)
    # The backlog of unanswered items is the support queue itself (never orders): its badges are
    # worked out on each item's own clock, business hours included, as the inbox shows them.
    waiting = list(db.session.scalars(sa.select(InboxItem).where(inbox.waiting())))
    states = [badge(item, now).state for item in waiting]
    week = weekly(now, 1)[-1]
    return Care(ratings[1], ratings[0], states.count(BadgeState.DUE_SOON), states.count(BadgeState.OVERDUE),
                week.median_seconds, week.answered)


def change(current: int | float | None, previous: int | float | None) -> float | None:
    """The change from `previous` to `current` in percent (None when there is nothing to compare)."""
    if current is None or previous is None or previous == 0:
        return None
    return 100 * (current - previous) / previous


def figures(sections: frozenset[str], period: Period, now: dt.datetime) -> dict:
    """Each of `sections`' figures, read by a fixed number of queries per section."""
    readers = {"sales": lambda: (sales(period), daily_sales(period)), "todo": lambda: to_do(now),
               "offers": lambda: current_offers(now), "channels": lambda: funnel(period),
               "care": lambda: care(period, now),
               "stock": lambda: (queries.dashboard_counts(), queries.stock_alerts())}
    return {name: read() for name, read in readers.items() if name in sections}
