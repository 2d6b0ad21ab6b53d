"""What a product page shows of its reviews, read in a fixed number of queries whatever their number.

The summary (average, count, histogram, fit) comes from the product's `ReviewStats` row, which
every change moves in its own transaction, so it is never stale and costs one primary-key read.
The page's reviews and the most helpful favourable and critical one are first chosen by id,
sorted on a few narrow columns (sorting 10,000 whole rows, bodies and all, costs ten times more),
then read in one statement with their photos, official reply (and its earlier versions) and
follow-up joined in (`joinedload`): `selectinload` would be one query per relationship *only when
there are rows*, so a product with no reviews would run fewer statements than one with 10,000.

Order: reviews written in the shopper's language come first, then the chosen sort; the sort's
last key is the id, so pages never overlap or skip a review that ties.

The reply figures ("we replied to 97% of 1–2★ reviews, median 1 h 40 min") are the shop's, not
one product's: they are the brand's record, and per product they would rest on two or three
reviews. They are read from the inbox's own items (`InboxItem`, kind negative_review: arrival →
first public reply or private message) and measured on the clock each item recorded
(`reviews.clock.elapsed`), so the storefront never says something the inbox's figures contradict.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from storefront.catalog.browse import Page, read_columns
from storefront.catalog.models import Product
from storefront.database import UTCDateTime
from storefront.extensions import db

from . import clock
from .models import Clock, Fit, InboxItem, InboxKind, Reply, Review, ReviewFollowUp, ReviewStats, ReviewStatus
from .service import has_sizes

SORTS = ("helpful", "newest", "lowest", "highest")
DEFAULT_SORT = "helpful"
FITS = tuple(fit.value for fit in Fit)
MAX_PAGE = 10_000
# The reply figures read at most this many inbox items (the newest of the window): a bound on
# the page's work that a shop answering its reviews by hand never reaches in 90 days.
REPLY_FIGURES_MAX_ITEMS = 5_000
# The side-by-side pair is chosen among this many of the most helpful reviews on each side.
PAIR_CANDIDATES = 50
# Made once: a new alias per call would also defeat SQLAlchemy's cache of compiled statements.
_RANKED = so.aliased(Review, name="ranked")


@dataclass(frozen=True)
class HistogramBar:
    stars: int
    count: int
    percent: int  # of all published reviews, rounded half up; the bars need not add to 100


@dataclass(frozen=True)
class ReviewSummary:
    """A product's published reviews, summed."""

    count: int
    rating_sum: int
    bars: list[HistogramBar]           # 5★ first, as shoppers read a histogram
    fit_counts: dict[str, int]         # {"small": 3, "true": 12, "large": 1}
    sized: bool                        # the product has sizes: fit is asked and summarised

    @property
    def average(self) -> Decimal | None:
        """The average rating to one decimal (4.25 → 4.3), None without reviews."""
        if not self.count:
            return None
        return (Decimal(self.rating_sum) / Decimal(self.count)).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def fit_answers(self) -> int:
        return sum(self.fit_counts.values())

    @property
    def fit_verdict(self) -> str | None:
        """The fit most reviewers chose ("true"), when one leads; None on a tie or no answers."""
        if not self.sized or not self.fit_answers:
            return None
        ranked = sorted(self.fit_counts.items(), key=lambda item: item[1], reverse=True)
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            return None
        return ranked[0][0]

    def bar(self, stars: int) -> HistogramBar:
        return next(bar for bar in self.bars if bar.stars == stars)


@dataclass(frozen=True)
class ReviewFilter:
    """What the shopper asked the list for: sort, stars, fit and page (all validated)."""

    sort: str = DEFAULT_SORT
    rating: int | None = None
    fit: str | None = None
    page: int = 1

    @classmethod
    def parse(cls, args) -> ReviewFilter:
        """From a query string; anything not understood falls back to the default (never an error:
        these are links a shopper may have edited or kept from an older page)."""
        sort = args.get("sort") if args.get("sort") in SORTS else DEFAULT_SORT
        rating = _int(args.get("rating"))
        fit = args.get("fit") if args.get("fit") in FITS else None
        page = _int(args.get("page")) or 1
        return cls(sort=sort, rating=rating if rating in (1, 2, 3, 4, 5) else None, fit=fit,
                   page=min(max(1, page), MAX_PAGE))

    @property
    def filtered(self) -> bool:
        return self.rating is not None or self.fit is not None

    def args(self, **changes) -> dict:
        """The query arguments for a link to this list with some choices changed (None drops one);
        a changed filter or sort starts again at page 1."""
        values = {"sort": self.sort, "rating": self.rating, "fit": self.fit, "page": self.page}
        if set(changes) - {"page"}:
            values["page"] = 1
        values.update(changes)
        return {key: value for key, value in values.items()
                if value is not None and not (key == "sort" and value == DEFAULT_SORT)
                and not (key == "page" and value == 1)}


