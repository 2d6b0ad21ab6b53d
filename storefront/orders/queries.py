"""What staff see of orders: the filtered, paginated order list and one order with its history.

Read-only. The list runs a fixed number of queries whatever the page holds (one count, one page);
the detail loads the order, its lines, its timeline and its audit entries in one query each.
Dates typed by staff are days in the shop's time zone; stored times are aware UTC, so a day is
turned into the UTC instants where it starts and ends there.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..audit.models import AuditEntry
from ..catalog.browse import Page
from ..database import casefold
from ..extensions import db
from . import service
from .models import Order, OrderStatus, PaymentMethod

ORDERS_PER_PAGE = 50
MAX_SEARCH_LENGTH = 100
# The books' sales: orders in a state reached by paying and not undone by a cancellation (a refund
# keeps an order a sale, its refund counted apart), with the moment they were paid. A payment that
# arrived after its order had been cancelled, refunded at once by the shop
# (`payments.service._late_payment`), ends `refunded` but was never a sale: it has no `paid_at`.
SALE_STATES = (OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED,
               OrderStatus.REFUNDED)


def is_sale(status=Order.status, paid_at=Order.paid_at):
    """SQL: the order (or a subquery's `status` and `paid_at` columns) is one of the books' sales."""
    return sa.and_(status.in_([state.value for state in SALE_STATES]), paid_at.is_not(None))


# States from which a refund is possible (the staff refund refuses the others with 409).
REFUNDABLE = frozenset({OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED})


@dataclass(frozen=True)
class OrderFilters:
    """What the staff order list is narrowed to; every part is optional."""

    status: str | None = None
    payment_method: str | None = None
    date_from: dt.date | None = None  # first day included, in the shop's time zone
    date_to: dt.date | None = None  # last day included, in the shop's time zone
    search: str | None = None  # part of an order number or of the shopper's e-mail
    # Only orders awaiting payment whose stock hold ends before this instant (or has ended and
    # the worker has not released it yet): the dashboard's "holds ending soon".
    hold_ends_before: dt.datetime | None = None


def day_start_utc(day: dt.date, time_zone: str) -> dt.datetime:
    """The UTC instant at which `day` begins in `time_zone` (its local midnight)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(time_zone)).astimezone(dt.timezone.utc)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def hold_ends_before(moment: dt.datetime):
    """Orders awaiting payment whose stock is held until before `moment`."""
    return sa.and_(Order.status == OrderStatus.PENDING_PAYMENT.value, Order.stock_held.is_(True),
                   Order.reserved_until.is_not(None), Order.reserved_until < moment)


def _conditions(filters: OrderFilters, time_zone: str) -> list:
    conditions = []
    if filters.hold_ends_before:
        conditions.append(hold_ends_before(filters.hold_ends_before))
    if filters.status:
        conditions.append(Order.status == OrderStatus(filters.status).value)
    if filters.payment_method:
        conditions.append(Order.payment_method == PaymentMethod(filters.payment_method).value)
    if filters.date_from:
        conditions.append(Order.created_at >= day_start_utc(filters.date_from, time_zone))
    if filters.date_to:
        # Up to the start of the next local day, so the whole last day is included.
        conditions.append(Order.created_at < day_start_utc(filters.date_to + dt.timedelta(days=1), time_zone))
    search = (filters.search or "").strip()[:MAX_SEARCH_LENGTH].lower()
    if search:
        pattern = f"%{_escape_like(search)}%"
        conditions.append(sa.or_(casefold(Order.number).like(pattern, escape="\\"),
                                 casefold(Order.email).like(pattern, escape="\\")))
    return conditions


def order_page(filters: OrderFilters, *, time_zone: str, page: int = 1,
               per_page: int = ORDERS_PER_PAGE) -> Page[Order]:
    """Orders matching `filters`, newest first: two queries (a count and the page).

    :raise ValueError: for a status or payment method the shop does not know (the filter form
        refuses those before they get here).
    """
    page = max(1, page)
    conditions = _conditions(filters, time_zone)
    total = db.session.scalar(sa.select(sa.func.count(Order.id)).where(*conditions)) or 0
    items = list(db.session.scalars(
        sa.select(Order).where(*conditions).order_by(Order.created_at.desc(), Order.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total, page, per_page)


def order_for_staff(order_id: int) -> Order:
    """One order with its lines, its discounts and its whole timeline (public and internal events).

    :raise OrderNotFound: (404)
    """
    order = db.session.scalar(
        sa.select(Order).where(Order.id == order_id)
        .options(so.selectinload(Order.lines), so.selectinload(Order.events), so.selectinload(Order.discounts)))
    if order is None:
        raise service.OrderNotFound()
    return order


def audit_entries_for(order: Order) -> list[AuditEntry]:
    """The staff actions recorded on `order`, oldest first (they are keyed by its number)."""
    if not order.number:
        return []
    return list(db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.target_type == "order", AuditEntry.target_id == order.number)
        .order_by(AuditEntry.created_at, AuditEntry.id)))


def refundable_amount(order: Order) -> int:
    """What can still be refunded, in minor units (0 for an order that was never paid)."""
    if order.status not in REFUNDABLE:
        return 0
    return order.total - order.amount_refunded


def staff_actions(order: Order) -> frozenset[str]:
    """The staff actions the order's state allows, to decide which buttons the page shows.

    It mirrors the rules of orders.staff, which re-checks them under its own lock: a button shown
    on a page that went stale is still refused with 409.
    """
    status = OrderStatus(order.status)
    allowed = service.TRANSITIONS[status]
    manual = order.payment_method != PaymentMethod.CARD
    actions = set()
    if OrderStatus.PAID in allowed and manual:  # card orders are marked paid by Stripe only
        actions.add("mark_paid")
    if OrderStatus.FULFILLED in allowed:
        actions.add("fulfil")
    if OrderStatus.SHIPPED in allowed:
        actions.add("ship")
    if OrderStatus.DELIVERED in allowed:
        actions.add("deliver")
    # A paid card order is cancelled by refunding it in full.
    if OrderStatus.CANCELLED in allowed and (manual or status == OrderStatus.PENDING_PAYMENT):
        actions.add("cancel")
    if refundable_amount(order) > 0:
        actions.add("refund")
    return frozenset(actions)
