"""The marketer's use cases on an offer's life: create it (a draft), edit it, schedule it, end it early.

Each use case takes plain values and an actor, checks every rule (`promotions.terms`), writes an
audit entry and commits, all in one write transaction (`write_transaction`); bad input raises a
`ShopError` naming its field, and nothing is written. An offer's codes are in
`promotions.channel_codes`, its CSV export in `promotions.exports`, what the marketer's pages read
in `promotions.results`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from storefront.audit.service import record
from storefront.catalog.editing import slugify
from storefront.catalog.models import Category, Product
from storefront.database import write_transaction
from storefront.errors import ConflictError, NotFoundError
from storefront.extensions import db

from .liveness import has_ended
from .models import Audience, Offer, OfferState, OfferStatus
from .terms import OfferTerms, check_not_over, check_start_recent, check_tab_pages, clean_terms

# What may change once an offer is live: shoppers were promised the rest. The zone only says how
# the window is shown (its instants are `starts_at` and `ends_at`): an offer saved in a zone the
# form no longer offers is edited in the shop's (`terms.form_zone`), at the same instants.
LIVE_EDITABLE = frozenset({"name", "description", "translations", "timezone"})
NOT_A_DRAFT = _l("Only a draft can be scheduled; this offer is already scheduled or ended.")


class OfferNotFound(NotFoundError):
    code = "offer_not_found"
    default_message = _l("We could not find that offer.")


class OfferLocked(ConflictError):
    """A live offer's terms are what shoppers were promised: they do not change under them."""

    code = "offer_live"
    default_message = _l("This offer is live: only its name and description can change. To change its "
                         "benefit, target, conditions, window or caps, end it and create another.")


class OfferNotEditable(ConflictError):
    code = "offer_not_editable"
    default_message = _l("This offer has ended; it can no longer be changed.")


class OfferStateConflict(ConflictError):
    code = "offer_state"


def get_offer(offer_id: int) -> Offer:
    """The offer with this id. :raise OfferNotFound:"""
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise OfferNotFound()
    return offer


def _locked_offer(offer_id: int) -> Offer:
    """The offer's row, locked for the rest of the write transaction. :raise OfferNotFound:"""
    offer = db.session.scalar(sa.select(Offer).where(Offer.id == offer_id).with_for_update())
    if offer is None:
        raise OfferNotFound()
    return offer


