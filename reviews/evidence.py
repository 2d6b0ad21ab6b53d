"""The published evidence: how many reviews were received, published, held and withheld, and why.

"received 41, published 38, withheld 3 (spam: one 1★, two 5★)" — per product, and shop-wide per
month. Counted from the review rows by one GROUP BY each time the page is read (never from a
counter that could drift), by each review's status now: a review received in March and withheld
in April counts as received in March and withheld. Ratings are shown beside each withhold reason
so anyone can see that withholding does not follow the stars (16 CFR 465.7; the EU Omnibus and
UK DMCC review rules).

Months are the shop's calendar months (SHOP_TIMEZONE): the buckets are computed here as UTC
instants and handed to the database as a CASE, so the grouping is exact on any database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from storefront.catalog.browse import read_columns
from storefront.extensions import db

from .models import Review, ReviewStatus, WithholdReason

UTC = dt.timezone.utc
LEDGER_MONTHS = 12


@dataclass
class Ledger:
    """Reviews received in a period (or ever), by what became of them."""

    published: int = 0
    pending: int = 0
    # reason → {rating: count}, only the non-zero ones; reasons in WithholdReason's order.
    withheld_by_reason: dict[str, dict[int, int]] = field(default_factory=dict)

    @property
    def withheld(self) -> int:
        return sum(sum(by_rating.values()) for by_rating in self.withheld_by_reason.values())

    @property
    def received(self) -> int:
        return self.published + self.pending + self.withheld

    def add(self, status: str, reason: str | None, rating: int, count: int) -> None:
        if status == ReviewStatus.PUBLISHED:
            self.published += count
        elif status == ReviewStatus.PENDING:
            self.pending += count
        elif status == ReviewStatus.WITHHELD:
            by_rating = self.withheld_by_reason.setdefault(reason or "", {})
            by_rating[rating] = by_rating.get(rating, 0) + count

    def reasons(self) -> list[tuple[str, int, list[tuple[int, int]]]]:
        """(reason, how many, [(stars, how many), …] lowest stars first), in the fixed order."""
        order = [reason.value for reason in WithholdReason]
        ranked = sorted(self.withheld_by_reason.items(),
                        key=lambda item: order.index(item[0]) if item[0] in order else len(order))
        return [(reason, sum(by_rating.values()), sorted(by_rating.items())) for reason, by_rating in ranked]


@dataclass(frozen=True)
class MonthLedger:
    month: dt.date  # the first day of the month, in the shop's calendar
    ledger: Ledger


@cache
def _product_ledger_statements():
    """Built once and run with the product's id: building them took more CPU than running them."""
    product_id = sa.bindparam("product_id", type_=sa.Integer)
    by_status = (sa.select(Review.status, Review.rating, sa.func.count())
                 .where(Review.product_id == product_id, Review.status != ReviewStatus.WITHHELD)
                 .group_by(Review.status, Review.rating))
    withheld = (sa.select(Review.withheld_reason, Review.rating, sa.func.count())
                .where(Review.product_id == product_id, Review.status == ReviewStatus.WITHHELD)
                .group_by(Review.withheld_reason, Review.rating))
    return by_status, withheld


def product_ledger(product_id: int) -> Ledger:
    """Every review of the product ever received, by status, withhold reason and rating (two
    queries: status × rating, which the index on (product, status, rating) answers alone without
    reading a row, then the reasons of the withheld few)."""
    ledger = Ledger()
    by_status, withheld = _product_ledger_statements()
    for status, rating, count in read_columns(by_status, {"product_id": product_id}):
        ledger.add(status, None, rating, count)
    for reason, rating, count in read_columns(withheld, {"product_id": product_id}):
        ledger.add(ReviewStatus.WITHHELD, reason, rating, count)
    return ledger


def month_starts(now: dt.datetime, months: int, zone: ZoneInfo) -> list[dt.date]:
    """The first days of the last `months` months in the shop's calendar, newest first."""
    local = now.astimezone(zone).date().replace(day=1)
    starts = []
    for _ in range(months):
        starts.append(local)
        local = (local - dt.timedelta(days=1)).replace(day=1)
    return starts


def _instant(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(UTC)


def monthly_ledger(*, now: dt.datetime, months: int = LEDGER_MONTHS) -> tuple[list[MonthLedger], Ledger]:
    """The shop's reviews per month received over the last `months` months (newest first, every
    month listed, empty ones too) and the totals since the shop began taking reviews (one query)."""
    zone = ZoneInfo(current_app.config["SHOP_TIMEZONE"])
    starts = month_starts(now, months, zone)
    bounds = [(start, _instant(start, zone), _instant((start + dt.timedelta(days=32)).replace(day=1), zone))
              for start in starts]
    bucket = sa.case(*[(sa.and_(Review.created_at >= begins, Review.created_at < ends), start.isoformat())
                       for start, begins, ends in bounds], else_=sa.literal("earlier")).label("bucket")
    rows = db.session.execute(
        sa.select(bucket, Review.status, Review.withheld_reason, Review.rating, sa.func.count(Review.id))
        .group_by(bucket, Review.status, Review.withheld_reason, Review.rating))
    by_month = {start.isoformat(): Ledger() for start in starts}
    total = Ledger()
    for month, status, reason, rating, count in rows:
        total.add(status, reason, rating, count)
        if month in by_month:
            by_month[month].add(status, reason, rating, count)
    return [MonthLedger(start, by_month[start.isoformat()]) for start in starts], total
