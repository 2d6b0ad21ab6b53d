"""What the marketer's pages read: an offer's results per channel and per day, and the lists the
pages show (offers, an offer's codes, batches and audit trail, the products and categories to
choose from). Read-only: nothing here writes or commits; the use cases are in `promotions.lifecycle`
and `promotions.channel_codes`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from storefront.audit.models import AuditEntry
from storefront.catalog.models import Category, Product
from storefront.extensions import db
from storefront.orders.models import Order

from .lifecycle import get_offer
from .models import CodeBatch, Offer, OfferCode, OfferDailyStat, OfferState, OfferStatus, Redemption, RedemptionStatus

CHART_DAYS = 92


# --- an offer's results ---------------------------------------------------------------------

@dataclass
class ChannelResult:
    """One channel's figures (or an offer's, over all its channels), in the words every page uses:
    a redemption is **held** while its order waits for payment, **redeemed** once the order is
    paid (or store staff marked the code used), **released** when the order went unpaid or staff
    cancelled it (its place under the caps given back). A refund releases nothing: a refunded
    order stays redeemed, in revenue and discount, and is shown apart as **refunded** (how many
    redeemed orders had money given back, in part or in full) with **refunds** (how much).

    The money uses the dashboard's definitions (`storefront.backoffice.dashboard.sales`), so the
    two agree for the same orders: revenue is the redeemed orders' totals as charged (refunds not
    taken off), refunds what was given back of them (`Order.amount_refunded`), discount what the
    offer took off their items and shipping (`Redemption.discount`; the dashboard's is the sum
    over every offer on the order)."""

    channel: str
    views: int = 0
    carts: int = 0
    held: int = 0
    redeemed: int = 0
    released: int = 0
    revenue: int = 0
    discount: int = 0
    refunded: int = 0
    refunds: int = 0

    def add(self, other: ChannelResult) -> None:
        """Add `other`'s counts and sums to this row's."""
        for counter in fields(self)[1:]:
            setattr(self, counter.name, getattr(self, counter.name) + getattr(other, counter.name))

    def count(self, status: str, number: int, discount: int, revenue: int, refunded: int = 0,
              refunds: int = 0) -> None:
        """Add `number` redemptions in `status` (and, for the redeemed, their discount and revenue,
        and how many of their orders were refunded, for how much)."""
        if status == RedemptionStatus.HELD:
            self.held += number
        elif status == RedemptionStatus.RELEASED:
            self.released += number
        elif status == RedemptionStatus.CONFIRMED:
            self.redeemed += number
            self.discount += int(discount)
            self.revenue += int(revenue)
            self.refunded += int(refunded)
            self.refunds += int(refunds)


@dataclass
class DayResult:
    day: dt.date
    views: int = 0
    carts: int = 0
    redemptions: int = 0
    revenue: int = 0


@dataclass(frozen=True)
class OfferResults:
    offer: Offer
    status: OfferStatus
    channels: list[ChannelResult]
    total: ChannelResult
    remaining: int | None
    days: list[DayResult]


def results(offer_id: int, now: dt.datetime) -> OfferResults:
    """Views, carts, redemptions (held, redeemed, released), revenue, discount and refunds per
    channel, the cap left, and a daily series of the last `CHART_DAYS` days. Four queries, however
    many channels, codes or days.

    Revenue is the total of the orders of redeemed redemptions; a store redemption has no order.
    :raise OfferNotFound:
    """
    offer = get_offer(offer_id)
    channels: dict[str, ChannelResult] = {}
    days: dict[dt.date, DayResult] = {}

    def channel(name: str) -> ChannelResult:
        return channels.setdefault(name, ChannelResult(name))

    def day(value) -> DayResult:
        value = dt.date.fromisoformat(value) if isinstance(value, str) else value  # SQLite answers text
        return days.setdefault(value, DayResult(value))

    for name, date, views, carts in _daily_stats(offer_id):
        for row in (channel(name), day(date)):
            row.views += views
            row.carts += carts
    for _offer_id, name, status, *figures in redemption_counts([offer_id]):
        channel(name).count(status, *figures)
    for date, count, revenue in _confirmed_by_day(offer_id):
        if date is not None:
            day(date).redemptions += count
            day(date).revenue += int(revenue)
    for date in _window_days(offer, now):
        day(date)  # quiet days show as zero rather than vanish

    ordered = sorted(channels.values(), key=lambda c: (-c.redeemed, -c.views, c.channel))
    total = ChannelResult(str(_l("All channels")))
    for row in ordered:
        total.add(row)
    series = [days[d] for d in sorted(days)][-CHART_DAYS:]
    return OfferResults(offer, offer.status_at(now), ordered, total, offer.remaining, series)


def offer_totals(offer_ids: Sequence[int]) -> dict[int, ChannelResult]:
    """Each offer's redemptions over all its channels (held, redeemed, released, revenue,
    discount, refunded and refunds), as its results page adds them up: the offers list and the
    dashboard read these. One query, however many offers."""
    totals = {offer_id: ChannelResult("") for offer_id in offer_ids}
    for offer_id, _channel, status, *figures in redemption_counts(list(offer_ids)):
        totals[offer_id].count(status, *figures)
    return totals


def _daily_stats(offer_id: int) -> sa.Result:
    """(channel, day, views, carts) rows of the offer's counters."""
    return db.session.execute(
        sa.select(OfferDailyStat.channel, OfferDailyStat.day, OfferDailyStat.views, OfferDailyStat.carts)
        .where(OfferDailyStat.offer_id == offer_id))


