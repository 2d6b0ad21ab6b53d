"""What staff read about customers: the list, summed in SQL, and one customer's page.

A customer is an e-mail address on orders, compared lower-cased. Their **key**, in the page's
address, is the id of their first order (the earliest placed; the lowest id on a tie): stable
(an order is never deleted and its placing time never changes), opaque (it says nothing about the
person, and no e-mail ends up in a URL, a server log or a browser's history), found by the list's
own query, and it still opens the page once the customer has been erased.

The figures follow the dashboard's rules (`backoffice.dashboard`), so the two agree: spend is the
totals of orders in a paid state (paid, packed, shipped, delivered, refunded) less what was
refunded of them; offers used are the distinct offers with a redeemed (confirmed) redemption on
their orders, as on an offer's results page. Read-only: nothing here writes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from promotions.models import Offer, Redemption, RedemptionStatus
from reviews.models import Answer, InboxItem, Question, QuestionInvitation, Review, ReviewMailOptOut, ReviewRequest

from ..catalog.browse import Page
from ..catalog.models import Product
from ..database import casefold
from ..errors import NotFoundError
from ..extensions import db
from ..mail.models import OutboundEmail
from ..orders.models import Order
from ..orders.queries import SALE_STATES, is_sale

CUSTOMERS_PER_PAGE = 50
MAX_SEARCH_LENGTH = 100
# Orders placed by one customer that their page lists (the count says how many there are).
ORDERS_SHOWN = 100
MAILS_SHOWN = 50
# The address an erased customer's rows carry instead of theirs (`erasure`): `.invalid` is
# reserved (RFC 2606), so no mail can ever reach anyone through it.
ERASED_DOMAIN = "erased.invalid"
# The books' sales, as the dashboard counts them (`orders.queries.is_sale`).
PAID_STATES = SALE_STATES
SORTS = ("last_order", "spend", "orders")


class CustomerNotFound(NotFoundError):
    code = "customer_not_found"


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def is_erased(email: str) -> bool:
    return normalise_email(email).endswith("@" + ERASED_DOMAIN)


@dataclass(frozen=True)
class CustomerRow:
    """One line of the customers list; money in minor units of the shop's currency."""

    key: int
    email: str
    name: str
    orders: int
    spend: int
    first_order_at: dt.datetime
    last_order_at: dt.datetime
    first_channel: str
    first_source: str
    reviews: int
    offers_used: int

    @property
    def erased(self) -> bool:
        return is_erased(self.email)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _paid():
    return is_sale()


def _spend():
    paid = _paid()
    return (sa.func.coalesce(sa.func.sum(sa.case((paid, Order.total), else_=0)), 0)
            - sa.func.coalesce(sa.func.sum(sa.case((paid, Order.amount_refunded), else_=0)), 0))


def _search_condition(search: str | None):
    """A HAVING clause: customers with an order whose address or name holds `search` (as plain
    text), judged in the same pass over the orders that sums them."""
    search = (search or "").strip()[:MAX_SEARCH_LENGTH].lower()
    if not search:
        return None
    pattern = f"%{_escape_like(search)}%"
    matches = sa.or_(casefold(Order.email).like(pattern, escape="\\"),
                     casefold(Order.full_name).like(pattern, escape="\\"))
    return sa.func.max(sa.case((matches, 1), else_=0)) == 1


