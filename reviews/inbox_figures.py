"""The inbox's weekly figures, computed from its event log whenever they are read.

Per ISO week (Monday to Sunday in the shop's zone) of the items that arrived in it: how many
arrived, how many were answered, the median and 90th-percentile first-response time, the share
answered within the deadline, and the breaches (answered late, or still open past the deadline).
An item closed without a response (its review or question withheld: spam needs no answer) counts
as arrived and as closed, and nowhere else: not answered, not a breach, not in the share within
the deadline, even if it was closed after its deadline had passed.

Each item is measured on its own clock, with what was written down when things happened: the
deadline and clock stored at arrival, and the waiting time stored in the response event at the
moment of the response (`details["response_seconds"]`, business minutes for business items).
Changing opening hours, the allowance or the clock later never rewrites a past week.

The 90th percentile is the nearest-rank one (the smallest time that at least 90% of the answered
items beat or equal): an observed time, never an interpolation.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import re
import statistics
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pygal
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from pygal.style import Style

from storefront.extensions import db
from storefront.i18n import short_day
from storefront.spreadsheets import writer as csv_writer

from . import clock, inbox
from .models import InboxEvent, InboxItem

DEFAULT_WEEKS = 12
MAX_WEEKS = 104


@dataclass(frozen=True)
class ItemOutcome:
    """One item as the log tells it."""

    item_id: int
    arrived_at: dt.datetime
    due_at: dt.datetime
    responded_at: dt.datetime | None
    response_seconds: int | None
    closed_at: dt.datetime | None = None   # closed without a response (and not reopened since)


@dataclass(frozen=True)
class WeekFigures:
    week_start: dt.date           # the Monday, in the shop's zone
    arrived: int
    answered: int
    answered_in_time: int
    answered_late: int
    open_overdue: int
    open_waiting: int             # open, not yet due
    median_seconds: float | None
    p90_seconds: float | None
    closed: int = 0               # closed without a response: no answer was owed

    @property
    def label(self) -> str:
        year, week, _ = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def breaches(self) -> int:
        return self.answered_late + self.open_overdue

    @property
    def decided(self) -> int:
        """Items whose outcome is known: answered, or past their deadline unanswered."""
        return self.answered + self.open_overdue

    @property
    def within_deadline_percent(self) -> float | None:
        return None if not self.decided else 100 * self.answered_in_time / self.decided

    @property
    def median_minutes(self) -> float | None:
        return None if self.median_seconds is None else self.median_seconds / 60

    @property
    def p90_minutes(self) -> float | None:
        return None if self.p90_seconds is None else self.p90_seconds / 60


def nearest_rank(values: list[float], percent: float) -> float | None:
    """The nearest-rank percentile of `values` (None for none)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percent / 100 * len(ordered))) - 1]


def week_start(instant: dt.datetime, zone: ZoneInfo) -> dt.date:
    local = instant.astimezone(zone).date()
    return local - dt.timedelta(days=local.weekday())


def week_starts(now: dt.datetime, count: int, zone: ZoneInfo) -> list[dt.date]:
    """The Mondays of the last `count` ISO weeks, the current one last."""
    current = week_start(now, zone)
    return [current - dt.timedelta(weeks=n) for n in range(count - 1, -1, -1)]


def _midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.timezone.utc)


def outcomes(since: dt.datetime, until: dt.datetime) -> list[ItemOutcome]:
    """Items that arrived in [since, until), each with its first response and, if it was closed
    without one (and not reopened since), when, read from the log."""
    arrivals = db.session.execute(
        sa.select(InboxEvent.item_id, InboxEvent.created_at, InboxItem.due_at, InboxItem.clock, InboxItem.arrived_at)
        .join(InboxItem, InboxItem.id == InboxEvent.item_id)
        .where(InboxEvent.kind == inbox.EventKind.ARRIVED, InboxEvent.created_at >= since,
               InboxEvent.created_at < until)
        .order_by(InboxEvent.created_at, InboxEvent.item_id)).all()
    if not arrivals:
        return []
    arrived_ids = sa.select(InboxEvent.item_id).where(
        InboxEvent.kind == inbox.EventKind.ARRIVED, InboxEvent.created_at >= since, InboxEvent.created_at < until)
    responses = db.session.execute(
        sa.select(InboxEvent.item_id, InboxEvent.kind, InboxEvent.created_at, InboxEvent.details)
        .where(InboxEvent.kind.in_((*inbox.RESPONSE_EVENTS, inbox.EventKind.CLOSED, inbox.EventKind.REOPENED)),
               InboxEvent.item_id.in_(arrived_ids))
        .order_by(InboxEvent.created_at, InboxEvent.id)).all()
    first: dict[int, tuple[dt.datetime, dict]] = {}
    closed: dict[int, dt.datetime | None] = {}
    for item_id, kind, created_at, details in responses:
        if kind == inbox.EventKind.CLOSED:
            closed[item_id] = created_at
        elif kind == inbox.EventKind.REOPENED:
            closed[item_id] = None
        elif (details or {}).get("first_response", True):
            # A later message (or one sent to a closed item) never stopped the clock.
            first.setdefault(item_id, (created_at, details or {}))
    sched = None
    result = []
    for item_id, arrived_at, due_at, item_clock, item_arrived_at in arrivals:
        responded_at, details = first.get(item_id, (None, {}))
        seconds = details.get("response_seconds")
        if responded_at is not None and seconds is None:
            # A response logged without its waiting time (none are, since the inbox records it):
            # measure it now, on today's hours.
            sched = sched or inbox.shop_schedule()
            seconds = int(clock.elapsed(item_arrived_at, responded_at, item_clock, sched).total_seconds())
        result.append(ItemOutcome(item_id, arrived_at, due_at, responded_at, seconds, closed.get(item_id)))
    return result


