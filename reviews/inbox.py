"""The staff inbox: negative and reported reviews and open questions, each with a deadline.

An item is opened (`open_item`, in the transaction of the review or question that caused it) once
per kind and subject, with the clock the shop used then (`INBOX_CLOCK`) and its deadline on that
clock (`reviews.clock`). The clock stops on the first public reply or private message to the
customer (`record_response`, `send_private_message`), never on a note or an assignment. Every step
is an `InboxEvent`: the history on the item's page and the log the weekly figures are read from.
A response event records how long the item waited on its own clock (`details["response_seconds"]`),
so later changes to opening hours never rewrite old figures.

When staff withhold the review or question, its items still waiting are closed without a response
(`close_items`: nobody owes spam an answer); publishing the review again reopens those that never
had one (`reopen_items`). Likewise a negative review raised by its reviewer before anyone answered
closes (reason rating_raised), and reopens, its clock started at the change, if lowered again. `waiting()` is the one condition for "still waits for an answer" that
every reader (the queue, alerts, counts) uses.

The inbox only follows reviews: nothing here delays, holds or hides a review's publication.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import lazy_gettext as _l

from storefront.accounts.models import ROLE_PERMISSIONS, Permission, User
from storefront.audit.service import record
from storefront.database import write_transaction
from storefront.errors import ConflictError, NotFoundError, ShopError
from storefront.extensions import db
from storefront.mail.service import queue_email

from . import clock
from .models import Clock, ClosedReason, InboxEvent, InboxItem, InboxKind, Question, Review


class ResponseKind(StrEnum):
    PUBLIC_REPLY = "public_reply"
    PRIVATE_MESSAGE = "private_message"


class EventKind(StrEnum):
    ARRIVED = "arrived"
    ASSIGNED = "assigned"
    NOTE = "note"
    PUBLIC_REPLY = "public_reply"
    PRIVATE_MESSAGE = "private_message"
    WARNED = "warned"
    BREACHED = "breached"
    CLOSED = "closed"        # closed without a response (details: reason)
    REOPENED = "reopened"    # a closed item waits again (details: reason)


log = logging.getLogger(__name__)

RESPONSE_EVENTS = (EventKind.PUBLIC_REPLY.value, EventKind.PRIVATE_MESSAGE.value)
NOTE_MAX = 5000
MESSAGE_MAX = 5000
PRIVATE_MESSAGE_MAIL = "inbox_private_message"


class InboxItemNotFound(NotFoundError):
    code = "inbox_item_not_found"
    default_message = _l("We could not find that inbox item.")


class InvalidInboxInput(ShopError):
    code = "invalid_inbox_input"
    default_message = _l("Please check the form.")


class NotAllowed(ShopError):
    code = "forbidden"
    status = 403
    default_message = _l("You do not have permission to answer customers.")


class NoAddress(ConflictError):
    code = "no_customer_address"
    default_message = _l("This customer left no e-mail address, so a private message cannot reach them.")


# --- who may answer ----------------------------------------------------------------------------

def require_support(actor: User | None) -> None:
    """The service-side half of the route's permission check. :raise NotAllowed:"""
    if actor is None or not actor.is_active or not actor.can(Permission.ANSWER_CUSTOMERS):
        raise NotAllowed()


def support_roles() -> list[str]:
    return [role.value for role, permissions in ROLE_PERMISSIONS.items() if Permission.ANSWER_CUSTOMERS in permissions]


def support_staff() -> list[User]:
    """Active staff members who may answer customers (support and admins), by e-mail."""
    return list(db.session.scalars(sa.select(User).where(User.active.is_(True), User.role.in_(support_roles()))
                                   .order_by(User.email)))


# --- the clock ---------------------------------------------------------------------------------

def shop_schedule() -> clock.Schedule:
    """The shop's opening hours and holidays. :raise clock.ScheduleError: when they cannot be read."""
    return clock.from_config(current_app.config)


# --- opening items and stopping their clocks ---------------------------------------------------

def subject_of(item: InboxItem):
    """The condition "about the same review or question as `item`"."""
    return _subject(item.review_id, item.question_id)


def waiting():
    """The condition "the item still waits for an answer": no response stopped its clock and it
    was not closed without one."""
    return sa.and_(InboxItem.first_response_at.is_(None), InboxItem.closed_at.is_(None))