def redemption_counts(offer_ids: Sequence[int]) -> list[tuple]:
    """(offer id, channel, status, count, discount, revenue, refunded, refunds) of the offers'
    redemptions: the one definition of every redemption figure the marketer and the dashboard
    see. Refunded counts the redemptions whose order had money given back (in part or in full),
    refunds sums that money."""
    if not offer_ids:
        return []
    return list(db.session.execute(
        sa.select(Redemption.offer_id, Redemption.channel, Redemption.status, sa.func.count(Redemption.id),
                  sa.func.coalesce(sa.func.sum(Redemption.discount), 0),
                  sa.func.coalesce(sa.func.sum(Order.total), 0),
                  sa.func.count(Redemption.id).filter(Order.amount_refunded > 0),
                  sa.func.coalesce(sa.func.sum(Order.amount_refunded), 0))
        .outerjoin(Order, Order.id == Redemption.order_id)
        .where(Redemption.offer_id.in_(offer_ids))
        .group_by(Redemption.offer_id, Redemption.channel, Redemption.status)))


def _confirmed_by_day(offer_id: int) -> sa.Result:
    """(UTC day, count, revenue) of the redeemed (confirmed) redemptions, by the day they were paid."""
    day_column = _utc_day(Redemption.confirmed_at)
    return db.session.execute(
        sa.select(day_column, sa.func.count(Redemption.id), sa.func.coalesce(sa.func.sum(Order.total), 0))
        .outerjoin(Order, Order.id == Redemption.order_id)
        .where(Redemption.offer_id == offer_id, Redemption.status == RedemptionStatus.CONFIRMED)
        .group_by(day_column))


def _utc_day(column):
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.timezone("UTC", column), sa.Date)
    return sa.func.date(column)


def _window_days(offer: Offer, now: dt.datetime) -> list[dt.date]:
    """Every UTC day of the offer's window up to `now` (none for a draft)."""
    end = min(now, offer.ended_at or offer.ends_at, offer.ends_at)
    if offer.state == OfferState.DRAFT or offer.starts_at > end:
        return []
    first = offer.starts_at.date()
    return [first + dt.timedelta(days=n) for n in range((end.date() - first).days + 1)]


# --- what the marketer's pages list ---------------------------------------------------------

@dataclass(frozen=True)
class OfferRow:
    offer: Offer
    status: OfferStatus
    codes: int
    figures: ChannelResult


def offer_rows(now: dt.datetime) -> list[OfferRow]:
    """Every offer, newest first, with its status, number of codes and redemption figures
    (three queries)."""
    offers = list(db.session.scalars(sa.select(Offer).order_by(Offer.created_at.desc(), Offer.id.desc())))
    codes = dict(db.session.execute(sa.select(OfferCode.offer_id, sa.func.count(OfferCode.id))
                                    .group_by(OfferCode.offer_id)).all())
    totals = offer_totals([o.id for o in offers])
    return [OfferRow(o, o.status_at(now), codes.get(o.id, 0), totals[o.id]) for o in offers]


@dataclass(frozen=True)
class BatchRow:
    batch: CodeBatch
    used: int


def offer_codes(offer_id: int, limit: int = 100) -> list[OfferCode]:
    """The offer's codes that are not in a batch (shared, store, thank-you), newest first."""
    return list(db.session.scalars(
        sa.select(OfferCode).where(OfferCode.offer_id == offer_id, OfferCode.batch_id.is_(None))
        .order_by(OfferCode.id.desc()).limit(limit)))


def offer_batches(offer_id: int) -> list[BatchRow]:
    """The offer's code batches, newest first, each with how many of its codes were used (one query)."""
    rows = db.session.execute(
        sa.select(CodeBatch, sa.func.count(OfferCode.id).filter(OfferCode.uses > 0))
        .outerjoin(OfferCode, OfferCode.batch_id == CodeBatch.id)
        .where(CodeBatch.offer_id == offer_id).group_by(CodeBatch.id).order_by(CodeBatch.id.desc())).all()
    return [BatchRow(batch, used or 0) for batch, used in rows]


def offer_audit(offer_id: int, limit: int = 50) -> list[AuditEntry]:
    """The offer's audit entries, newest first."""
    return list(db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.target_type == "offer", AuditEntry.target_id == str(offer_id))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)))


def product_choices() -> list[tuple[int, str]]:
    """(id, title) of every product, by title: what an offer can target."""
    return [tuple(row) for row in db.session.execute(sa.select(Product.id, Product.title).order_by(Product.title))]


def category_choices() -> list[tuple[int, str]]:
    """(id, name) of every category, by name: what an offer can target."""
    return [tuple(row) for row in db.session.execute(sa.select(Category.id, Category.name).order_by(Category.name))]
