"""One liveness rule: the database's WHERE clause (`Offer.is_live(now)`), the row's Python twin
(`offer.is_live(now)`) and the engine (which applies an offer only when it is live) give the same
answer for the same offers at the same instants — here for random offers in every state, with
windows and caps around `now`, across Riga's changes of the clocks (late March and late October),
with `now` given in UTC or on a Riga clock. The suite runs it on SQLite and on PostgreSQL.
"""
from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from promotions.engine import EngineLine, Reason, Shopper, evaluate
from promotions.liveness import OfferStatus
from promotions.models import Offer
from promotions.service import rule_for
from promotions.terms import InvalidOffer, local_to_utc
from storefront.extensions import db

RIGA = ZoneInfo("Europe/Riga")
UTC = dt.timezone.utc
# The instants the clocks change in Riga: spring forward (03:00 EET → 04:00 EEST) and fall back
# (04:00 EEST → 03:00 EET), each at 01:00 UTC.
CHANGES = [dt.datetime(2026, 3, 29, 1, tzinfo=UTC), dt.datetime(2026, 10, 25, 1, tzinfo=UTC),
           dt.datetime(2027, 3, 28, 1, tzinfo=UTC)]
STATES = ["draft", "scheduled", "scheduled", "scheduled", "ended_early"]
CART = [EngineLine(1, 1, frozenset(), 1, 1000)]
SECOND = dt.timedelta(seconds=1)


def random_window(rnd: random.Random, change: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """A window near a change of the clocks: whole seconds (or microseconds) around it in UTC, or
    wall times typed in Riga as the marketer's form converts them."""
    while True:
        if rnd.random() < 0.5:
            start = change + dt.timedelta(seconds=rnd.randint(-4 * 3600, 4 * 3600), microseconds=rnd.choice([0, 1]))
            return start, start + dt.timedelta(seconds=rnd.randint(1, 30 * 3600))
        local = change.astimezone(RIGA).replace(tzinfo=None, minute=0, second=0)
        start = local + dt.timedelta(minutes=rnd.randint(-240, 240))
        end = start + dt.timedelta(minutes=rnd.randint(1, 600))
        try:
            starts_at = local_to_utc(start, "Europe/Riga", field="starts_at")
            ends_at = local_to_utc(end, "Europe/Riga", field="ends_at")
        except InvalidOffer:
            continue  # a wall time the spring change skips: the form refuses it
        if ends_at > starts_at:
            return starts_at, ends_at


def random_offers(rnd: random.Random, count: int) -> list[Offer]:
    offers = []
    for n in range(count):
        starts_at, ends_at = random_window(rnd, rnd.choice(CHANGES))
        cap = rnd.choice([None, None, 1, 2, 3])
        offers.append(Offer(
            name=f"Offer {n}", slug=f"offer-{n}", benefit="percent", percent=10, target="order",
            audience="everyone", audience_pages=[], starts_at=starts_at, ends_at=ends_at, timezone="Europe/Riga",
            state=rnd.choice(STATES), cap_total=cap, redemptions_count=rnd.randint(0, cap) if cap else 0,
            exclusive=False, priority=0, thank_you=False))
    db.session.add_all(offers)
    db.session.commit()
    return offers


def instants(rnd: random.Random, offers: list[Offer]) -> list[dt.datetime]:
    """The changes themselves, every offer's edges (and a second and a microsecond either side of
    some), and random moments around the changes."""
    moments = set(CHANGES)
    for offer in offers:
        moments |= {offer.starts_at, offer.ends_at}
    for offer in rnd.sample(offers, 40):
        for edge in (offer.starts_at, offer.ends_at):
            moments |= {edge - SECOND, edge + SECOND, edge - dt.timedelta(microseconds=1)}
    for change in CHANGES:
        moments |= {change + dt.timedelta(seconds=rnd.randint(-5 * 3600, 5 * 3600)) for _ in range(20)}
    return sorted(moments)


def test_the_where_clause_the_python_twin_and_the_engine_agree_across_riga_clock_changes():
    rnd = random.Random(20261025)
    offers = random_offers(rnd, 240)
    moments = instants(rnd, offers)
    db.session.expire_all()
    rows = list(db.session.scalars(sa.select(Offer)))
    rules = {offer.id: rule_for(offer, product_ids=(), category_ids=()) for offer in rows}
    assert {offer.state for offer in rows} == {"draft", "scheduled", "ended_early"}

    seen_live = set()
    for utc_moment in moments:
        for now in (utc_moment, utc_moment.astimezone(RIGA)):  # the same instant on either clock
            in_sql = set(db.session.scalars(sa.select(Offer.id).where(Offer.is_live(now))))
            in_python = {offer.id for offer in rows if offer.is_live(now)}
            assert in_sql == in_python, now
            assert in_python == {offer.id for offer in rows if offer.status_at(now) == OfferStatus.LIVE}, now
            outcome = evaluate(CART, Shopper(), now, list(rules.values()))
            started_and_running = {v.offer_id for v in outcome.verdicts
                                   if v.reason not in (Reason.NOT_STARTED, Reason.ENDED)}
            assert started_and_running == in_python, now
            seen_live |= in_python
    assert len(seen_live) > 50  # the sample did exercise live offers, not only dead ones

    with_room = set(db.session.scalars(sa.select(Offer.id).where(Offer.has_room)))
    assert with_room == {offer.id for offer in rows if offer.has_room}
    assert 0 < len(with_room) < len(rows)
    assert {offer.id for offer in rows if not offer.has_room} == {i for i, rule in rules.items() if rule.sold_out}