def _subject(review_id: int | None, question_id: int | None):
    if (review_id is None) == (question_id is None):
        raise ValueError("an inbox item is about one review or one question")
    return InboxItem.review_id == review_id if review_id is not None else InboxItem.question_id == question_id


def _new_deadline(now: dt.datetime) -> tuple[Clock, int, dt.datetime]:
    """(clock, minutes, due) for an item whose clock starts at `now`, on the shop's clock."""
    config = current_app.config
    item_clock = Clock(config["INBOX_CLOCK"])
    minutes = config["INBOX_RESPONSE_MINUTES"]
    try:
        return item_clock, minutes, clock.deadline(now, minutes, item_clock, shop_schedule())
    except clock.ScheduleError as error:
        # Opening hours that cannot be read must never stop a review from being written (the
        # inbox runs inside its transaction): this item gets the calendar clock, and says so.
        log.error("INBOX_BUSINESS_HOURS/INBOX_HOLIDAYS cannot be used (%s); the item gets the calendar clock", error)
        return Clock.CALENDAR, minutes, clock.deadline(now, minutes, Clock.CALENDAR, None)


def open_item(kind: InboxKind, *, now: dt.datetime, review_id: int | None = None,
              question_id: int | None = None) -> InboxItem | None:
    """Add an item for the review or question, due on the shop's clock, in the caller's
    transaction; None if the subject is already in the inbox under this kind (a savepoint absorbs
    a concurrent twin, which the unique (kind, subject) constraint refuses)."""
    subject = _subject(review_id, question_id)
    if db.session.scalar(sa.select(InboxItem.id).where(InboxItem.kind == kind, subject)) is not None:
        return None
    item_clock, minutes, due = _new_deadline(now)
    item = InboxItem(kind=kind, review_id=review_id, question_id=question_id, arrived_at=now, clock=item_clock,
                     due_at=due)
    try:
        with db.session.begin_nested():
            db.session.add(item)
            db.session.flush()
    except sa.exc.IntegrityError:
        return None
    # What the figures need, as it was at arrival: the clock, the allowance and the deadline.
    db.session.add(InboxEvent(item_id=item.id, kind=EventKind.ARRIVED, created_at=now, details={
        "clock": item_clock.value, "minutes": minutes, "due_at": due.isoformat()}))
    return item


