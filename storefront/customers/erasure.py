"""Erasing a customer on request: their personal data anonymised everywhere, the books kept.

What goes, in one write transaction:

- on their orders: the address (e-mail becomes `erased-<random>@erased.invalid`), the name, the
  phone, the street address, city and postal code, and the carrier's tracking number (it opens
  the delivery address on the carrier's site). What stays is what the books need: the number,
  dates, status, lines, totals, tax, discounts, refunds, payment references and the country
  (which decides the tax). Staff notes and every event detail on those orders lose any mention of
  the e-mail, name, phone, street address or tracking number.
- their reviews, questions and the answers they wrote stay published — they are about the products,
  and the product's figures rest on them — under "Erased shopper" in the review's own language.
  Their reviews' photos go (rows now, files once the erasure has committed): a photo may show
  them or their home, and nobody can tell which from the row.
  A verified review keeps its badge: the purchase happened, and the badge names nobody. The texts
  (and their earlier versions, the follow-up, the brand's reply and the inbox's messages about
  them) lose any mention of the e-mail, name, phone or street address; the reviewer's secret link
  is replaced, so an old e-mail cannot open the review any more.
- mail: the outbox rows keep their kind and dates for the books, addressed to the placeholder (the
  outbox stores no bodies: a mail is rendered from the rows above when it is sent); mail not sent
  yet is dropped. Review requests and answer invitations expire, reminders are cancelled; the
  review-mail opt-out is deleted (nothing can be sent to the placeholder anyway).
- offers: the per-customer counters keyed "email:<address>" move to the placeholder's key (so a
  later refund still gives back exactly what was taken). The other keys their orders' redemptions
  counted on — the social platform's user id ("meta:<id>") and a card's fingerprint
  ("card:<fingerprint>") — are replaced on those redemptions by "<kind>:<placeholder>", and the
  uses those redemptions hold move with them; uses of the same id on other customers' orders stay.
- the audit log: entries that named the address, or are about their orders, lose any mention;
  an order placed through the API loses the address from its stored answer (kept for retries).

The shop stores no shopper IP address. A customer is refused while one of their orders is still
open (awaiting payment, packing, shipping or delivery): erasing the address would break its
fulfilment. Erasing an erased customer does nothing (idempotent). The audit entry names the
customer's key and a keyed hash of the address (`email_digest`), never the address itself: it can
answer "did we erase this address?" without keeping it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from promotions.models import CustomerUse, Redemption, RedemptionStatus
from reviews.models import (Answer, InboxEvent, InboxItem, Question, QuestionInvitation, Reply, ReplyVersion,
                            Review, ReviewFollowUp, ReviewMailOptOut, ReviewPhoto, ReviewRequest, ReviewRequestItem,
                            ReviewVersion, new_token)

from ..audit.models import AuditEntry
from ..audit.service import record
from ..database import write_transaction
from ..errors import ConflictError, ShopError
from ..extensions import db
from ..idempotency import IdempotencyKey
from ..mail.models import OutboundEmail
from ..orders.models import Order, OrderEvent, OrderStatus
from ..page_cache import mark_pages_changed
from ..storage import remove_after_failure, storage
from . import queries

# An order in one of these states still needs its shopper's address.
OPEN_STATES = (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.SHIPPED)
ERASED_NAME = "Erased shopper"  # on orders (staff pages show it translated); reviews get their language's
REDACTED = "[erased]"
# Mentions shorter than this are not searched for in free texts (a two-letter name would eat words).
MIN_MENTION = 3


class CustomerHasOpenOrders(ConflictError):
    code = "customer_has_open_orders"
    default_message = _l("This customer has an order that is still open. Erase them once it is delivered or "
                         "cancelled.")


class ConfirmationMismatch(ShopError):
    code = "confirmation_mismatch"
    status = 400
    default_message = _l("Type the customer's e-mail address exactly to confirm.")


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: `already` when the customer had been erased before (nothing done)."""

    key: int
    placeholder: str
    orders: int = 0
    reviews: int = 0
    questions: int = 0
    answers: int = 0
    mails: int = 0
    photos: tuple[str, ...] = ()  # the stored files of their review photos, deleted after the commit
    already: bool = False


