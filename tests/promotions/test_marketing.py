"""The marketer's use cases, without a request: create, edit, schedule, end early, codes, batches —
each audited, each refusing bad input with a message and writing nothing; and what the pages read:
results, the preview and the store's scan status."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from promotions import channel_codes, codes, exports, lifecycle, preview, results, terms
from promotions.models import CodeBatch, Offer, OfferCode, OfferDailyStat, OfferState, Redemption
from storefront.audit.models import AuditEntry
from storefront.extensions import db
from tests.factories import make_product, make_user

from .conftest import make_code, make_offer, make_paid_order

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def marketer():
    return make_user("marketer@example.com", "marketer")


def form(**changes) -> dict:
    """What the offer form sends for a valid 15 % offer next week (local times, Riga)."""
    data = {"name": "Summer sale", "description": "For our followers", "benefit": "percent", "percent": "15",
            "target": "order", "audience": "everyone", "starts_at": dt.datetime(2026, 6, 20, 9, 0),
            "ends_at": dt.datetime(2026, 6, 27, 21, 0), "timezone": "Europe/Riga", "priority": "0"}
    data.update(changes)
    return data


def actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_new_offer_is_a_draft_with_its_window_in_utc_and_a_slug_from_its_name(marketer):
    offer = lifecycle.create_offer(form(), marketer, NOW)
    assert offer.state == OfferState.DRAFT and offer.slug == "summer-sale"
    assert offer.starts_at == dt.datetime(2026, 6, 20, 6, 0, tzinfo=UTC)  # Riga is UTC+3 in summer
    assert offer.ends_at == dt.datetime(2026, 6, 27, 18, 0, tzinfo=UTC)
    assert offer.created_by_id == marketer.id
    second = lifecycle.create_offer(form(), marketer, NOW)
    assert second.slug == "summer-sale-2"
    assert actions() == ["offer.created", "offer.created"]


def test_a_time_skipped_by_the_spring_clock_change_is_refused_with_a_message(marketer):
    with pytest.raises(terms.InvalidOffer) as refused:
        lifecycle.create_offer(form(starts_at=dt.datetime(2027, 3, 28, 3, 30), ends_at=dt.datetime(2027, 4, 2, 9, 0)),
                               marketer, NOW)
    assert refused.value.field == "starts_at"
    assert "does not exist in Europe/Riga" in str(refused.value.message)
    assert db.session.scalar(sa.select(sa.func.count(Offer.id))) == 0


def test_a_time_repeated_by_the_autumn_clock_change_means_its_first_occurrence(marketer):
    offer = lifecycle.create_offer(form(starts_at=dt.datetime(2026, 10, 25, 3, 30),
                                        ends_at=dt.datetime(2026, 10, 26, 9, 0)), marketer, NOW)
    assert offer.starts_at == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # still summer time (UTC+3)


def test_a_window_chosen_in_another_zone_is_kept_in_that_zone(marketer):
    offer = lifecycle.create_offer(form(timezone="America/New_York"), marketer, NOW)
    assert offer.starts_at == dt.datetime(2026, 6, 20, 13, 0, tzinfo=UTC)
    assert offer.timezone == "America/New_York"


def test_a_live_offers_benefit_cannot_change_but_its_name_can(marketer):
    offer = lifecycle.create_offer(form(starts_at=dt.datetime(2026, 6, 15, 10, 0)), marketer, NOW)
    lifecycle.schedule(offer.id, marketer, NOW)
    with pytest.raises(lifecycle.OfferLocked) as refused:
        lifecycle.update_offer(offer.id, form(starts_at=dt.datetime(2026, 6, 15, 10, 0), percent="50"), marketer, NOW)
    assert refused.value.status == 409 and refused.value.field == "percent"
    assert "end it and create another" in str(refused.value.message)
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).percent == 15

    lifecycle.update_offer(offer.id, form(starts_at=dt.datetime(2026, 6, 15, 10, 0), name="Summer sale — last days"),
                           marketer, NOW)
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).name == "Summer sale — last days"
    assert actions() == ["offer.created", "offer.scheduled", "offer.updated"]


def test_a_scheduled_offer_that_has_not_started_can_still_be_edited(marketer):
    offer = lifecycle.create_offer(form(), marketer, NOW)
    lifecycle.schedule(offer.id, marketer, NOW)
    lifecycle.update_offer(offer.id, form(percent="20", benefit="percent"), marketer, NOW)
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).percent == 20


def test_an_ended_offer_cannot_be_edited(marketer):
    offer = make_offer(now=NOW, state="ended_early", ended_at=NOW)
    with pytest.raises(lifecycle.OfferNotEditable):
        lifecycle.update_offer(offer.id, form(), marketer, NOW)


def test_scheduling_a_window_that_is_already_over_is_refused(marketer):
    offer = make_offer(now=NOW, state="draft", starts_at=NOW - dt.timedelta(days=3), ends_at=NOW - dt.timedelta(days=1))
    with pytest.raises(terms.InvalidOffer) as refused:
        lifecycle.schedule(offer.id, marketer, NOW)
    assert refused.value.field == "ends_at" and "already over" in str(refused.value.message)
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).state == "draft"
    assert actions() == []


def test_ending_an_offer_early_twice_ends_it_once(marketer):
    offer = make_offer(now=NOW)
    lifecycle.end_early(offer.id, marketer, NOW)
    with pytest.raises(lifecycle.OfferStateConflict) as second:
        lifecycle.end_early(offer.id, marketer, NOW + dt.timedelta(seconds=1))
    assert second.value.status == 409 and "already ended" in str(second.value.message)
    db.session.expire_all()
    ended = db.session.get(Offer, offer.id)
    assert ended.state == "ended_early" and ended.ended_at == NOW
    assert actions() == ["offer.ended_early"]


def test_a_shared_code_is_stored_in_capitals_and_a_taken_code_is_refused(marketer):
    offer = make_offer(now=NOW)
    other = make_offer(now=NOW)
    code = channel_codes.add_shared_code(offer.id, " summer-15 ", "meta", "facebook", "june", True, marketer, NOW)
    assert (code.code, code.kind, code.max_uses, code.channel_only) == ("SUMMER-15", "shared", None, True)
    with pytest.raises(codes.CodeTaken) as taken:
        channel_codes.add_shared_code(other.id, "Summer-15", "vk", "", "", False, marketer, NOW)
    assert taken.value.status == 409 and "already taken" in str(taken.value.message)
    assert db.session.scalar(sa.select(sa.func.count(OfferCode.id))) == 1
    assert actions() == ["offer.code_added"]


@pytest.mark.parametrize("code, channel, channel_only, field", [
    ("AB", "meta", False, "code"), ("SPACE CODE!", "meta", False, "code"), ("X" * 41, "meta", False, "code"),
    ("GOOD-CODE", "", False, "channel"), ("GOOD-CODE", "email", True, "channel_only")])
def test_a_bad_shared_code_is_refused_on_its_field(marketer, code, channel, channel_only, field):
    offer = make_offer(now=NOW)
    with pytest.raises(terms.InvalidOffer) as refused:
        channel_codes.add_shared_code(offer.id, code, channel, "", "", channel_only, marketer, NOW)
    assert refused.value.field == field
    assert db.session.scalar(sa.select(sa.func.count(OfferCode.id))) == 0


def test_a_batch_of_1000_codes_is_unique_single_use_and_exports_as_csv(app, marketer):
    offer = make_offer(now=NOW, name="Telegram = exclusive", slug="telegram-exclusive")
    batch = channel_codes.create_batch(offer.id, 1000, "telegram", "tg", "june-drop", marketer, NOW)
    rows = db.session.execute(sa.select(OfferCode.code, OfferCode.kind, OfferCode.max_uses, OfferCode.channel)
                              .where(OfferCode.batch_id == batch.id)).all()
    assert len(rows) == 1000 and len({r.code for r in rows}) == 1000
    assert {(r.kind, r.max_uses, r.channel) for r in rows} == {("unique", 1, "telegram")}
    assert all(set(r.code) <= set(codes.ALPHABET + "-") for r in rows)

    with app.test_request_context():
        _, text = exports.batch_csv(batch.id, actor=marketer)
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["code", "channel", "utm_source", "utm_campaign", "offer", "link"]
    assert sorted(line[0] for line in lines[1:]) == sorted(r.code for r in rows)
    first = lines[1]
    assert first[1:5] == ["telegram", "tg", "june-drop", "Telegram = exclusive"]
    assert first[5] == f"http://shop.test/offers/telegram-exclusive?code={first[0]}&utm_source=tg&utm_campaign=june-drop"
    assert actions() == ["offer.batch_created", "offer.batch_exported"]


@pytest.mark.parametrize("size", [0, -5, 10_001, "many"])
def test_a_batch_outside_1_to_10000_codes_is_refused(marketer, size):
    offer = make_offer(now=NOW)
    with pytest.raises(terms.InvalidOffer) as refused:
        channel_codes.create_batch(offer.id, size, "meta", "", "", marketer, NOW)
    assert refused.value.field == "size" and "1 to 10,000" in str(refused.value.message)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(CodeBatch.id))) == 0


def add_results(offer: Offer, channels: list[str]) -> None:
    for n, channel in enumerate(channels):
        db.session.add(OfferDailyStat(offer_id=offer.id, channel=channel, day=dt.date(2026, 6, 14), views=10, carts=4))
        db.session.add(OfferDailyStat(offer_id=offer.id, channel=channel, day=dt.date(2026, 6, 15), views=5, carts=1))
        order = make_paid_order(5000 + n, channel)
        db.session.add(Redemption(offer_id=offer.id, order_id=order.id, status="confirmed", discount=500,
                                  channel=channel, created_at=NOW, confirmed_at=NOW - dt.timedelta(days=1)))
        db.session.add(Redemption(offer_id=offer.id, order_id=make_paid_order(100, channel).id, status="held",
                                  discount=10, channel=channel, created_at=NOW))
        db.session.add(Redemption(offer_id=offer.id, order_id=make_paid_order(100, channel).id, status="released",
                                  discount=10, channel=channel, created_at=NOW))
    offer.redemptions_count = 2 * len(channels)
    db.session.commit()


def test_results_count_views_carts_redemptions_revenue_and_discount_per_channel(marketer):
    offer = make_offer(now=NOW, cap_total=50, starts_at=NOW - dt.timedelta(days=2))
    add_results(offer, ["meta", "telegram"])
    answer = results.results(offer.id, NOW)
    by_channel = {row.channel: row for row in answer.channels}
    assert set(by_channel) == {"meta", "telegram"}
    meta = by_channel["meta"]
    assert (meta.views, meta.carts, meta.held, meta.redeemed, meta.revenue, meta.discount) == (15, 5, 1, 1, 5000, 500)
    assert by_channel["telegram"].revenue == 5001
    assert (answer.total.redeemed, answer.total.revenue, answer.total.discount) == (2, 10001, 1000)
    assert answer.remaining == 46
    days = {d.day: d for d in answer.days}
    assert [d.day for d in answer.days] == [dt.date(2026, 6, 13), dt.date(2026, 6, 14), dt.date(2026, 6, 15)]
    assert (days[dt.date(2026, 6, 14)].redemptions, days[dt.date(2026, 6, 14)].revenue) == (2, 10001)
    assert days[dt.date(2026, 6, 15)].views == 10


def test_results_take_as_many_queries_for_thirty_channels_as_for_one(count_queries):
    few = make_offer(now=NOW)
    many = make_offer(now=NOW)
    add_results(few, ["meta"])
    add_results(many, [f"channel-{n}" for n in range(30)])
    counts = []
    for offer in (few, many):
        db.session.expire_all()
        with count_queries() as counter:
            results.results(offer.id, NOW)
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 5


def test_the_preview_shows_a_tab_visitor_offer_to_a_tab_visitor_only(app, marketer):
    hat = make_product("Wool hat", variants=[{"price": 4000}])
    offer = make_offer(now=NOW, state="draft", audience="tab_visitors", audience_pages=["meta:1001"], percent=25)
    moment = terms.utc_to_local(NOW, "Europe/Riga")
    with app.test_request_context():
        visitor = preview.preview(offer.id, persona="tab_visitor", page="meta:1001", moment=moment,
                                  zone="Europe/Riga", quantities={hat.variants[0].id: 2})
        anyone = preview.preview(offer.id, persona="anyone", page=None, moment=moment, zone="Europe/Riga",
                                 quantities={hat.variants[0].id: 2})
    assert visitor.outcome.items_discount == 2000 and visitor.lines[0].discount == 2000
    assert visitor.total == 8000 - 2000  # 80.00 is over the free-shipping threshold
    assert anyone.outcome.items_discount == 0
    assert [text for _, _, text in anyone.verdicts()] == ["Only for shoppers who came from the chosen page's tab"]
    assert db.session.get(Offer, offer.id).state == "draft"
    assert actions() == []


def test_the_scan_status_says_when_a_store_code_was_used(marketer):
    offer = make_offer(now=NOW)
    code = make_code(offer, "STORE-0001", uses=1)
    db.session.add(Redemption(offer_id=offer.id, code_id=code.id, status="confirmed", channel="store",
                              created_at=NOW, confirmed_at=NOW - dt.timedelta(hours=2)))
    db.session.commit()
    status = preview.scan_status("store-0001", NOW)
    assert not status.valid and status.used_at == NOW - dt.timedelta(hours=2)
    assert preview.scan_status("NOPE-1234", NOW).message == "We do not know the code NOPE-1234."
