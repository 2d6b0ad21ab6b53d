"""When an offer is live: the one rule, for stored offers, the engine's snapshots and SQL alike.

An offer is live at `now` when it is scheduled (neither a draft nor ended early) and `now` is in
its window: from `starts_at`, inclusive, to `ends_at`, exclusive. Both ends are aware UTC
instants, so a window over a change of the clocks lasts its real length and `now` may be given in
any zone.

`is_live` is written once, over values that may be Python values or SQL columns: `Offer.is_live`
(a hybrid in `models`) calls it with the row's values for Python and with the columns and
``sa.and_`` for the WHERE clause, and the engine calls it with its `OfferRule` snapshot. Pure: no
database, no request, no clock but `now` (the engine imports it).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum


class OfferState(StrEnum):
    """What is stored; the status shown (`status_at`) also follows the clock."""
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    ENDED_EARLY = "ended_early"


class OfferStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    ENDED_EARLY = "ended_early"


def _all(*conditions: bool) -> bool:
    return all(conditions)


def is_live(state, starts_at, ends_at, now: dt.datetime, *, all_of: Callable = _all):
    """Whether an offer in `state` with this window is live at `now`.

    With Python values it answers a bool; with SQL columns and ``all_of=sa.and_`` it is the
    equivalent WHERE clause (each comparison below reads the same both ways).
    """
    return all_of(state == OfferState.SCHEDULED, starts_at <= now, ends_at > now)


def status_at(state: str, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> OfferStatus:
    """The status the marketer and the shopper read: live by `is_live`; otherwise why not. Ended
    early wins over not started: such an offer never starts."""
    if is_live(state, starts_at, ends_at, now):
        return OfferStatus.LIVE
    if state == OfferState.DRAFT:
        return OfferStatus.DRAFT
    if state == OfferState.ENDED_EARLY:
        return OfferStatus.ENDED_EARLY
    return OfferStatus.SCHEDULED if now < starts_at else OfferStatus.ENDED


def has_ended(status: OfferStatus) -> bool:
    """Over for good: its window has passed, or it was ended early."""
    return status in (OfferStatus.ENDED, OfferStatus.ENDED_EARLY)