def email_digest(email: str) -> str:
    """A keyed hash of the address (the shop's secret key): the same address always gives the same
    digest, and the digest alone gives no address back."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, queries.normalise_email(email).encode(), hashlib.sha256).hexdigest()[:32]


def erased_name(language: str | None) -> str:
    """"Erased shopper" in `language`, as a review written in it shows the author."""
    with force_locale(language or current_app.config["LANGUAGES"][0]):
        return _("Erased shopper")


# A Latvian name changes its ending with its case: "Paldies, Jāni!" (Jānis), "Annai" (Anna),
# "Bērziņa kungs" (Bērziņš). The endings of the singular cases, by the nominative's ending, the
# longest first: masculine -is (2nd declension; its genitive is made apart, below), -us (3rd),
# -s/-š (1st; the vocative is the stem alone: "Aigar!"), feminine -a (4th) and -e (5th).
_LATVIAN_ENDINGS = (
    ("is", ("im", "i", "ī")),
    ("us", ("um", "u", "ū")),
    ("s", ("a", "am", "u", "ā", "")),
    ("š", ("a", "am", "u", "ā", "")),
    ("a", ("as", "ai", "u", "ā")),
    ("e", ("es", "ei", "i", "ē")),
)
# The 2nd declension's genitive softens the stem's last consonant (Kārlis, Kārļa; Jānis, Jāņa),
# and an s, z or l before an n or l with it (Vilnis, Viļņa); after a b, p, m, v or f it takes a j
# (Dāvis, Dāvja); a k, g or r stays (Kaminskis, Kaminska; Andris, Andra). Names often keep a t, d,
# s or z as it is (Uldis, Ulda; Atis, Ata), so both are taken there.
_SOFTENED = {"n": "ņ", "l": "ļ", "s": "š", "t": "š", "d": "ž", "z": "ž", "c": "č"}


def latvian_forms(name: str) -> set[str]:
    """The other singular forms a Latvian text writes `name` in ("Jānis": Jāņa, Jānim, Jāni,
    Jānī), each in the name's own case; none for a name without a Latvian ending. A form of
    another name can be among them ("Anna": Annu), which in the texts an erasure reads, about
    this customer, errs on the side of taking too much."""
    lower = name.lower()
    for ending, endings in _LATVIAN_ENDINGS:
        stem = name[:-len(ending)]
        if not lower.endswith(ending) or len(stem) < 2 or not stem[-1].isalpha():
            continue
        forms = {stem + e for e in endings}
        if ending == "is":
            forms |= _genitives(stem)
        if name.isupper():
            forms = {form.upper() for form in forms}
        return forms - {name}
    return set()


def _genitives(stem: str) -> set[str]:
    """The 2nd declension's genitive of a stem ("Jān" of Jānis: Jāņa)."""
    last = stem[-1].lower()
    if last in "bpmvf":
        return {stem + "ja"}
    if last not in _SOFTENED:
        return {stem + "a"}
    softened = stem[:-1] + _SOFTENED[last]
    if last in "nl" and len(stem) > 2 and stem[-2].lower() in "szl":
        softened = stem[:-2] + _SOFTENED[stem[-2].lower()] + softened[-1]
    return {softened + "a"} | ({stem + "a"} if last in "tdsz" else set())


class Redactor:
    """Takes every mention of the customer's identifiers out of a text (or of every string in a
    JSON value), each replaced by "[erased]": the identifiers anywhere, case-insensitive, longest
    first; then each part of their names (`names`) on its own, as a whole word written as in the
    name, so "Thanks, Erin!" loses "Erin" while "erinaceous" and a sentence's "will" stay.

    A name typed all in small or all in capital letters ("anna bērziņa") is also looked for with
    a capital and the rest small, as a text writes it; particles of a name written in mixed case
    ("María de los Ángeles") stay as written. For a customer who shopped or wrote in Latvian
    (`latvian`), the capitalised parts are also looked for in their other cases ("Paldies,
    Jāni!"): only there, since other languages' names end alike ("Gracia", "Wells") and their
    "forms" would be ordinary words ("Gracias", "Well")."""

    def __init__(self, identifiers: Iterable[str], names: Iterable[str] = (), *, latvian: bool = False):
        words = {text.strip() for text in identifiers if text and len(text.strip()) >= MIN_MENTION}
        parts: set[str] = set()
        for name in (name for name in names if name):
            tokens = re.findall(r"\w[\w'’-]*\w", name)
            # "Anna-Marija" is also greeted as "Anna", "O'Brien" as "Brien" ("Anna--Marija" too).
            found = {part for token in tokens for part in (token, *re.split(r"[-'’]+", token)) if part}
            if name.islower() or name.isupper():
                found |= {part[0].upper() + part[1:].lower() for part in found}
            if latvian:
                found |= {form for part in found if part[0].isupper() for form in latvian_forms(part)}
            parts |= found
        parts = {part for part in parts if len(part) >= MIN_MENTION}
        self._pattern = _alternation(words, re.IGNORECASE)
        self._parts = _alternation(parts, 0, whole_words=True)

    def text(self, value: str) -> str:
        if not value:
            return value
        for pattern in (self._pattern, self._parts):
            if pattern is not None:
                value = pattern.sub(REDACTED, value)
        return value

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.value(v) for k, v in value.items()}
        return value


