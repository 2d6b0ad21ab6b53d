"""Offers a shopper had that stopped applying, and why: said on the page that stops applying them.

An offer can stop applying between two pages without the shopper changing their cart: the e-mail
typed at checkout has used up its per-customer cap, its total cap filled, its window ended, or the
visit no longer belongs to its audience. The shopper *had* an offer when they entered its code
(the session keeps the code; the API sends it) or saw it applied on an earlier page (`seen`: the
ids the pages keep in the session). `lost_offers` names each such offer with the reason (and, for
a per-customer cap, the order that used it); `messages.lost_text` says it in the shopper's words.
A code that went bad since it was entered (`service.session_code` forgets it) is named with the
refusal itself. Reasons that follow from the shopper's own change (a smaller cart, another
delivery) are the cart's own notes (`messages.cart_notes`), not said twice.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, has_app_context

from storefront.extensions import db
from storefront.orders.models import Order

from .engine import OfferRule, Outcome, Reason
from .liveness import has_ended, status_at
from .models import Offer, OfferCode, Redemption, RedemptionStatus

# Why an offer the shopper had stops applying though their cart did not change.
LOST_REASONS = frozenset({Reason.USED_UP, Reason.SOLD_OUT, Reason.ENDED, Reason.NOT_STARTED, Reason.TAB_ONLY,
                          Reason.CODE_ONLY, Reason.MEMBERS_ONLY, Reason.FIRST_ORDER_ONLY})
CODE_REFUSED = "code_refused"


@dataclass(frozen=True)
class LostOffer:
    offer_id: int | None
    name: str
    reason: str                       # an `engine.Reason`, or CODE_REFUSED
    code: str | None = None           # the code the shopper entered for it
    order_number: str | None = None   # the order that used up the shopper's per-customer cap
    refusal: str | None = None        # for CODE_REFUSED: the refusal in words


def note_dropped_code(code: str, refusal) -> None:
    """`service.session_code` forgot the session's code (`refusal`, a `CodeRefused`): kept for
    this request, so its page can say why the code stopped applying."""
    if has_app_context():
        g.dropped_offer_code = (code, refusal)


def lost_offers(outcome: Outcome | None, rules: Sequence[OfferRule], *, seen: Iterable[int] = (),
                code: OfferCode | None = None, customer_keys: Sequence[str] = (),
                now: dt.datetime) -> list[LostOffer]:
    """The offers the shopper had (`seen` applied, or `code` entered) that `outcome` does not
    apply for a reason of `LOST_REASONS`, and a code forgotten during this request."""
    applied = {a.offer_id for a in outcome.applied} if outcome is not None else set()
    verdicts = {v.offer_id: v for v in outcome.verdicts} if outcome is not None else {}
    by_id = {rule.id: rule for rule in rules}
    had = set(seen) | ({code.offer_id} if code is not None else set())
    lost, gone = [], []
    for offer_id in sorted(had - applied):
        rule = by_id.get(offer_id)
        if rule is None:
            gone.append(offer_id)
            continue
        verdict = verdicts.get(offer_id)
        if verdict is not None and verdict.reason in LOST_REASONS:
            lost.append(LostOffer(offer_id, rule.name, verdict.reason, _code_for(code, offer_id)))
    lost += _not_running(gone, code, now)
    lost = [_with_order(item, customer_keys) for item in lost]
    dropped = g.get("dropped_offer_code") if has_app_context() else None
    if dropped is not None and not any(item.code == dropped[0] for item in lost):
        lost.insert(0, LostOffer(None, dropped[0], CODE_REFUSED, dropped[0], refusal=str(dropped[1].message)))
    return lost


def _code_for(code: OfferCode | None, offer_id: int) -> str | None:
    return code.code if code is not None and code.offer_id == offer_id else None


def _not_running(offer_ids: list[int], code: OfferCode | None, now: dt.datetime) -> list[LostOffer]:
    """Offers no longer among the live ones: ended (or ended early), or not running now."""
    if not offer_ids:
        return []
    rows = db.session.execute(sa.select(Offer.id, Offer.name, Offer.state, Offer.starts_at, Offer.ends_at)
                              .where(Offer.id.in_(offer_ids)).order_by(Offer.id)).all()
    return [LostOffer(offer_id, name,
                      Reason.ENDED if has_ended(status_at(state, starts_at, ends_at, now)) else Reason.NOT_STARTED,
                      _code_for(code, offer_id))
            for offer_id, name, state, starts_at, ends_at in rows]


def _with_order(item: LostOffer, customer_keys: Sequence[str]) -> LostOffer:
    """A per-customer cap used up: with the number of the customer's order that used the offer."""
    if item.reason != Reason.USED_UP:
        return item
    emails = [key.split(":", 1)[1] for key in customer_keys if key.startswith("email:")]
    if not emails:
        return item
    number = db.session.scalar(
        sa.select(Order.number).join(Redemption, Redemption.order_id == Order.id)
        .where(Redemption.offer_id == item.offer_id,
               Redemption.status.in_((RedemptionStatus.HELD, RedemptionStatus.CONFIRMED)),
               sa.func.lower(Order.email).in_(emails))
        .order_by(Order.id.desc()).limit(1))
    return LostOffer(item.offer_id, item.name, item.reason, item.code, number) if number else item
