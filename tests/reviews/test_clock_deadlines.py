"""The inbox's clocks, checked against deadlines worked out by hand on a Riga calendar.

The shop (the defaults): Monday to Friday 09:00–18:00, Saturday 10:00–14:00, Sunday closed, in
Europe/Riga, where summer time started on Sunday 29 March 2026 at 03:00 (UTC+2 → UTC+3) and ends
on Sunday 25 October 2026 at 04:00 (UTC+3 → UTC+2); Good Friday, 3 April 2026, is a holiday.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviews import clock
from reviews.models import Clock

# Pure functions: nothing here reads or writes the database, so the PostgreSQL pass leaves it out.
pytestmark = pytest.mark.database_independent

RIGA = ZoneInfo("Europe/Riga")
UTC = dt.timezone.utc
HOURS = {"mon": [["09:00", "18:00"]], "tue": [["09:00", "18:00"]], "wed": [["09:00", "18:00"]],
         "thu": [["09:00", "18:00"]], "fri": [["09:00", "18:00"]], "sat": [["10:00", "14:00"]], "sun": []}
HOLIDAYS = ["2026-04-03", "2026-04-05", "2026-04-06"]
ALWAYS_OPEN = {day: [["00:00", "24:00"]] for day in clock.WEEKDAYS}


def riga(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=RIGA)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def due(arrived, minutes=120, which=Clock.BUSINESS, hours=HOURS, holidays=HOLIDAYS):
    return clock.due_at(arrived, minutes, which, hours, holidays, "Europe/Riga")


def between(a, b, hours=HOURS, holidays=HOLIDAYS):
    return clock.business_minutes_between(a, b, hours, holidays, "Europe/Riga")


def test_an_item_arriving_mid_morning_is_due_two_hours_later():
    assert due(riga(2026, 3, 23, 10, 0)) == utc(2026, 3, 23, 10, 0)   # 12:00 in Riga (UTC+2)


def test_an_item_arriving_before_opening_starts_counting_at_nine():
    assert due(riga(2026, 3, 23, 7, 0)) == riga(2026, 3, 23, 11, 0)


def test_the_last_hour_of_the_day_carries_over_to_the_next_morning():
    # Monday 17:00: 60 minutes on Monday, 60 on Tuesday from 09:00.
    assert due(riga(2026, 3, 23, 17, 0)) == riga(2026, 3, 24, 10, 0)


def test_friday_evening_continues_on_saturdays_short_day():
    # Friday 17:30: 30 minutes on Friday, 90 on Saturday from 10:00 → Saturday 11:30 (09:30 UTC).
    assert due(riga(2026, 3, 27, 17, 30)) == utc(2026, 3, 28, 9, 30)


def test_saturday_afternoon_skips_sunday_and_the_change_to_summer_time():
    # Saturday 13:00 (UTC+2): 60 minutes on Saturday, Sunday closed (clocks go forward that
    # night), Monday 09:00 summer time (06:00 UTC) + 60 → 10:00 (07:00 UTC).
    arrived = riga(2026, 3, 28, 13, 0)
    assert arrived.utcoffset() == dt.timedelta(hours=2)
    assert due(arrived) == utc(2026, 3, 30, 7, 0)
    assert due(arrived).astimezone(RIGA).hour == 10


def test_a_holiday_is_skipped_like_a_closed_day():
    # Thursday 2 April 17:00: 60 minutes on Thursday; Good Friday closed; Saturday 10:00–11:00.
    assert due(riga(2026, 4, 2, 17, 0)) == riga(2026, 4, 4, 11, 0)
    assert due(riga(2026, 4, 2, 17, 0), holidays=[]) == riga(2026, 4, 3, 10, 0)


def test_an_item_arriving_on_a_holiday_waits_for_the_next_opening():
    # Easter Sunday and Monday are holidays: Good Friday 12:00 → Tuesday 7 April 11:00.
    assert due(riga(2026, 4, 3, 12, 0)) == riga(2026, 4, 4, 12, 0)   # Saturday is open
    assert due(riga(2026, 4, 4, 13, 30)) == riga(2026, 4, 7, 10, 30)  # 30 min Sat, Sun+Mon closed


def test_the_calendar_clock_counts_the_night_and_the_missing_hour_alike():
    # 02:30 on the night summer time starts (00:30 UTC) + 2 h = 02:30 UTC, 05:30 summer time.
    arrived = riga(2026, 3, 29, 2, 30)
    assert due(arrived, which=Clock.CALENDAR) == utc(2026, 3, 29, 2, 30)
    assert due(arrived, which=Clock.CALENDAR).astimezone(RIGA) == riga(2026, 3, 29, 5, 30)


def test_a_shop_open_round_the_clock_has_a_23_hour_day_in_march_and_a_25_hour_day_in_october():
    assert between(riga(2026, 3, 29, 0, 0), riga(2026, 3, 30, 0, 0), hours=ALWAYS_OPEN, holidays=[]) == 23 * 60
    assert between(riga(2026, 10, 25, 0, 0), riga(2026, 10, 26, 0, 0), hours=ALWAYS_OPEN, holidays=[]) == 25 * 60
    assert between(riga(2026, 3, 28, 0, 0), riga(2026, 3, 30, 0, 0), hours=ALWAYS_OPEN, holidays=[]) == 47 * 60


def test_opening_hours_inside_the_repeated_autumn_hour_last_two_real_hours():
    hours = {"sun": [["03:30", "04:30"]]}
    # 03:30 summer time (00:30 UTC) to 04:30 winter time (02:30 UTC).
    assert between(riga(2026, 10, 25, 0, 0), riga(2026, 10, 26, 0, 0), hours=hours, holidays=[]) == 120


def test_business_minutes_between_count_only_opening_hours():
    # Friday 17:30 → Monday 09:30 (after the change): 30 + 240 + 30.
    assert between(riga(2026, 3, 27, 17, 30), riga(2026, 3, 30, 9, 30)) == 300
    assert between(riga(2026, 3, 30, 9, 30), riga(2026, 3, 27, 17, 30)) == -300
    assert between(riga(2026, 3, 29, 9, 0), riga(2026, 3, 29, 18, 0)) == 0  # Sunday


def test_seconds_count_too():
    assert between(riga(2026, 3, 23, 9, 0), riga(2026, 3, 23, 9, 0, 30)) == 0.5


@pytest.mark.parametrize("hours, message", [
    ({"monday": [["09:00", "18:00"]]}, "unknown weekday"),
    ({"mon": [["18:00", "09:00"]]}, "end after it starts"),
    ({"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}, "overlap"),
    ({"mon": [["9am", "18:00"]]}, "HH:MM"),
    ({"mon": [["09:00", "24:30"]]}, "between 00:00 and 24:00"),
])
def test_opening_hours_that_make_no_sense_are_refused_with_a_clear_message(hours, message):
    with pytest.raises(clock.ScheduleError, match=message):
        due(riga(2026, 3, 23, 10, 0), hours=hours)


def test_a_shop_that_never_opens_cannot_have_a_business_clock():
    with pytest.raises(clock.ScheduleError, match="no opening hours"):
        due(riga(2026, 3, 23, 10, 0), hours={})


def test_a_bad_holiday_is_refused():
    with pytest.raises(clock.ScheduleError, match="2026-13-01"):
        due(riga(2026, 3, 23, 10, 0), holidays=["2026-13-01"])


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        due(dt.datetime(2026, 3, 23, 10, 0))


# --- properties -------------------------------------------------------------------------------

instants = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 1),
                        timezones=st.just(UTC))
SCHEDULE = clock.schedule(HOURS, HOLIDAYS, "Europe/Riga")


@settings(max_examples=200, deadline=None)
@given(arrived=instants, minutes=st.integers(min_value=0, max_value=3000))
def test_the_deadline_is_exactly_the_allowance_of_opening_hours_after_arrival(arrived, minutes):
    deadline = clock.business_due_at(arrived, minutes, SCHEDULE)
    assert deadline >= arrived
    assert clock.business_time_between(arrived, deadline, SCHEDULE) == dt.timedelta(minutes=minutes)
    if minutes:
        # …and it falls inside opening hours (or at a closing time), never in a closed stretch.
        assert clock.business_time_between(deadline - dt.timedelta(minutes=1), deadline, SCHEDULE) > dt.timedelta(0)


@settings(max_examples=200, deadline=None)
@given(a=instants, b=instants, c=instants)
def test_business_time_adds_up_over_consecutive_stretches(a, b, c):
    a, b, c = sorted([a, b, c])
    assert clock.business_time_between(a, b, SCHEDULE) + clock.business_time_between(b, c, SCHEDULE) \
        == clock.business_time_between(a, c, SCHEDULE)
    assert clock.business_time_between(a, c, SCHEDULE) <= c - a


@settings(max_examples=100, deadline=None)
@given(arrived=instants, minutes=st.integers(min_value=0, max_value=3000))
def test_the_calendar_clock_is_plain_arithmetic(arrived, minutes):
    assert due(arrived, minutes, which=Clock.CALENDAR) - arrived == dt.timedelta(minutes=minutes)