def customer_page(search: str | None = None, sort: str = "last_order", page: int = 1,
                  per_page: int = CUSTOMERS_PER_PAGE) -> Page[CustomerRow]:
    """Customers matching `search` (part of an address or a name), sorted by `sort` (latest order,
    spend or number of orders, largest first): five queries whatever the number of customers and
    orders. Two passes over the orders (the count, and the sums sorted and cut to the page); then
    only the page's customers: their first and latest orders, reviews and offers."""
    page = max(1, page)
    email = sa.func.lower(Order.email).label("email")
    having = _search_condition(search)
    grouped = sa.select(email).group_by(email)
    if having is not None:
        grouped = grouped.having(having)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(grouped.subquery())) or 0

    orders, spend = sa.func.count(Order.id).label("orders"), _spend().label("spend")
    first_at, last_at = sa.func.min(Order.created_at).label("first_at"), sa.func.max(Order.created_at).label("last_at")
    order_by = {"spend": (spend.desc(), last_at.desc()), "orders": (orders.desc(), last_at.desc())}.get(
        sort, (last_at.desc(),))
    sums = db.session.execute(
        grouped.add_columns(orders, spend, first_at, last_at).order_by(*order_by, email)
        .limit(per_page).offset((page - 1) * per_page)).all()
    emails = [row.email for row in sums]
    if not emails:
        return Page([], total, page, per_page)

    ends = _first_and_latest_orders(emails)
    reviews = dict(db.session.execute(
        sa.select(sa.func.lower(Review.email), sa.func.count(Review.id))
        .where(sa.func.lower(Review.email).in_(emails)).group_by(sa.func.lower(Review.email))).all())
    offers = dict(db.session.execute(
        sa.select(sa.func.lower(Order.email), sa.func.count(sa.distinct(Redemption.offer_id)))
        .join(Order, Order.id == Redemption.order_id)
        .where(sa.func.lower(Order.email).in_(emails), Redemption.status == RedemptionStatus.CONFIRMED.value)
        .group_by(sa.func.lower(Order.email))).all())
    items = []
    for row in sums:
        first, latest = ends[row.email]
        items.append(CustomerRow(key=first.id, email=row.email, name=latest.full_name, orders=int(row.orders),
                                 spend=int(row.spend), first_order_at=row.first_at, last_order_at=row.last_at,
                                 first_channel=first.channel, first_source=first.utm_source,
                                 reviews=int(reviews.get(row.email, 0)), offers_used=int(offers.get(row.email, 0))))
    return Page(items, total, page, per_page)


def _first_and_latest_orders(emails: list[str]) -> dict[str, tuple]:
    """For each address, its first order (the earliest placed; the lowest id on a tie) and its
    latest, as rows of (id, channel, utm_source, full_name): one query over those customers' orders."""
    email = sa.func.lower(Order.email)
    ranked = (sa.select(
        email.label("email"), Order.id, Order.channel, Order.utm_source, Order.full_name,
        sa.func.row_number().over(partition_by=email, order_by=(Order.created_at, Order.id)).label("from_first"),
        sa.func.row_number().over(partition_by=email, order_by=(Order.created_at.desc(), Order.id.desc()))
        .label("from_last"))
        .where(email.in_(emails)).subquery())
    rows = db.session.execute(sa.select(ranked).where(sa.or_(ranked.c.from_first == 1, ranked.c.from_last == 1))).all()
    ends: dict[str, list] = {address: [None, None] for address in emails}
    for row in rows:
        if row.from_first == 1:
            ends[row.email][0] = row
        if row.from_last == 1:
            ends[row.email][1] = row
    return {address: (first, latest) for address, (first, latest) in ends.items()}


# --- one customer -------------------------------------------------------------------------------

def email_for_key(key: int) -> str:
    """The (lower-cased) address of the customer whose key is `key`: the address of that order.

    Any of a customer's orders opens their page; the list links the first.
    :raise CustomerNotFound: (404) for an order that does not exist.
    """
    email = db.session.scalar(sa.select(Order.email).where(Order.id == key))
    if email is None:
        raise CustomerNotFound()
    return normalise_email(email)


def orders_of(email: str, *, limit: int | None = None, lock: bool = False) -> list[Order]:
    """The customer's orders, latest first."""
    query = (sa.select(Order).where(sa.func.lower(Order.email) == email)
             .order_by(Order.created_at.desc(), Order.id.desc()))
    if limit is not None:
        query = query.limit(limit)
    if lock:
        query = query.with_for_update()
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class OfferUse:
    offer_id: int
    offer_name: str
    order_id: int | None
    order_number: str | None
    status: str
    discount: int
    created_at: dt.datetime


