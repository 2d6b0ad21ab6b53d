"""An offer is live from its start, inclusive, to its end, exclusive, to the second, also across a
change of the clocks in the shop's zone (Europe/Riga).

Windows are typed as local wall times in the shop's zone and stored as aware UTC, converted with
zoneinfo as the marketer's form does (`promotions.terms.local_to_utc`: a time in the fall-back
hour is its first occurrence, ``fold=0``). Riga falls back on 2026-10-25 at 04:00 local (EEST,
UTC+3 → EET, UTC+2) and springs forward on 2027-03-28 at 03:00 local (EET → EEST).
"""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from promotions.engine import EngineLine, OfferRule, Reason, Shopper, evaluate
from promotions.models import Offer, OfferState, OfferStatus
from promotions.service import rule_for
from promotions.terms import InvalidOffer, local_to_utc

# Pure functions: nothing here reads or writes the database, so the PostgreSQL pass leaves it out.
pytestmark = pytest.mark.database_independent

RIGA = ZoneInfo("Europe/Riga")
UTC = dt.timezone.utc
SECOND = dt.timedelta(seconds=1)
CART = [EngineLine(1, 1, frozenset(), 1, 1000)]


def riga(*wall, fold=0):
    """A wall-clock time in Riga, as aware UTC (the marketer's form's conversion)."""
    return dt.datetime(*wall, tzinfo=RIGA, fold=fold).astimezone(UTC)


WINDOWS = {
    # 12:00 EEST (09:00 UTC) to 12:00 EET (10:00 UTC): one day on the wall, 25 hours for real.
    "over the autumn change": (riga(2026, 10, 24, 12), riga(2026, 10, 25, 12), dt.timedelta(hours=25)),
    # 12:00 EET (10:00 UTC) to 12:00 EEST (09:00 UTC): 23 hours.
    "over the spring change": (riga(2027, 3, 27, 12), riga(2027, 3, 28, 12), dt.timedelta(hours=23)),
    # Ends at 03:30 in the hour that happens twice: at its first occurrence (00:30 UTC).
    "ending in the repeated hour": (riga(2026, 10, 25, 0), riga(2026, 10, 25, 3, 30), dt.timedelta(hours=3.5)),
    # Starts at 04:00, the first wall time after the spring-forward gap (01:00 UTC).
    "starting as the clocks go forward": (riga(2027, 3, 28, 4), riga(2027, 3, 28, 12), dt.timedelta(hours=8)),
    "in summer": (riga(2026, 7, 1, 9), riga(2026, 7, 8, 9), dt.timedelta(days=7)),
}

# The four instants around the edges, and whether the offer is live at each.
EDGES = [("start - 1 s", lambda s, e: s - SECOND, False),
         ("start", lambda s, e: s, True),
         ("end - 1 s", lambda s, e: e - SECOND, True),
         ("end", lambda s, e: e, False)]

CASES = [pytest.param(window, at, live, id=f"{name}, {edge}")
         for name, window in WINDOWS.items() for edge, at, live in EDGES]


def rule(starts_at, ends_at, **flags):
    return OfferRule(id=1, name="Weekend sale", benefit="percent", percent=10, starts_at=starts_at, ends_at=ends_at,
                     **flags)


def applies(snapshot: OfferRule, now) -> bool:
    """Whether the engine gives the offer at `now` (its only offer, for everyone, on any cart)."""
    return evaluate(CART, Shopper(), now, [snapshot]).verdict(snapshot.id).reason == Reason.APPLIED


def stored_offer(starts_at, ends_at, state=OfferState.SCHEDULED):
    """An offer as the marketer saved it, in memory only."""
    return Offer(id=1, name="Weekend sale", slug="weekend-sale", benefit="percent", percent=10, target="order",
                 audience="everyone", audience_pages=[], starts_at=starts_at, ends_at=ends_at,
                 timezone="Europe/Riga", state=state, exclusive=False, priority=0, redemptions_count=0)


@pytest.mark.parametrize("name", WINDOWS)
def test_a_window_typed_in_riga_wall_time_lasts_its_real_length(name):
    starts_at, ends_at, length = WINDOWS[name]

    assert starts_at.utcoffset() == ends_at.utcoffset() == dt.timedelta(0)
    assert ends_at - starts_at == length


def test_the_windows_are_converted_as_the_marketers_form_converts_them():
    assert local_to_utc(dt.datetime(2026, 10, 24, 12), "Europe/Riga", field="starts_at") \
        == dt.datetime(2026, 10, 24, 9, tzinfo=UTC)
    assert local_to_utc(dt.datetime(2026, 10, 25, 12), "Europe/Riga", field="ends_at") \
        == dt.datetime(2026, 10, 25, 10, tzinfo=UTC)
    assert local_to_utc(dt.datetime(2027, 3, 27, 12), "Europe/Riga", field="starts_at") \
        == dt.datetime(2027, 3, 27, 10, tzinfo=UTC)
    assert local_to_utc(dt.datetime(2027, 3, 28, 12), "Europe/Riga", field="ends_at") \
        == dt.datetime(2027, 3, 28, 9, tzinfo=UTC)
    # The repeated hour means its first occurrence; 04:00 just after the gap is fine.
    assert local_to_utc(dt.datetime(2026, 10, 25, 3, 30), "Europe/Riga", field="ends_at") \
        == riga(2026, 10, 25, 3, 30) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert local_to_utc(dt.datetime(2027, 3, 28, 4), "Europe/Riga", field="starts_at") \
        == dt.datetime(2027, 3, 28, 1, tzinfo=UTC)