def _alternation(words: set[str], flags: int, *, whole_words: bool = False) -> re.Pattern | None:
    # As a JSON text stores them too ("Bērziņa" as "B\u0113rzi\u0146a"): a stored API answer.
    words = sorted(words | {json.dumps(word)[1:-1] for word in words}, key=len, reverse=True)
    if not words:
        return None
    alternation = "|".join(re.escape(word) for word in words)
    # A word starts after a non-word character, or after an escape of a JSON text ("Hi\\nAnna",
    # "\\u201eAnna\\u201c"), and ends before one.
    start, end = r"(?:(?<!\w)|(?<=\\[nrtbf])|(?<=\\u[0-9a-fA-F]{4}))", r"(?!\w)"
    return re.compile(rf"{start}(?:{alternation}){end}" if whole_words else alternation, flags)


def _set(row, field: str, value) -> None:
    if getattr(row, field) != value:
        setattr(row, field, value)


def erase_customer(key: int, *, confirmation: str, actor, now: dt.datetime) -> Erasure:
    """Anonymise the customer whose key is `key` (`queries`), in one write transaction, audited.

    :raise CustomerNotFound: (404)
    :raise ConfirmationMismatch: (400, field "email") when `confirmation` is not their address.
    :raise CustomerHasOpenOrders: (409) while one of their orders awaits payment, packing, shipping
        or delivery.
    """
    with write_transaction():
        email = queries.email_for_key(key)
        if queries.is_erased(email):
            return Erasure(key=key, placeholder=email, already=True)
        if queries.normalise_email(confirmation) != email:
            raise ConfirmationMismatch(field="email")
        orders = queries.orders_of(email, lock=True)
        still_open = [order.number or str(order.id) for order in orders if order.status in OPEN_STATES]
        if still_open:
            raise CustomerHasOpenOrders(
                _l("This customer's orders %(numbers)s are still open (awaiting payment, packing, shipping or "
                   "delivery). Erase them once those are delivered or cancelled.", numbers=", ".join(still_open)))
        placeholder = f"erased-{secrets.token_hex(5)}@{queries.ERASED_DOMAIN}"
        erasure = _erase(email, placeholder, orders, key=key, now=now)
        record(actor, "customer.erase", "customer", key, email_digest=email_digest(email),
               orders=erasure.orders, reviews=erasure.reviews, questions=erasure.questions,
               answers=erasure.answers, mails=erasure.mails, photos=len(erasure.photos))
    # Only now: had the erasure rolled back, its reviews would still show these files.
    remove_after_failure(storage(), list(erasure.photos))
    return erasure