@dataclass(frozen=True)
class ProductReviews:
    """Everything the product page and the reviews page show of a product's reviews."""

    product_id: int
    language: str
    summary: ReviewSummary
    chosen: ReviewFilter
    page: Page[Review]
    favourable: Review | None = None
    critical: Review | None = None
    favourable_min: int = 4
    critical_max: int = 3

    @property
    def side_by_side(self) -> bool:
        """Shown only when there is at least one of each."""
        return self.favourable is not None and self.critical is not None

    @property
    def shown(self) -> list[Review]:
        """Every review the page shows, once each (for the page's JSON-LD)."""
        seen, shown = set(), []
        for review in ([self.favourable, self.critical] if self.side_by_side else []) + list(self.page.items):
            if review is not None and review.id not in seen:
                seen.add(review.id)
                shown.append(review)
        return shown


@dataclass(frozen=True)
class ReplyFigures:
    """The brand's record with unhappy reviewers, over the last `days` days, shop-wide."""

    days: int
    negative_max: int          # "1–2★": reviews rated at most this go to the inbox
    negative: int              # 1–2★ reviews that the shop had a chance to answer
    replied: int               # … that got a public reply or a private message
    median: dt.timedelta | None
    business_hours: bool       # the median counts opening hours only (the inbox's business clock)
    raised: int                # reviewers who raised their rating in a follow-up after the reply
    durations: list[dt.timedelta] = field(default_factory=list, repr=False)

    @property
    def percent(self) -> int | None:
        if not self.negative:
            return None
        return int((Decimal(self.replied * 100) / self.negative).quantize(Decimal(1), ROUND_HALF_UP))


def _int(raw) -> int | None:
    try:
        return int(str(raw).strip()) if raw is not None else None
    except ValueError:
        return None


@cache
def _stats_statement():
    # The table's columns, not the mapped object: always the database's values (as a
    # `populate_existing` read was), without building an object (~0.3 ms a product page).
    stats = ReviewStats.__table__.c
    return sa.select(stats.review_count, stats.rating_sum, stats.rated_1, stats.rated_2, stats.rated_3,
                     stats.rated_4, stats.rated_5, stats.fit_small, stats.fit_true, stats.fit_large
                     ).where(stats.product_id == _param("product_id"))


def summary(product: Product) -> ReviewSummary:
    """The product's figures from its `ReviewStats` row (one query; zeros without one)."""
    stats = db.session.execute(_stats_statement(), {"product_id": product.id}).first()
    count = stats.review_count if stats else 0
    counts = {n: getattr(stats, f"rated_{n}") if stats else 0 for n in range(1, 6)}
    bars = [HistogramBar(n, counts[n], _percent(counts[n], count)) for n in range(5, 0, -1)]
    fits = {"small": stats.fit_small, "true": stats.fit_true, "large": stats.fit_large} if stats else \
        {"small": 0, "true": 0, "large": 0}
    return ReviewSummary(count=count, rating_sum=stats.rating_sum if stats else 0, bars=bars,
                         fit_counts=fits, sized=has_sizes(product))


def _percent(part: int, whole: int) -> int:
    if not whole:
        return 0
    return int((Decimal(part * 100) / whole).quantize(Decimal(1), ROUND_HALF_UP))


# The statements are built once per shape (sort, which filters) and run with parameters:
# building them from expressions took more CPU than running them (~4 ms of a product page).

def _param(name: str, type_=sa.Integer):
    return sa.bindparam(name, type_=type_)


def _published():
    return sa.and_(Review.product_id == _param("product_id"), Review.status == ReviewStatus.PUBLISHED)


def _with_everything_shown():
    """A review with what the page shows under it, joined into the same statement."""
    return (so.joinedload(Review.photos), so.joinedload(Review.follow_up),
            so.joinedload(Review.reply).joinedload(Reply.versions))


def _own_language_first(review=Review):
    return sa.case((review.language == _param("language", sa.String), 0), else_=1)


