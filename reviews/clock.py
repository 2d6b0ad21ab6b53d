"""The inbox's clocks: when an item is due, and how much of a clock ran between two instants.

Two clocks. The calendar clock counts every minute. The business clock counts only the shop's
opening hours: per weekday, wall-clock intervals in the shop's zone (`INBOX_BUSINESS_HOURS`,
``{"mon": [["09:00", "18:00"]], …}``), minus whole-day holidays (`INBOX_HOLIDAYS`). An item that
arrives while the shop is closed starts counting at the next opening.

Opening hours are wall-clock times, so they are turned into instants day by day with the zone's
rules: on the day summer time starts (Europe/Riga: the last Sunday of March, 03:00 → 04:00) a shop
open round the clock is open 23 hours, on the day it ends 25. A wall time that does not exist (in
the skipped hour) is read with the offset before the change, i.e. as the same time after it
(zoneinfo's `fold=0`, what calendar software does); a repeated one as its first occurrence.

Pure functions of their arguments: no app, no database, no "now".
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .models import Clock

UTC = dt.timezone.utc
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead a deadline is looked for: a schedule with no opening in two years is a mistake.
SEARCH_DAYS = 2 * 366


class ScheduleError(ValueError):
    """Opening hours or holidays that cannot be read (a configuration mistake, never user input)."""


@dataclass(frozen=True)
class Schedule:
    """Opening hours by weekday (0 = Monday) as (opens, closes) minutes after local midnight,
    closes up to 1440 ("24:00"); closed days; the zone they are read in."""

    weekly: tuple[tuple[tuple[int, int], ...], ...]
    holidays: frozenset[dt.date]
    zone: ZoneInfo

    def open_intervals(self, day: dt.date) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """The day's opening hours as UTC instants, in order (none on a holiday)."""
        if day in self.holidays:
            return
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=self.zone)
        for opens, closes in self.weekly[day.weekday()]:
            yield _instant(day, opens, self.zone, midnight), _instant(day, closes, self.zone, midnight)

    @property
    def ever_open(self) -> bool:
        return any(self.weekly)


def _instant(day: dt.date, minute: int, zone: ZoneInfo, midnight: dt.datetime) -> dt.datetime:
    if minute == 24 * 60:
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone).astimezone(UTC)
    wall = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=zone)
    return wall.astimezone(UTC)


def _minute_of_day(text: str) -> int:
    try:
        hours, minutes = (int(part) for part in str(text).split(":"))
    except ValueError:
        raise ScheduleError(f"opening time {text!r} is not HH:MM") from None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ScheduleError(f"opening time {text!r} is not between 00:00 and 24:00")
    return hours * 60 + minutes


def parse_hours(hours: Mapping[str, Iterable[Iterable[str]]]) -> tuple[tuple[tuple[int, int], ...], ...]:
    """``{"mon": [["09:00", "18:00"]], …}`` as minutes per weekday, Monday first; a weekday not
    named is closed. :raise ScheduleError: for an unknown weekday, a bad time, or an interval that
    ends before it starts or overlaps another."""
    unknown = set(hours) - set(WEEKDAYS)
    if unknown:
        raise ScheduleError(f"unknown weekday(s) {sorted(unknown)} in opening hours; use {', '.join(WEEKDAYS)}")
    weekly = []
    for name in WEEKDAYS:
        intervals = sorted((_minute_of_day(opens), _minute_of_day(closes)) for opens, closes in hours.get(name, []))
        for (opens, closes), following in zip(intervals, [*intervals[1:], None]):
            if closes <= opens:
                raise ScheduleError(f"{name}: an opening interval must end after it starts")
            if following is not None and following[0] < closes:
                raise ScheduleError(f"{name}: opening intervals overlap")
        weekly.append(tuple(intervals))
    return tuple(weekly)


def parse_holidays(holidays: Iterable[str | dt.date]) -> frozenset[dt.date]:
    """Dates given as YYYY-MM-DD (or dates). :raise ScheduleError: for a bad one."""
    days = set()
    for value in holidays:
        if isinstance(value, dt.date):
            days.add(value)
            continue
        try:
            days.add(dt.date.fromisoformat(str(value).strip()))
        except ValueError:
            raise ScheduleError(f"holiday {value!r} is not a date like 2026-06-24") from None
    return frozenset(days)