def _erase(email: str, placeholder: str, orders: list[Order], *, key: int, now: dt.datetime) -> Erasure:
    order_ids = [order.id for order in orders]
    reviews = list(db.session.scalars(sa.select(Review).where(
        sa.or_(sa.func.lower(Review.email) == email, Review.order_id.in_(order_ids)))))
    questions = list(db.session.scalars(sa.select(Question).where(sa.func.lower(Question.email) == email)))
    invitations = list(db.session.scalars(
        sa.select(QuestionInvitation).where(sa.func.lower(QuestionInvitation.email) == email)))
    answers = list(db.session.scalars(sa.select(Answer).where(
        Answer.invitation_id.in_([invitation.id for invitation in invitations]))))

    stored_emails = {order.email for order in orders} | {r.email for r in reviews if r.email} | \
        {q.email for q in questions} | {email}
    identifiers = stored_emails | {order.full_name for order in orders} | {order.phone for order in orders} | \
        {order.address_line1 for order in orders} | {order.address_line2 for order in orders} | \
        {order.tracking_number for order in orders} | \
        {r.author_name for r in reviews} | {q.author_name for q in questions} | {a.author_name for a in answers}
    names = {order.full_name for order in orders} | {r.author_name for r in reviews} | \
        {q.author_name for q in questions} | {a.author_name for a in answers}
    # Staff write to a customer in the language they shopped or wrote in: Latvian names inflect.
    languages = [order.locale for order in orders] + [item.language for item in (*reviews, *questions, *answers)]
    redact = Redactor(identifiers, names, latvian=any((language or "").startswith("lv") for language in languages))

    for order in orders:
        for field, value in (("email", placeholder), ("full_name", ERASED_NAME), ("address_line1", ""),
                             ("address_line2", ""), ("city", ""), ("postal_code", ""), ("phone", ""),
                             ("tracking_number", "")):
            _set(order, field, value)
    for event in db.session.scalars(sa.select(OrderEvent).where(OrderEvent.order_id.in_(order_ids))):
        _set(event, "details", redact.value(event.details))

    review_ids = [review.id for review in reviews]
    for review in reviews:
        _set(review, "email", placeholder)
        _set(review, "author_name", erased_name(review.language))
        _set(review, "title", redact.text(review.title))
        _set(review, "body", redact.text(review.body))
        review.reviewer_token = new_token()
    photos = db.session.scalars(sa.select(ReviewPhoto).where(ReviewPhoto.review_id.in_(review_ids))).all()
    for photo in photos:
        db.session.delete(photo)
    for model in (ReviewVersion, ReviewFollowUp):
        for row in db.session.scalars(sa.select(model).where(model.review_id.in_(review_ids))):
            _set(row, "body", redact.text(row.body))
            if model is ReviewVersion:
                _set(row, "title", redact.text(row.title))
    replies = list(db.session.scalars(sa.select(Reply).where(Reply.review_id.in_(review_ids))))
    for reply in replies:
        _set(reply, "body", redact.text(reply.body))
    for version in db.session.scalars(
            sa.select(ReplyVersion).where(ReplyVersion.reply_id.in_([reply.id for reply in replies]))):
        _set(version, "body", redact.text(version.body))

    question_ids = [question.id for question in questions]
    for question in questions:
        _set(question, "email", placeholder)
        _set(question, "author_name", erased_name(question.language))
        _set(question, "body", redact.text(question.body))
    for answer in answers:
        _set(answer, "author_name", erased_name(answer.language))
    # Answers to their questions (the brand's, other buyers') may greet them by name.
    for answer in db.session.scalars(sa.select(Answer).where(
            sa.or_(Answer.question_id.in_(question_ids), Answer.id.in_([a.id for a in answers])))):
        _set(answer, "body", redact.text(answer.body))
    for invitation in invitations:
        _set(invitation, "email", placeholder)
        _set(invitation, "expires_at", min(invitation.expires_at, now))

    items = db.session.scalars(sa.select(InboxItem.id).where(
        sa.or_(InboxItem.review_id.in_(review_ids), InboxItem.question_id.in_(question_ids)))).all()
    for event in db.session.scalars(sa.select(InboxEvent).where(InboxEvent.item_id.in_(items))):
        _set(event, "body", redact.text(event.body))
        _set(event, "details", redact.value(event.details))

    for request in db.session.scalars(sa.select(ReviewRequest).where(
            sa.or_(sa.func.lower(ReviewRequest.email) == email, ReviewRequest.order_id.in_(order_ids)))):
        _set(request, "email", placeholder)
        _set(request, "expires_at", min(request.expires_at, now))
        _set(request, "reminder_due_at", None)
    db.session.execute(sa.update(ReviewRequestItem).where(sa.func.lower(ReviewRequestItem.email) == email)
                       .values(email=placeholder).execution_options(synchronize_session=False))
    db.session.execute(sa.delete(ReviewMailOptOut).where(sa.func.lower(ReviewMailOptOut.email) == email)
                       .execution_options(synchronize_session=False))

    mails = 0
    for mail in db.session.scalars(sa.select(OutboundEmail).where(sa.func.lower(OutboundEmail.recipient) == email)):
        if mail.status != "sent":
            db.session.delete(mail)  # never left the shop: nothing of it to keep
            continue
        mails += 1
        mail.recipient = placeholder
        _set(mail, "last_error", redact.text(mail.last_error))
        if mail.key:
            _set(mail, "key", _replace(mail.key, email, placeholder)[:120])

    _move_customer_keys(email, placeholder, order_ids)

    numbers = [order.number for order in orders if order.number]
    for entry in db.session.scalars(sa.select(AuditEntry).where(sa.or_(
            sa.func.lower(sa.cast(AuditEntry.details, sa.Text)).contains(email, autoescape=True),
            sa.and_(AuditEntry.target_type == "order", AuditEntry.target_id.in_(numbers))))):
        _set(entry, "details", redact.value(entry.details))
    # An order placed through the API keeps its answer (with the address) for retries, a day.
    for answer in db.session.scalars(sa.select(IdempotencyKey).where(
            sa.func.lower(IdempotencyKey.body).contains(email, autoescape=True))):
        _set(answer, "body", redact.text(answer.body))
    db.session.execute(sa.update(AuditEntry).where(sa.func.lower(AuditEntry.target_id) == email)
                       .values(target_id=str(key)).execution_options(synchronize_session=False))

    if reviews or questions or answers:
        mark_pages_changed()  # published reviews and questions show the new names
    return Erasure(key=key, placeholder=placeholder, orders=len(orders), reviews=len(reviews),
                   questions=len(questions), answers=len(answers), mails=mails,
                   photos=tuple(photo.filename for photo in photos))