def offer_uses_of(email: str) -> list[OfferUse]:
    """The redemptions on the customer's orders (held, redeemed or released), latest first."""
    rows = db.session.execute(
        sa.select(Redemption.offer_id, Offer.name, Order.id, Order.number, Redemption.status, Redemption.discount,
                  Redemption.created_at)
        .join(Order, Order.id == Redemption.order_id).join(Offer, Offer.id == Redemption.offer_id)
        .where(sa.func.lower(Order.email) == email)
        .order_by(Redemption.created_at.desc(), Redemption.id.desc())).all()
    return [OfferUse(*row) for row in rows]


def reviews_of(email: str) -> list[tuple[Review, Product]]:
    return list(db.session.execute(
        sa.select(Review, Product).join(Product, Product.id == Review.product_id)
        .where(sa.func.lower(Review.email) == email)
        .order_by(Review.created_at.desc(), Review.id.desc())
        .options(so.selectinload(Review.versions), so.selectinload(Review.follow_up))).all())


def questions_of(email: str) -> list[tuple[Question, Product, int | None]]:
    """Their questions, each with its product and the id of its inbox item (if it has one)."""
    return list(db.session.execute(
        sa.select(Question, Product, InboxItem.id).join(Product, Product.id == Question.product_id)
        .outerjoin(InboxItem, InboxItem.question_id == Question.id)
        .where(sa.func.lower(Question.email) == email)
        .order_by(Question.created_at.desc(), Question.id.desc())).all())


def answers_of(email: str) -> list[tuple[Answer, Question]]:
    """Answers they wrote as a buyer invited to answer another shopper's question."""
    return list(db.session.execute(
        sa.select(Answer, Question).join(QuestionInvitation, QuestionInvitation.id == Answer.invitation_id)
        .join(Question, Question.id == Answer.question_id)
        .where(sa.func.lower(QuestionInvitation.email) == email)
        .order_by(Answer.created_at.desc(), Answer.id.desc())).all())


def mail_to(email: str, *, limit: int | None = None) -> list[OutboundEmail]:
    """The shop's mail to the customer (sent or waiting), latest first."""
    query = (sa.select(OutboundEmail).where(sa.func.lower(OutboundEmail.recipient) == email)
             .order_by(OutboundEmail.created_at.desc(), OutboundEmail.id.desc()))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def review_mail_opt_out(email: str) -> ReviewMailOptOut | None:
    return db.session.scalar(sa.select(ReviewMailOptOut).where(sa.func.lower(ReviewMailOptOut.email) == email))


def review_requests_of(email: str) -> list[ReviewRequest]:
    return list(db.session.scalars(
        sa.select(ReviewRequest).where(sa.func.lower(ReviewRequest.email) == email)
        .order_by(ReviewRequest.created_at.desc(), ReviewRequest.id.desc())))


def question_invitations_of(email: str) -> list[QuestionInvitation]:
    return list(db.session.scalars(
        sa.select(QuestionInvitation).where(sa.func.lower(QuestionInvitation.email) == email)
        .order_by(QuestionInvitation.created_at.desc(), QuestionInvitation.id.desc())))


@dataclass(frozen=True)
class CustomerFigures:
    """The same figures as the customer's line in the list."""

    orders: int
    spend: int
    first_order: Order
    latest_order: Order
    offers_used: int


def figures_of(email: str) -> CustomerFigures:
    """:raise CustomerNotFound: (404) when no order carries `email`."""
    row = db.session.execute(
        sa.select(sa.func.count(Order.id), _spend()).where(sa.func.lower(Order.email) == email)).one()
    if not row[0]:
        raise CustomerNotFound()
    by_email = sa.select(Order).where(sa.func.lower(Order.email) == email)
    first = db.session.scalar(by_email.order_by(Order.created_at, Order.id).limit(1))
    latest = db.session.scalar(by_email.order_by(Order.created_at.desc(), Order.id.desc()).limit(1))
    offers_used = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Redemption.offer_id))).join(Order, Order.id == Redemption.order_id)
        .where(sa.func.lower(Order.email) == email, Redemption.status == RedemptionStatus.CONFIRMED.value)) or 0
    return CustomerFigures(int(row[0]), int(row[1]), first, latest, int(offers_used))