def schedule(hours: Mapping, holidays: Iterable, tz: str | ZoneInfo) -> Schedule:
    """A Schedule from the settings' shapes (see `parse_hours`, `parse_holidays`)."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return Schedule(parse_hours(hours), parse_holidays(holidays), zone)


def from_config(config: Mapping) -> Schedule:
    """The shop's schedule from the app's settings (INBOX_BUSINESS_HOURS, INBOX_HOLIDAYS, SHOP_TIMEZONE)."""
    return schedule(config["INBOX_BUSINESS_HOURS"], config["INBOX_HOLIDAYS"], config["SHOP_TIMEZONE"])


def _check_aware(*instants: dt.datetime) -> None:
    for instant in instants:
        if instant.tzinfo is None:
            raise ValueError("naive datetime given; the inbox's clock takes aware datetimes only")


def _intervals_from(sched: Schedule, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Opening intervals (UTC) that end after `start`, in order, clipped to begin at `start`."""
    # From the day before in local time: with "24:00" and zone offsets an interval of the previous
    # local day cannot reach past midnight, but starting a day early costs nothing and is safe.
    day = start.astimezone(sched.zone).date() - dt.timedelta(days=1)
    for _ in range(SEARCH_DAYS):
        for opens, closes in sched.open_intervals(day):
            if closes > start:
                yield max(opens, start), closes
        day += dt.timedelta(days=1)


def business_due_at(arrived_at: dt.datetime, minutes: int | float, sched: Schedule) -> dt.datetime:
    """The instant `minutes` of opening hours after `arrived_at` (counting from the next opening
    when it arrived while closed). :raise ScheduleError: when the shop never opens."""
    _check_aware(arrived_at)
    if minutes < 0:
        raise ValueError("a deadline cannot be in the past")
    if not sched.ever_open:
        raise ScheduleError("the business clock has no opening hours; set INBOX_BUSINESS_HOURS "
                            "or use the calendar clock")
    start = arrived_at.astimezone(UTC)
    remaining = dt.timedelta(minutes=minutes)
    for opens, closes in _intervals_from(sched, start):
        if closes - opens >= remaining:
            return opens + remaining
        remaining -= closes - opens
    raise ScheduleError(f"the shop is not open for {minutes} minutes within {SEARCH_DAYS} days")


def business_time_between(a: dt.datetime, b: dt.datetime, sched: Schedule) -> dt.timedelta:
    """How much opening time lies between `a` and `b` (negative when `b` is before `a`)."""
    _check_aware(a, b)
    if b < a:
        return -business_time_between(b, a, sched)
    start, end = a.astimezone(UTC), b.astimezone(UTC)
    total = dt.timedelta(0)
    day = start.astimezone(sched.zone).date() - dt.timedelta(days=1)
    last = end.astimezone(sched.zone).date() + dt.timedelta(days=1)
    while day <= last:
        for opens, closes in sched.open_intervals(day):
            overlap = min(closes, end) - max(opens, start)
            if overlap > dt.timedelta(0):
                total += overlap
        day += dt.timedelta(days=1)
    return total


# --- the two clocks behind one face -----------------------------------------------------------

def due_at(arrived_at: dt.datetime, minutes: int | float, clock: Clock | str, hours: Mapping,
           holidays: Iterable, tz: str | ZoneInfo) -> dt.datetime:
    """When an item that arrived at `arrived_at` is due: `minutes` later on `clock` (calendar: any
    minute; business: opening hours `hours` in zone `tz`, not on `holidays`). Returned in UTC."""
    if Clock(clock) == Clock.CALENDAR:
        _check_aware(arrived_at)
        return arrived_at.astimezone(UTC) + dt.timedelta(minutes=minutes)
    return business_due_at(arrived_at, minutes, schedule(hours, holidays, tz))


def business_minutes_between(a: dt.datetime, b: dt.datetime, hours: Mapping, holidays: Iterable,
                             tz: str | ZoneInfo) -> float:
    """Minutes of opening hours between `a` and `b` (negative when `b` is earlier)."""
    return business_time_between(a, b, schedule(hours, holidays, tz)).total_seconds() / 60


def elapsed(a: dt.datetime, b: dt.datetime, clock: Clock | str, sched: Schedule | None) -> dt.timedelta:
    """Time from `a` to `b` on `clock` (negative when `b` is earlier); `sched` is needed by the
    business clock only."""
    if Clock(clock) == Clock.CALENDAR:
        _check_aware(a, b)
        return b - a
    return business_time_between(a, b, sched)


def deadline(arrived_at: dt.datetime, minutes: int | float, clock: Clock | str,
             sched: Schedule | None) -> dt.datetime:
    """`due_at` with a ready Schedule (None will do for the calendar clock)."""
    if Clock(clock) == Clock.CALENDAR:
        _check_aware(arrived_at)
        return arrived_at.astimezone(UTC) + dt.timedelta(minutes=minutes)
    return business_due_at(arrived_at, minutes, sched)