def _stop_clocks(subject, *, now: dt.datetime, response_kind: ResponseKind, actor_id: int | None,
                 body: str = "") -> dict[int, InboxEvent]:
    """Stop the clock of the subject's items still waiting, each by a conditional UPDATE (of two
    responses at once, one stops it); their response events by item id. A closed item's clock is
    already stopped: a response to it is not its first response."""
    sched = shop_schedule()
    items = list(db.session.scalars(sa.select(InboxItem).where(subject, waiting())))
    events = {}
    for item in items:
        result = db.session.execute(
            sa.update(InboxItem).where(InboxItem.id == item.id, waiting())
            .values(first_response_at=now, response_kind=response_kind.value)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            continue
        waited_for = clock.elapsed(item.arrived_at, now, item.clock, sched)
        event = InboxEvent(item_id=item.id, kind=response_kind.value, actor_id=actor_id, body=body, created_at=now,
                           details={"first_response": True, "clock": item.clock,
                                    "response_seconds": int(waited_for.total_seconds()),
                                    "within_deadline": now <= item.due_at})
        db.session.add(event)
        events[item.id] = event
    if events:
        db.session.flush()
        for item in items:
            db.session.expire(item)
    return events


def record_response(*, now: dt.datetime, response_kind: str, actor_id: int | None,
                    review_id: int | None = None, question_id: int | None = None) -> int:
    """Stop the clock of the subject's items still waiting for a first response, in the caller's
    transaction; returns how many stopped. `response_kind` is "public_reply" or "private_message"."""
    return len(_stop_clocks(_subject(review_id, question_id), now=now, response_kind=ResponseKind(response_kind),
                            actor_id=actor_id))


# --- closing items that need no answer, and reopening them ------------------------------------

def close_items(*, now: dt.datetime, reason: ClosedReason | str, actor_id: int | None,
                review_id: int | None = None, question_id: int | None = None,
                kind: InboxKind | None = None) -> int:
    """Close the subject's items (of `kind`, if given) still waiting, without a response, in the caller's transaction;
    returns how many closed. Each closes by a conditional UPDATE (… WHERE it still waits), so an
    item closes once, and of a close and a response at once only one lands; each closing is a
    "closed" event. Items already answered keep their response (and their figures).

    `first_response_at` is never set here: it means "a response stopped the clock". A closed item
    is not in the queue, gets no alerts and is no breach in the weekly figures.
    """
    reason = ClosedReason(reason)
    of_kind = [InboxItem.kind == kind] if kind is not None else []
    item_ids = list(db.session.scalars(sa.select(InboxItem.id).where(_subject(review_id, question_id), waiting(),
                                                                     *of_kind).order_by(InboxItem.id)))
    closed = 0
    for item_id in item_ids:
        result = db.session.execute(
            sa.update(InboxItem).where(InboxItem.id == item_id, waiting())
            .values(closed_at=now, closed_reason=reason.value).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            continue
        db.session.add(InboxEvent(item_id=item_id, kind=EventKind.CLOSED, actor_id=actor_id, created_at=now,
                                  details={"reason": reason.value}))
        closed += 1
    if closed:
        _expire_items(item_ids)
    return closed


def reopen_items(*, now: dt.datetime, reason: ClosedReason | str, actor_id: int | None,
                 review_id: int | None = None, question_id: int | None = None, kind: InboxKind | None = None,
                 restart_clock: bool = False) -> int:
    """Reopen the subject's items (of `kind`, if given) closed for `reason` that never had a
    response (none stopped the clock, and no private message went out while it was closed), in the
    caller's transaction; returns how many reopened. Each reopens by a conditional UPDATE, once; a
    "reopened" event records it.

    By default the item keeps its original deadline (`due_at`, and the alerts already sent stay
    sent): it is not a new arrival. A review published again after its deadline has passed is
    overdue at once — arguably it is: the customer has been waiting since it arrived.

    With `restart_clock` its clock starts at `now` (`arrived_at`, `due_at` on the shop's clock,
    alerts to send again; the event records them): a review lowered to a negative rating again
    after it was raised was owed nothing meanwhile, so its reply is owed from the change.
    """
    reason = ClosedReason(reason)
    answered_meanwhile = (sa.select(InboxEvent.id).where(InboxEvent.item_id == InboxItem.id,
                                                          InboxEvent.kind.in_(RESPONSE_EVENTS)).exists())
    closed = [_subject(review_id, question_id), InboxItem.closed_reason == reason.value,
              InboxItem.first_response_at.is_(None), ~answered_meanwhile]
    if kind is not None:
        closed.append(InboxItem.kind == kind)
    item_ids = list(db.session.scalars(sa.select(InboxItem.id).where(*closed).order_by(InboxItem.id)))
    values: dict = {"closed_at": None, "closed_reason": None}
    details: dict = {"reason": reason.value}
    if restart_clock:
        item_clock, minutes, due = _new_deadline(now)
        values |= {"arrived_at": now, "clock": item_clock.value, "due_at": due, "warned_at": None,
                   "breach_alerted_at": None}
        details |= {"clock": item_clock.value, "minutes": minutes, "due_at": due.isoformat()}
    reopened = 0
    for item_id in item_ids:
        result = db.session.execute(
            sa.update(InboxItem).where(InboxItem.id == item_id, *closed)
            .values(**values).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            continue
        db.session.add(InboxEvent(item_id=item_id, kind=EventKind.REOPENED, actor_id=actor_id, created_at=now,
                                  details=dict(details)))
        reopened += 1
    if reopened:
        _expire_items(item_ids)
    return reopened


def _expire_items(item_ids: list[int]) -> None:
    """Items in the session read before a bulk UPDATE read their row again when next used."""
    db.session.flush()
    for item_id in item_ids:
        item = db.session.identity_map.get(so.util.identity_key(InboxItem, item_id))
        if item is not None:
            db.session.expire(item)


# --- staff use cases ---------------------------------------------------------------------------

def _locked_item(item_id: int) -> InboxItem:
    item = db.session.get(InboxItem, item_id, with_for_update=True)
    if item is None:
        raise InboxItemNotFound()
    return item


def _clean_text(body: str | None, field: str, limit: int, empty_message, long_message) -> str:
    text = (body or "").strip()
    if not text:
        raise InvalidInboxInput(empty_message, field=field)
    if len(text) > limit:
        raise InvalidInboxInput(long_message, field=field)
    return text


def assign(item_id: int, assignee_id: int | None, *, actor: User, now: dt.datetime) -> InboxItem:
    """Give the item to a support staff member (None: to nobody). The clock keeps running.

    :raise NotAllowed: when the actor may not answer customers.
    :raise InvalidInboxInput: when the assignee is not active support staff.
    :raise InboxItemNotFound:
    """
    require_support(actor)
    with write_transaction():
        item = _locked_item(item_id)
        assignee = None
        if assignee_id is not None:
            assignee = db.session.get(User, assignee_id)
            if assignee is None or not assignee.active or not assignee.can(Permission.ANSWER_CUSTOMERS):
                raise InvalidInboxInput(_l("Choose a support staff member from the list."), field="assignee_id")
        item.assignee_id = assignee.id if assignee else None
        db.session.add(InboxEvent(item_id=item.id, kind=EventKind.ASSIGNED, actor_id=actor.id, created_at=now,
                                  details={"assignee_id": item.assignee_id,
                                           "assignee_email": assignee.email if assignee else None}))
        record(actor, "inbox.assign", "inbox_item", item.id, assignee=assignee.email if assignee else None)
    return item


def add_note(item_id: int, body: str, *, actor: User, now: dt.datetime) -> InboxEvent:
    """An internal note on the item (staff only; the customer never sees it). The clock keeps running.

    :raise NotAllowed:, :raise InvalidInboxInput: (empty or too long), :raise InboxItemNotFound:
    """
    require_support(actor)
    text = _clean_text(body, "body", NOTE_MAX, _l("Write the note first."),
                       _l("A note can be at most %(n)d characters.", n=NOTE_MAX))
    with write_transaction():
        item = _locked_item(item_id)
        event = InboxEvent(item_id=item.id, kind=EventKind.NOTE, actor_id=actor.id, body=text, created_at=now)
        db.session.add(event)
        record(actor, "inbox.note", "inbox_item", item.id)
    return event


@dataclass(frozen=True)
class Customer:
    """Whom a private message about an item goes to, and in which language."""

    email: str
    name: str
    language: str


def customer_of(item: InboxItem) -> Customer:
    if item.review_id is not None:
        review = db.session.get(Review, item.review_id)
        return Customer(review.email or "", review.author_name, review.language)
    question = db.session.get(Question, item.question_id)
    return Customer(question.email or "", question.author_name, question.language)


def send_private_message(item_id: int, body: str, *, actor: User, now: dt.datetime) -> InboxEvent:
    """"Take it private": e-mail the customer (the reviewer or the asker) through the outbox, in
    their language. The first one stops the clock of every item about the same review or question
    still waiting (response kind private_message); a later one is added to the history.

    :raise NotAllowed:, :raise InvalidInboxInput: (empty or too long), :raise InboxItemNotFound:
    :raise NoAddress: when the customer left no e-mail address.
    """
    require_support(actor)
    text = _clean_text(body, "body", MESSAGE_MAX, _l("Write the message first."),
                       _l("A message can be at most %(n)d characters.", n=MESSAGE_MAX))
    with write_transaction():
        item = _locked_item(item_id)
        customer = customer_of(item)
        if not customer.email:
            raise NoAddress()
        events = _stop_clocks(_subject(item.review_id, item.question_id), now=now,
                              response_kind=ResponseKind.PRIVATE_MESSAGE, actor_id=actor.id, body=text)
        event = events.get(item.id)
        if event is None:
            event = InboxEvent(item_id=item.id, kind=EventKind.PRIVATE_MESSAGE, actor_id=actor.id, body=text,
                               created_at=now, details={"first_response": False})
            db.session.add(event)
            db.session.flush()
        queue_email(PRIVATE_MESSAGE_MAIL, recipient=customer.email, locale=customer.language, now=now,
                    ref_id=event.id, key=f"inbox_private:event:{event.id}")
        record(actor, "inbox.private_message", "inbox_item", item.id, to=customer.email)
    return event


def get_item(item_id: int) -> InboxItem:
    """:raise InboxItemNotFound:"""
    item = db.session.get(InboxItem, item_id)
    if item is None:
        raise InboxItemNotFound()
    return item


def load_event(event_id: int) -> InboxEvent | None:
    return db.session.get(InboxEvent, event_id)