def _order(sort: str) -> list:
    keys = {
        "helpful": (Review.helpful_count.desc(), Review.created_at.desc()),
        "newest": (Review.created_at.desc(),),
        "lowest": (Review.rating.asc(), Review.created_at.desc()),
        "highest": (Review.rating.desc(), Review.created_at.desc()),
    }[sort]
    return [_own_language_first(), *keys, Review.id.desc()]


@cache
def _count_statement():
    return sa.select(sa.func.count(Review.id)).where(
        _published(), Review.rating == _param("rating"), Review.fit == _param("fit", sa.String))


def _filtered_total(product_id: int, summary_: ReviewSummary, chosen: ReviewFilter) -> int:
    """How many reviews the list holds: from the summed figures when they say it (no filter, or
    one), else counted (rating and fit together: one more query, on that list only)."""
    if chosen.rating is not None and chosen.fit is not None:
        return read_columns(_count_statement(), {"product_id": product_id, "rating": chosen.rating,
                                                 "fit": chosen.fit}).scalar() or 0
    if chosen.rating is not None:
        return summary_.bar(chosen.rating).count
    if chosen.fit is not None:
        return summary_.fit_counts.get(chosen.fit, 0)
    return summary_.count


@cache
def _page_ids(sort: str, by_rating: bool, by_fit: bool):
    """The ids of one page of the list, in order: sorted on a few narrow columns, not whole rows.
    Parameters: product_id, language, limit, offset, and rating and fit if they filter."""
    statement = sa.select(Review.id).where(_published())
    if by_rating:
        statement = statement.where(Review.rating == _param("rating"))
    if by_fit:
        statement = statement.where(Review.fit == _param("fit", sa.String))
    return statement.order_by(*_order(sort)).limit(_param("limit")).offset(_param("offset"))


def _most_helpful_id(condition):
    """The most helpful review meeting `condition` (ties: the shopper's language, then newest),
    preferring a written one among the PAIR_CANDIDATES most helpful: a side-by-side comparison
    is for reading, and only when none of them has words is a rating-only review shown. The
    candidates come from the list's index alone; only they are read for their words."""
    ranked = _RANKED
    candidates = (sa.select(ranked.id).where(ranked.product_id == _param("product_id"),
                                             ranked.status == ReviewStatus.PUBLISHED, condition(ranked))
                  .order_by(ranked.helpful_count.desc(), _own_language_first(ranked),
                            ranked.created_at.desc(), ranked.id.desc())
                  .limit(PAIR_CANDIDATES))
    written = sa.case((sa.or_(Review.title != "", Review.body != ""), 0), else_=1)
    return (sa.select(Review.id).where(Review.id.in_(candidates))
            .order_by(written, Review.helpful_count.desc(), _own_language_first(),
                      Review.created_at.desc(), Review.id.desc())
            .limit(1))


@cache
def _pair_statement():
    """The ids of the most helpful favourable and critical review, in one UNION. Parameters:
    product_id, language, favourable_min, critical_max."""
    favourable = _most_helpful_id(lambda r: r.rating >= _param("favourable_min")).subquery()
    critical = _most_helpful_id(lambda r: r.rating <= _param("critical_max")).subquery()
    return sa.union_all(sa.select(sa.literal("favourable"), favourable.c.id),
                        sa.select(sa.literal("critical"), critical.c.id))


@cache
def _load_statement():
    return (sa.select(Review).where(Review.id.in_(sa.bindparam("ids", expanding=True)))
            .options(*_with_everything_shown()))


def _load(ids: list[int]) -> dict[int, Review]:
    """The reviews with everything the page shows under them, in one statement (run even for no
    ids, so the page's statements do not depend on the number of reviews)."""
    reviews = db.session.scalars(_load_statement(), {"ids": ids})
    return {review.id: review for review in reviews.unique()}


