"""Redemptions: caps that hold however many shoppers check out at once.

A redemption is **held** in the same transaction that takes the order's stock (`hold`), becomes
**confirmed** when the order is paid (`confirm`), and is **released** when the stock hold is
released unpaid (`release`, called from `orders.service.release_stock`) or when staff cancel a
paid manual order (`void`): a sale that never was, or was cancelled, gives its place under the
caps back. A refund, partial or full, releases nothing: the order was paid under the offer, so its
place under the caps and its single-use code stay used (`receivers.void_redemptions`).

How the caps are enforced, on PostgreSQL and SQLite alike:

- Every counter moves by one conditional UPDATE in the database, which re-checks the cap on the
  row as it is after any concurrent writer committed:
  ``UPDATE offers SET redemptions_count = redemptions_count + 1 WHERE id = ? AND
  (cap_total IS NULL OR redemptions_count < cap_total)`` — a rowcount of 0 means the cap is
  reached, and the whole checkout rolls back (stock included). The same shape guards
  `offer_customer_uses.uses` (per-customer cap, one row per customer key: e-mail and platform
  user) and `offer_codes.uses` (single-use codes). On PostgreSQL the UPDATE takes the row lock
  and re-evaluates its WHERE after a concurrent commit; on SQLite the write transaction is
  already exclusive (`BEGIN IMMEDIATE`).
- Rows are always locked in one order — offers by id, then each offer's customer keys sorted,
  then its code — after the variants (by id), so two checkouts never wait on each other in a
  cycle.
- CHECK constraints (`redemptions_count <= cap_total`, `uses <= max_uses`, `uses >= 0`) and the
  unique (offer, order) pair stand behind the code.
- Release is exactly once: ``UPDATE offer_redemptions SET status = 'released' WHERE id = ? AND
  status = 'held'`` wins once, and only the winner gives the counters back, again by UPDATE
  ``x = x - 1`` in the database (never a value computed in Python, which is how concurrent
  releases lose updates). A confirm races a release the same way: whichever moves the row out of
  'held' first wins, and the other does nothing.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from storefront.audit.service import record
from storefront.database import conflict_insert, write_transaction
from storefront.errors import ConflictError, NotFoundError
from storefront.extensions import db
from storefront.page_cache import mark_pages_changed

from .codes import find_code
from .engine import Outcome
from .models import CodeKind, CustomerUse, Offer, OfferCode, Redemption, RedemptionStatus
from .service import per_customer_caps


class OfferRanOut(ConflictError):
    """A cap was reached between the shopper's look and their order; `reason` says which: the
    offer's total cap (SOLD_OUT), this customer's (USED_UP) or a single-use code's (CODE_USED)."""

    code = "offer_ran_out"
    default_message = _l("Sorry, an offer in your cart has just run out. Please check the new total.")

    def __init__(self, message=None, *, reason: str = "sold_out", **details):
        super().__init__(message, reason=reason, **details)
        self.reason = reason


SOLD_OUT, USED_UP, CODE_USED = "sold_out", "used_up", "code_used"


def ran_out(reason: str, offer_name: str, code: str | None) -> OfferRanOut:
    """The refusal for a cap reached at checkout, in words for that cap."""
    if reason == CODE_USED:
        message = _l("The code %(code)s has just been used for another order. Please check the new total.",
                     code=code)
    elif reason == USED_UP:
        message = _l("%(offer)s is limited per customer, and your e-mail address has already used it. "
                     "Please check the new total.", offer=code or offer_name)
    else:
        message = _l("Sorry, %(offer)s has just run out. Please check the new total.", offer=code or offer_name)
    return OfferRanOut(message, reason=reason)


class CodeAlreadyUsed(ConflictError):
    code = "code_used"
    default_message = _l("This code has already been used.")


class CodeNotFound(NotFoundError):
    code = "code_not_found"
    default_message = _l("We do not know this code.")


class CodeNotValidNow(ConflictError):
    code = "code_not_valid_now"


def _insert_ignore(table, values: dict):
    return conflict_insert(table).values(**values).on_conflict_do_nothing()


# Offer and code counters change with every sale; pages, and the live offers each process keeps,
# change only when one fills up (the offer stops applying) or reopens, so these statements tell
# the page cache themselves (`pages_unchanged` and `counter_only` keep its generic watch from
# bumping the pages and the offers on every sale).
QUIET = {"synchronize_session": False, "pages_unchanged": True, "counter_only": True}