def _replace(text: str, old: str, new: str) -> str:
    return re.sub(re.escape(old), new, text, flags=re.IGNORECASE)


def _move_customer_keys(email: str, placeholder: str, order_ids: list[int]) -> None:
    """Per-customer offer counters follow the customer to the placeholder's keys, in the caller's
    transaction: the e-mail's counters and the redemptions that name it (a refund gives back by
    name); and each other key of their orders' redemptions (a platform user id, a card's
    fingerprint) becomes "<kind>:<placeholder>" on them, one use moved per redemption still held
    or confirmed, since those keys may also count orders of other customers."""
    old_key, new_key = f"email:{email}"[:200], f"email:{placeholder}"[:200]
    db.session.execute(sa.update(CustomerUse).where(CustomerUse.customer_key == old_key)
                       .values(customer_key=new_key).execution_options(synchronize_session=False))
    moved: Counter = Counter()  # (offer id, old key, new key) → uses
    renamed_keys: set[tuple[int, str]] = set()
    for redemption in db.session.scalars(sa.select(Redemption).where(Redemption.order_id.in_(order_ids))):
        keys = []
        for key in redemption.customer_keys or []:
            if key == old_key:
                key = new_key
            elif not key.startswith("email:"):
                renamed = f"{key.split(':', 1)[0]}:{placeholder}"[:200]
                renamed_keys.add((redemption.offer_id, key))
                if redemption.status != RedemptionStatus.RELEASED:
                    moved[(redemption.offer_id, key, renamed)] += 1
                key = renamed
            keys.append(key)
        if sorted(keys) != sorted(redemption.customer_keys or []):
            redemption.customer_keys = sorted(keys)
    arrived: Counter = Counter()  # (offer id, new key) → uses: two ids of one platform share a new key
    for (offer_id, key, renamed), uses in sorted(moved.items()):  # in key order, as checkout locks them
        db.session.execute(sa.update(CustomerUse)
                           .where(CustomerUse.offer_id == offer_id, CustomerUse.customer_key == key)
                           .values(uses=sa.case((CustomerUse.uses > uses, CustomerUse.uses - uses), else_=0))
                           .execution_options(synchronize_session=False))
        arrived[(offer_id, renamed)] += uses
    for (offer_id, renamed), uses in sorted(arrived.items()):
        db.session.add(CustomerUse(offer_id=offer_id, customer_key=renamed, uses=uses))
    # A counter left at 0 would still name the id: it goes (a later order makes it again).
    for offer_id, key in sorted(renamed_keys):
        db.session.execute(sa.delete(CustomerUse)
                           .where(CustomerUse.offer_id == offer_id, CustomerUse.customer_key == key,
                                  CustomerUse.uses == 0)
                           .execution_options(synchronize_session=False))