@pytest.mark.parametrize("wall", [dt.datetime(2027, 3, 28, 3, 0), dt.datetime(2027, 3, 28, 3, 30),
                                  dt.datetime(2027, 3, 28, 3, 59, 59)])
def test_a_wall_time_the_spring_change_skips_is_refused_by_the_form(wall):
    with pytest.raises(InvalidOffer) as refused:
        local_to_utc(wall, "Europe/Riga", field="starts_at")

    assert refused.value.field == "starts_at"


def test_a_window_kept_in_local_time_would_look_a_day_long_which_is_why_it_is_stored_in_utc():
    # Python subtracts two times of the same zone object by their wall clocks.
    start = dt.datetime(2026, 10, 24, 12, tzinfo=RIGA)
    end = dt.datetime(2026, 10, 25, 12, tzinfo=RIGA)

    assert end - start == dt.timedelta(hours=24)
    assert end.astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(hours=25)


@pytest.mark.parametrize("window, at, live", CASES)
def test_the_engine_applies_an_offer_from_its_start_to_just_before_its_end(window, at, live):
    starts_at, ends_at, _ = window
    now = at(starts_at, ends_at)

    outcome = evaluate(CART, Shopper(), now, [rule(starts_at, ends_at)])

    expected = Reason.APPLIED if live else (Reason.NOT_STARTED if now < starts_at else Reason.ENDED)
    assert outcome.verdict(1).reason == expected
    assert outcome.items_discount == (100 if live else 0)


@pytest.mark.parametrize("window, at, live", CASES)
def test_the_same_instant_on_a_riga_clock_gives_the_same_answer(window, at, live):
    starts_at, ends_at, _ = window
    now = at(starts_at, ends_at).astimezone(RIGA)  # with the right fold in the repeated hour

    assert applies(rule(starts_at, ends_at), now) is live
    assert stored_offer(starts_at, ends_at).is_live(now) is live


def test_in_the_repeated_hour_the_second_half_past_three_is_after_an_end_at_the_first():
    starts_at, ends_at, _ = WINDOWS["ending in the repeated hour"]
    first = dt.datetime(2026, 10, 25, 3, 29, 59, tzinfo=RIGA, fold=0)
    second = dt.datetime(2026, 10, 25, 3, 29, 59, tzinfo=RIGA, fold=1)

    assert second - first == dt.timedelta(0)  # same zone object: Python compares wall clocks...
    assert second.astimezone(UTC) - first.astimezone(UTC) == dt.timedelta(hours=1)  # ...an hour apart
    assert applies(rule(starts_at, ends_at), first) and stored_offer(starts_at, ends_at).is_live(first)
    assert not applies(rule(starts_at, ends_at), second)
    assert not stored_offer(starts_at, ends_at).is_live(second)


@pytest.mark.parametrize("window, at, live", CASES)
def test_a_scheduled_offer_shows_scheduled_live_and_ended_at_the_same_instants(window, at, live):
    starts_at, ends_at, _ = window
    now = at(starts_at, ends_at)
    offer = stored_offer(starts_at, ends_at)

    expected = OfferStatus.LIVE if live else (OfferStatus.SCHEDULED if now < starts_at else OfferStatus.ENDED)
    assert offer.status_at(now) == expected
    assert offer.is_live(now) is live
    # The engine's snapshot of the stored offer agrees with the status shown to the marketer.
    assert applies(rule_for(offer, product_ids=(), category_ids=()), now) is live


@pytest.mark.parametrize("window, at, live", CASES)
def test_a_draft_is_a_draft_and_never_applies_whatever_the_clock(window, at, live):
    starts_at, ends_at, _ = window
    now = at(starts_at, ends_at)
    offer = stored_offer(starts_at, ends_at, state=OfferState.DRAFT)

    assert offer.status_at(now) == OfferStatus.DRAFT
    snapshot = rule_for(offer, product_ids=(), category_ids=())
    assert not offer.is_live(now)
    assert evaluate(CART, Shopper(), now, [snapshot]).verdict(1).reason == Reason.NOT_STARTED
    # The marketer's preview treats the draft as scheduled: live exactly when it would be.
    assert applies(rule_for(offer, product_ids=(), category_ids=(), preview=True), now) is live


@pytest.mark.parametrize("window, at, live", CASES)
def test_an_offer_ended_early_stays_ended_early_and_never_applies_whatever_the_clock(window, at, live):
    starts_at, ends_at, _ = window
    now = at(starts_at, ends_at)
    offer = stored_offer(starts_at, ends_at, state=OfferState.ENDED_EARLY)

    assert offer.status_at(now) == OfferStatus.ENDED_EARLY
    snapshot = rule_for(offer, product_ids=(), category_ids=())
    assert not offer.is_live(now)
    assert evaluate(CART, Shopper(), now, [snapshot]).verdict(1).reason == Reason.ENDED