def _note_fill(after: int | None, cap: int | None, *, taking: bool) -> None:
    if after is not None and cap is not None and after == (cap if taking else cap - 1):
        mark_pages_changed("offers")


def _take_offer(offer_id: int) -> bool:
    row = db.session.execute(
        sa.update(Offer).where(Offer.id == offer_id, Offer.has_room)
        .values(redemptions_count=Offer.redemptions_count + 1)
        .returning(Offer.redemptions_count, Offer.cap_total).execution_options(**QUIET)).first()
    if row is None:
        return False
    _note_fill(row[0], row[1], taking=True)
    return True


def _take_customer(offer_id: int, key: str, cap: int) -> bool:
    db.session.execute(_insert_ignore(CustomerUse.__table__, {"offer_id": offer_id, "customer_key": key, "uses": 0}))
    result = db.session.execute(
        sa.update(CustomerUse).where(CustomerUse.offer_id == offer_id, CustomerUse.customer_key == key,
                                     CustomerUse.uses < cap)
        .values(uses=CustomerUse.uses + 1).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _take_code(code_id: int) -> bool:
    row = db.session.execute(
        sa.update(OfferCode).where(OfferCode.id == code_id,
                                   sa.or_(OfferCode.max_uses.is_(None), OfferCode.uses < OfferCode.max_uses))
        .values(uses=OfferCode.uses + 1)
        .returning(OfferCode.uses, OfferCode.max_uses).execution_options(**QUIET)).first()
    if row is None:
        return False
    _note_fill(row[0], row[1], taking=True)
    return True


def _give_back(redemption: Redemption) -> None:
    row = db.session.execute(sa.update(Offer).where(Offer.id == redemption.offer_id, Offer.redemptions_count > 0)
                             .values(redemptions_count=Offer.redemptions_count - 1)
                             .returning(Offer.redemptions_count, Offer.cap_total)
                             .execution_options(**QUIET)).first()
    if row is not None:
        _note_fill(row[0], row[1], taking=False)
    for key in sorted(redemption.customer_keys or []):
        db.session.execute(sa.update(CustomerUse)
                           .where(CustomerUse.offer_id == redemption.offer_id, CustomerUse.customer_key == key,
                                  CustomerUse.uses > 0)
                           .values(uses=CustomerUse.uses - 1).execution_options(synchronize_session=False))
    if redemption.code_id is not None:
        row = db.session.execute(sa.update(OfferCode).where(OfferCode.id == redemption.code_id, OfferCode.uses > 0)
                                 .values(uses=OfferCode.uses - 1)
                                 .returning(OfferCode.uses, OfferCode.max_uses).execution_options(**QUIET)).first()
        if row is not None:
            _note_fill(row[0], row[1], taking=False)


def _take(offer_id: int, keys: tuple[str, ...], cap_per_customer: int | None, code_id: int | None) -> str | None:
    """Move every counter of one redemption: None when all moved, else the cap that was reached
    (SOLD_OUT, USED_UP or CODE_USED); the caller rolls back what did move."""
    if not _take_offer(offer_id):
        return SOLD_OUT
    if cap_per_customer:
        for key in keys:
            if not _take_customer(offer_id, key, cap_per_customer):
                return USED_UP
    if code_id is not None and not _take_code(code_id):
        return CODE_USED
    return None


def hold(order, outcome: Outcome, context, *, now: dt.datetime) -> list[Redemption]:
    """Hold one redemption per applied offer for `order`, in the checkout's transaction.

    :raise OfferRanOut: a cap (total, per customer or the code's) is reached, with which one; the
        caller rolls the whole checkout back.
    """
    applied = sorted(outcome.applied, key=lambda a: a.offer_id)
    caps = per_customer_caps(a.offer_id for a in applied)
    code = context.code
    held = []
    for offer in applied:
        code_id = code.id if code is not None and code.offer_id == offer.offer_id else None
        cap = caps.get(offer.offer_id)
        refused = _take(offer.offer_id, context.customer_keys, cap, code_id)
        if refused:
            raise ran_out(refused, offer.name, code.code if code_id else None)
        redemption = Redemption(
            offer_id=offer.offer_id, order_id=order.id, code_id=code_id,
            customer_keys=list(context.customer_keys) if cap else [], status=RedemptionStatus.HELD,
            discount=offer.discount, channel=(code.channel if code_id else order.channel) or "web",
            utm_source=(code.utm_source if code_id and code.utm_source else order.utm_source) or "",
            created_at=now)
        db.session.add(redemption)
        held.append(redemption)
    db.session.flush()
    return held


def confirm(order_id: int, *, now: dt.datetime) -> int:
    """The order was paid: its held redemptions become confirmed. Returns how many."""
    result = db.session.execute(
        sa.update(Redemption).where(Redemption.order_id == order_id, Redemption.status == RedemptionStatus.HELD)
        .values(status=RedemptionStatus.CONFIRMED, confirmed_at=now).execution_options(synchronize_session=False))
    return result.rowcount


def release(order_id: int, *, now: dt.datetime) -> int:
    """The order's hold ended unpaid: give back what its held redemptions took, exactly once."""
    held = list(db.session.scalars(
        sa.select(Redemption).where(Redemption.order_id == order_id, Redemption.status == RedemptionStatus.HELD)
        .order_by(Redemption.offer_id)))
    return _release_each(held, RedemptionStatus.HELD, now)


def void(order_id: int, *, now: dt.datetime) -> int:
    """A paid order was cancelled (never for a refund, see the module's header): the sale is
    undone, so its confirmed redemptions give their place under the caps back, exactly once.
    Returns how many."""
    confirmed = list(db.session.scalars(
        sa.select(Redemption).where(Redemption.order_id == order_id,
                                    Redemption.status == RedemptionStatus.CONFIRMED)
        .order_by(Redemption.offer_id)))
    return _release_each(confirmed, RedemptionStatus.CONFIRMED, now)


def _release_each(redemptions: list[Redemption], expected: RedemptionStatus, now: dt.datetime) -> int:
    released = 0
    for redemption in redemptions:
        won = db.session.execute(
            sa.update(Redemption).where(Redemption.id == redemption.id, Redemption.status == expected)
            .values(status=RedemptionStatus.RELEASED, released_at=now)
            .execution_options(synchronize_session=False)).rowcount == 1
        if won:
            _give_back(redemption)
            released += 1
    return released


def retake(order_id: int, *, now: dt.datetime) -> bool:
    """A payment arrived after the hold was released: take the redemptions again, within the
    caps, and confirm them. False (nothing taken) when a cap is now reached."""
    released = list(db.session.scalars(
        sa.select(Redemption).where(Redemption.order_id == order_id,
                                    Redemption.status == RedemptionStatus.RELEASED)
        .order_by(Redemption.offer_id)))
    caps = per_customer_caps(r.offer_id for r in released)
    for redemption in released:
        cap = caps.get(redemption.offer_id) if redemption.customer_keys else None
        if _take(redemption.offer_id, tuple(sorted(redemption.customer_keys or [])), cap, redemption.code_id):
            return False
        db.session.execute(
            sa.update(Redemption).where(Redemption.id == redemption.id)
            .values(status=RedemptionStatus.CONFIRMED, confirmed_at=now, released_at=None)
            .execution_options(synchronize_session=False))
    return True


@write_transaction()
def redeem_in_store(raw_code: str, *, actor, now: dt.datetime) -> Redemption:
    """Store staff scanned a shopper's QR code: mark it used, once, within the offer's caps, in a
    write transaction of its own (committed; rolled back on a refusal).

    :raise CodeNotFound, CodeNotValidNow, CodeAlreadyUsed, OfferRanOut:
    """
    code = find_code(raw_code)
    if code is None:
        raise CodeNotFound()
    offer = code.offer
    if not offer.is_live(now):
        raise CodeNotValidNow(_l("The offer behind this code is not running now."))
    if code.kind == CodeKind.SHARED:
        raise CodeNotValidNow(_l("This is a shared online code; in the shop, scan the shopper's own QR code."))
    # The offer row before the code row: the order checkouts lock them in (no deadlock).
    if not _take_offer(offer.id):
        if code.max_uses is not None and code.uses >= code.max_uses:
            raise CodeAlreadyUsed()
        raise OfferRanOut(_l("Sorry, this offer has run out."))
    if not _take_code(code.id):
        raise CodeAlreadyUsed()
    redemption = Redemption(offer_id=offer.id, order_id=None, code_id=code.id, customer_keys=[],
                            status=RedemptionStatus.CONFIRMED, discount=0, channel="store",
                            utm_source=code.utm_source or "", created_at=now, confirmed_at=now)
    db.session.add(redemption)
    record(actor, "offer.store_redeemed", "offer", offer.id, code=code.code)
    return redemption