def weekly(now: dt.datetime, weeks: int = DEFAULT_WEEKS) -> list[WeekFigures]:
    """The last `weeks` ISO weeks' figures (oldest first), as they stand at `now`."""
    weeks = max(1, min(weeks, MAX_WEEKS))
    zone = ZoneInfo(current_app.config["SHOP_TIMEZONE"])
    mondays = week_starts(now, weeks, zone)
    since, until = _midnight(mondays[0], zone), _midnight(mondays[-1] + dt.timedelta(weeks=1), zone)
    by_week: dict[dt.date, list[ItemOutcome]] = {monday: [] for monday in mondays}
    for outcome in outcomes(since, until):
        by_week[week_start(outcome.arrived_at, zone)].append(outcome)
    return [summarise(monday, by_week[monday], now) for monday in mondays]


def summarise(monday: dt.date, items: list[ItemOutcome], now: dt.datetime) -> WeekFigures:
    answered = [i for i in items if i.responded_at is not None and i.responded_at <= now]
    closed = [i for i in items if i not in answered and i.closed_at is not None and i.closed_at <= now]
    waiting = [i for i in items if i not in answered and i not in closed]
    times = [float(i.response_seconds) for i in answered]
    in_time = sum(1 for i in answered if i.responded_at <= i.due_at)
    overdue = sum(1 for i in waiting if now >= i.due_at)
    return WeekFigures(
        week_start=monday, arrived=len(items), answered=len(answered), answered_in_time=in_time,
        answered_late=len(answered) - in_time, open_overdue=overdue, open_waiting=len(waiting) - overdue,
        median_seconds=statistics.median(times) if times else None, p90_seconds=nearest_rank(times, 90),
        closed=len(closed))


# --- the CSV and the chart ---------------------------------------------------------------------

def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def figures_csv(figures: list[WeekFigures]) -> str:
    """The weekly figures as CSV (minutes with one decimal; empty where there is nothing to measure;
    the items closed without a response last, so earlier columns keep their places)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["week", "week_start", "arrived", "answered", "answered_within_deadline",
                     "percent_within_deadline", "breaches", "answered_late", "open_overdue", "open_not_due",
                     "median_first_response_minutes", "p90_first_response_minutes", "closed_without_response"])
    for week in figures:
        writer.writerow([week.label, week.week_start.isoformat(), week.arrived, week.answered, week.answered_in_time,
                         _number(week.within_deadline_percent), week.breaches, week.answered_late,
                         week.open_overdue, week.open_waiting, _number(week.median_minutes),
                         _number(week.p90_minutes), week.closed])
    return buffer.getvalue()


CHART_STYLE = Style(background="#ffffff", plot_background="#ffffff", foreground="#1d2330",
                    foreground_strong="#1d2330", foreground_subtle="#677083", colors=("#1f5f8b", "#b42318"),
                    font_family="system-ui, sans-serif", label_font_size=12, major_label_font_size=12,
                    legend_font_size=13, title_font_size=14)


def chart_svg(figures: list[WeekFigures]) -> str:
    """Median and 90th-percentile first-response minutes per week, as SVG without scripts (the
    numbers are in the table beside it)."""
    chart = pygal.Bar(js=[], style=CHART_STYLE, width=900, height=320, legend_at_bottom=True, show_y_guides=True,
                      x_label_rotation=0, truncate_label=-1, print_values=False, margin=16,
                      no_data_text=_("No answers yet"), legend_at_bottom_columns=2, include_x_axis=True,
                      value_formatter=lambda value: f"{value:,.0f}", y_title=_("minutes"))
    chart.x_labels = [short_day(week.week_start) for week in figures]  # each week by its Monday
    chart.add(_("Median first response"), [week.median_minutes for week in figures])
    chart.add(_("90th percentile"), [week.p90_minutes for week in figures])
    svg = chart.render(is_unicode=True)
    # js=[] still leaves a config <script>, and the tooltip (unused without scripts) an inline style.
    svg = re.sub(r"<script\b[^>]*>.*?</script>", "", svg, flags=re.DOTALL)
    return svg.replace(' style="opacity: 0"', "")