def _unique_slug(name: str) -> str:
    """A slug from `name` no other offer has yet ("summer-sale", then "summer-sale-2", ...)."""
    base = slugify(name, 70) or "offer"
    taken = set(db.session.scalars(sa.select(Offer.slug).where(Offer.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _plain(value):
    """A value as the audit log's JSON can hold it (date-times as ISO text)."""
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _set_targets(offer: Offer, terms: OfferTerms) -> None:
    """Point the offer at the products and categories its terms chose."""
    offer.products = _load(Product, terms.product_ids)
    offer.categories = _load(Category, terms.category_ids)


def _load(model, ids: Sequence[int]) -> list:
    return list(db.session.scalars(sa.select(model).where(model.id.in_(ids)))) if ids else []


@write_transaction()
def create_offer(data: Mapping, actor, now: dt.datetime) -> Offer:
    """A new offer, as a draft.

    :raise InvalidOffer: a field breaks a rule (see `clean_terms`).
    :raise OfferStateConflict: another offer took the same slug at the same moment.
    """
    terms = clean_terms(data, now=now)
    offer = Offer(**terms.columns, slug=_unique_slug(terms.columns["name"]), state=OfferState.DRAFT,
                  created_by_id=getattr(actor, "id", None), created_at=now, updated_at=now)
    _set_targets(offer, terms)
    db.session.add(offer)
    try:
        db.session.flush()
    except IntegrityError:
        raise OfferStateConflict(_l("Another offer with this name was saved at the same moment; please save "
                                    "again.")) from None
    record(actor, "offer.created", "offer", offer.id, name=offer.name, slug=offer.slug,
           **{k: _plain(v) for k, v in terms.fields().items() if k not in ("name", "description")})
    return offer


@write_transaction()
def update_offer(offer_id: int, data: Mapping, actor, now: dt.datetime) -> Offer:
    """Change an offer: everything while it is a draft or has not started yet; once live, only its
    name and description (shoppers were promised the rest). Unchanged terms write nothing.

    :raise OfferNotFound:
    :raise OfferNotEditable: it has ended.
    :raise InvalidOffer: a field breaks a rule (see `clean_terms`; a live offer's window may be past).
    :raise OfferLocked: it is live and a term other than its name or description changed.
    """
    offer = _locked_offer(offer_id)
    status = offer.status_at(now)
    if has_ended(status):
        raise OfferNotEditable()
    terms = clean_terms(data, now=now, check_past=status != OfferStatus.LIVE)
    changed = _changes(offer, terms)
    locked = [key for key in changed if key not in LIVE_EDITABLE]
    if status == OfferStatus.LIVE and locked:
        raise OfferLocked(field=locked[0])
    if not changed:
        return offer
    for key, value in terms.columns.items():
        setattr(offer, key, value)
    if {"product_ids", "category_ids"} & set(changed):
        _set_targets(offer, terms)
    offer.updated_at = now
    record(actor, "offer.updated", "offer", offer.id, status=str(status), changed=changed)
    return offer


def _changes(offer: Offer, terms: OfferTerms) -> dict[str, list]:
    """The fields `terms` change, in the form's order, each with its [old, new] value as the audit
    log keeps them (so the staff-actions list can say "from … to …").

    The form shows whole minutes, so a start or end sent back in its stored minute is the stored
    moment: `terms` takes the stored value then, seconds and all.
    """
    current = {key: getattr(offer, key) for key in terms.columns}
    current["audience_pages"] = sorted(current["audience_pages"] or [])
    current["product_ids"] = sorted(p.id for p in offer.products)
    current["category_ids"] = sorted(c.id for c in offer.categories)
    for key in ("starts_at", "ends_at"):
        if terms.columns[key] == current[key].replace(second=0, microsecond=0):
            terms.columns[key] = current[key]
    return {key: [_plain(current[key]), _plain(value)] for key, value in terms.fields().items()
            if current[key] != value}


@write_transaction()
def schedule(offer_id: int, actor, now: dt.datetime) -> Offer:
    """Draft → scheduled: it goes live at its start.

    :raise OfferNotFound:
    :raise OfferStateConflict: it is not a draft (or another click scheduled it first).
    :raise InvalidOffer: its window is already over or started more than a day ago (it would go
        live at once), or its tab pages are no longer permitted.
    """
    offer = _locked_offer(offer_id)
    if offer.state != OfferState.DRAFT:
        raise OfferStateConflict(NOT_A_DRAFT)
    check_not_over(offer.ends_at, now)
    check_start_recent(offer.starts_at, offer.timezone, now, scheduling=True)
    if offer.audience == Audience.TAB_VISITORS:
        check_tab_pages(offer.audience_pages or [])
    # Conditional on the state, like end_early: two clicks schedule it once.
    moved = db.session.execute(
        sa.update(Offer).where(Offer.id == offer_id, Offer.state == OfferState.DRAFT)
        .values(state=OfferState.SCHEDULED, updated_at=now).execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise OfferStateConflict(NOT_A_DRAFT)
    record(actor, "offer.scheduled", "offer", offer_id, starts_at=offer.starts_at.isoformat(),
           ends_at=offer.ends_at.isoformat(), live_now=offer.starts_at <= now)
    return offer  # read again after the commit (which expires it): the UPDATE went past it


@write_transaction()
def end_early(offer_id: int, actor, now: dt.datetime) -> Offer:
    """End a scheduled or live offer now. A conditional UPDATE on the state: two clicks (or two
    marketers) end it once, and the second is told it had already ended.

    :raise OfferNotFound:
    :raise OfferStateConflict: it is still a draft, or has already ended.
    """
    moved = db.session.execute(
        sa.update(Offer).where(Offer.id == offer_id, Offer.state == OfferState.SCHEDULED, Offer.ends_at > now)
        .values(state=OfferState.ENDED_EARLY, ended_at=now, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        if get_offer(offer_id).state == OfferState.DRAFT:
            raise OfferStateConflict(_l("This offer is still a draft: there is nothing to end."))
        raise OfferStateConflict(_l("This offer has already ended."))
    record(actor, "offer.ended_early", "offer", offer_id, ended_at=now.isoformat())
    return get_offer(offer_id)