def product_reviews(product: Product, *, language: str, chosen: ReviewFilter | None = None,
                    per_page: int | None = None, highlights: bool = True) -> ProductReviews:
    """The product's reviews as a page shows them: the summary, one page of the list and (with
    `highlights`) the most helpful favourable and critical review.

    Always the same statements: the summary; the page's ids; with highlights, the pair's ids (one
    UNION); the reviews themselves with their photos, replies and follow-ups — four, or three
    without highlights (plus a count when rating and fit filter together). A page past the end is
    the last page."""
    config = current_app.config
    chosen = chosen or ReviewFilter()
    per_page = per_page or config["REVIEWS_PAGE_SIZE"]
    favourable_min, critical_max = config["REVIEWS_FAVOURABLE_MIN"], config["REVIEWS_CRITICAL_MAX"]
    summary_ = summary(product)
    total = _filtered_total(product.id, summary_, chosen)
    page = min(chosen.page, max(1, -(-total // per_page)))
    parameters = {"product_id": product.id, "language": language, "rating": chosen.rating, "fit": chosen.fit,
                  "limit": per_page, "offset": (page - 1) * per_page}
    page_ids = list(read_columns(
        _page_ids(chosen.sort, chosen.rating is not None, chosen.fit is not None), parameters).scalars())
    pair: dict[str, int] = {}
    if highlights:
        pair = {side: review_id for side, review_id in read_columns(_pair_statement(), {
            "product_id": product.id, "language": language, "favourable_min": favourable_min,
            "critical_max": critical_max})}
    loaded = _load([*page_ids, *pair.values()])
    return ProductReviews(
        product_id=product.id, language=language, summary=summary_, chosen=chosen,
        page=Page(items=[loaded[i] for i in page_ids if i in loaded], total=total, page=page, per_page=per_page),
        favourable=loaded.get(pair.get("favourable")), critical=loaded.get(pair.get("critical")),
        favourable_min=favourable_min, critical_max=critical_max)


def median(values: list[dt.timedelta]) -> dt.timedelta | None:
    """The middle value (the mean of the two middle ones for an even count), None for none."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _window(name: str):
    return sa.bindparam(name, type_=UTCDateTime)


@cache
def _reply_items_statement():
    since, now = _window("since"), _window("now")
    return (sa.select(InboxItem.arrived_at, InboxItem.first_response_at, InboxItem.clock)
            .join(Review, Review.id == InboxItem.review_id)
            .where(InboxItem.kind == InboxKind.NEGATIVE_REVIEW, InboxItem.arrived_at >= since,
                   InboxItem.arrived_at <= now, Review.status == ReviewStatus.PUBLISHED,
                   # Closed without a response (withheld: publishing again reopens it unless the
                   # reviewer was written to meanwhile): no answer was owed.
                   InboxItem.closed_at.is_(None),
                   sa.or_(InboxItem.first_response_at.is_not(None), InboxItem.due_at <= now))
            .order_by(InboxItem.arrived_at.desc()).limit(REPLY_FIGURES_MAX_ITEMS))


@cache
def _raised_statement():
    # Follow-ups are few: read them and look each one's review up by its key (a join would let
    # the planner walk every review instead).
    shown = sa.select(Review.id).where(Review.id == ReviewFollowUp.review_id,
                                       Review.status == ReviewStatus.PUBLISHED).exists()
    return (sa.select(sa.func.count(ReviewFollowUp.id))
            .where(ReviewFollowUp.new_rating > ReviewFollowUp.previous_rating,
                   ReviewFollowUp.created_at >= _window("since"), ReviewFollowUp.created_at <= _window("now"),
                   shown))


def reply_figures(*, now: dt.datetime) -> ReplyFigures:
    """The shop's replies to 1–2★ reviews over the last REPLY_STATS_DAYS days (two queries).

    Counted: published reviews whose negative-review inbox item arrived in the window, except
    those still inside their deadline with no answer yet (the shop has not yet had its chance).
    Replied: the item's clock was stopped by a public reply or a private message, as the inbox
    counts it. The median is the time each answer took on the clock its item recorded.
    "Raised": follow-ups written in the window with a higher rating than before the reply.
    """
    config = current_app.config
    days = config["REPLY_STATS_DAYS"]
    window = {"since": now - dt.timedelta(days=days), "now": now}
    rows = read_columns(_reply_items_statement(), window).all()
    raised = read_columns(_raised_statement(), window).scalar() or 0
    answered = [row for row in rows if row.first_response_at is not None]
    business = any(row.clock == Clock.BUSINESS for row in answered)
    schedule = clock.from_config(config) if business else None
    durations = [clock.elapsed(row.arrived_at, row.first_response_at, row.clock, schedule) for row in answered]
    return ReplyFigures(days=days, negative_max=config["INBOX_NEGATIVE_MAX_RATING"], negative=len(rows),
                        replied=len(answered), median=median(durations), business_hours=business,
                        raised=raised, durations=durations)
