"""The dashboard's periods: whole days in the shop's time zone, and the local day of a stored
instant worked out in SQL.

An order belongs to the day it was placed in the shop's zone (`orders.queries.day_start_utc`, what
the order list's date filter uses). PostgreSQL converts with the zone's rules; SQLite, which knows
no zones, adds the zone's UTC offset, changing the offset at each of the zone's clock changes
inside the period (found here, so that days across a change stay exact).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import ShopError
from ..extensions import db
from ..orders.queries import day_start_utc

PERIOD_DAYS = {"today": 1, "7d": 7, "30d": 30}
DEFAULT_PERIOD = "7d"
MAX_CUSTOM_DAYS = 366


class InvalidPeriod(ShopError):
    code = "invalid_period"
    status = 400
    default_message = _l("Choose today, 7 days, 30 days, or a custom range of up to 366 days.")


# --- the period --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """Whole days, `first_day` to `last_day` included, in the shop's zone `zone`."""

    key: str
    first_day: dt.date
    last_day: dt.date
    zone: str

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def start(self) -> dt.datetime:
        return day_start_utc(self.first_day, self.zone)

    @property
    def end(self) -> dt.datetime:
        """The UTC instant the day after `last_day` begins (excluded)."""
        return day_start_utc(self.last_day + dt.timedelta(days=1), self.zone)

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        last = self.first_day - dt.timedelta(days=1)
        return Period(self.key, last - dt.timedelta(days=self.days - 1), last, self.zone)

    def query_args(self) -> dict[str, str]:
        """The query string that asks for this period again (for the charts' and CSVs' URLs)."""
        if self.key != "custom":
            return {"period": self.key}
        return {"period": "custom", "from": self.first_day.isoformat(), "to": self.last_day.isoformat()}

    def day_list(self) -> list[dt.date]:
        return [self.first_day + dt.timedelta(days=n) for n in range(self.days)]


def local_today(now: dt.datetime, zone: str) -> dt.date:
    return now.astimezone(ZoneInfo(zone)).date()


def period_for(key: str | None, now: dt.datetime, zone: str, *, date_from: str | None = None,
               date_to: str | None = None) -> Period:
    """The period staff chose: "today", "7d", "30d" (ending today) or "custom" (`date_from` to
    `date_to`, YYYY-MM-DD, at most MAX_CUSTOM_DAYS days); a preset sent with other days than its
    own is custom.

    :raise InvalidPeriod: (400) for an unknown key or a custom range that is missing, reversed,
        malformed or too long.
    """
    key = key or DEFAULT_PERIOD
    today = local_today(now, zone)
    if key in PERIOD_DAYS:
        preset = Period(key, today - dt.timedelta(days=PERIOD_DAYS[key] - 1), today, zone)
        # The form sends the preset's own days with it; days staff changed (and a preset they did
        # not) mean the days they typed: "Show" must not quietly show the last 7 days instead.
        typed = (date_from or preset.first_day.isoformat(), date_to or preset.last_day.isoformat())
        if typed == (preset.first_day.isoformat(), preset.last_day.isoformat()):
            return preset
        key = "custom"
    if key != "custom":
        raise InvalidPeriod(field="period")
    try:
        first, last = dt.date.fromisoformat(date_from or ""), dt.date.fromisoformat(date_to or "")
    except ValueError:
        raise InvalidPeriod(_l("Enter both dates as YYYY-MM-DD, for example 2026-11-23."), field="date_from") from None
    if last < first:
        raise InvalidPeriod(_l("The first day must not be after the last."), field="date_to")
    if (last - first).days + 1 > MAX_CUSTOM_DAYS or first.year < 1971 or last.year > 9998:
        raise InvalidPeriod(_l("A custom period can be at most %(n)d days long.", n=MAX_CUSTOM_DAYS),
                            field="date_to")
    return Period("custom", first, last, zone)


# --- the local day in SQL ------------------------------------------------------------------------

def _offset_changes(start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> list[tuple[dt.datetime, int]]:
    """(from this UTC instant, offset in minutes) for [start, end): the zone's offset at `start`
    and at each clock change inside (zones change on the hour or half hour: probed every 30 min
    only around days whose offset differs, so a year costs a few hundred conversions)."""
    def offset(instant: dt.datetime) -> int:
        return int(instant.astimezone(zone).utcoffset().total_seconds() // 60)

    changes = [(start, offset(start))]
    day = start
    while day < end:
        following = min(day + dt.timedelta(days=1), end)
        if offset(following) != changes[-1][1]:
            probe = day
            while probe < following:
                probe += dt.timedelta(minutes=30)
                if offset(probe) != changes[-1][1]:
                    changes.append((probe, offset(probe)))
                    break
        day = following
    return changes


def local_day(column, period_start: dt.datetime, period_end: dt.datetime, zone: str):
    """A SQL expression for the shop-zone calendar day of `column` (an aware UTC column), exact
    for instants in [period_start, period_end). PostgreSQL answers a date, SQLite 'YYYY-MM-DD'."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.timezone(zone, column), sa.Date)
    changes = _offset_changes(period_start, period_end, ZoneInfo(zone))

    def shifted(minutes: int):
        return sa.func.date(column, f"{minutes:+d} minutes")

    if len(changes) == 1:
        return shifted(changes[0][1])
    whens = [(column < changes[i + 1][0], shifted(changes[i][1]))
             for i in range(len(changes) - 1)]
    return sa.case(*whens, else_=shifted(changes[-1][1]))


def as_date(value) -> dt.date:
    """A day read back from `local_day` (SQLite answers text, PostgreSQL a date)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value
