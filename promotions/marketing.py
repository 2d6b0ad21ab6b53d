"""The marketer's use cases: create and edit offers, schedule, end early, codes and code batches.

Each use case takes plain values and an actor, checks every rule, writes an audit entry in the same
transaction and commits; bad input raises a `ShopError` naming its field, and nothing is written.
What the marketer's pages read (results, lists) is in `promotions.results`; the preview and the
store's scan status are in `promotions.preview`.

Windows are typed as local date-times in a chosen IANA zone and stored as aware UTC. A local time
that does not exist (the spring-forward gap) is refused with a message; one that happens twice
(the fall-back hour) means its first occurrence (``fold=0``, the earlier instant), as the form says.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from storefront.audit.service import record
from storefront.catalog.csv_io import FORMULA_STARTS
from storefront.catalog.editing import slugify
from storefront.catalog.models import Category, Product
from storefront.database import begin_write
from storefront.errors import ConflictError, NotFoundError, ShopError
from storefront.extensions import db
from storefront.money import parse_major

from . import service
from .models import Audience, Benefit, CodeBatch, CodeKind, Offer, OfferCode, OfferState, OfferStatus, Target

# What each platform lets a shop reward. None lets a shop reward liking, following or sharing
# (Meta's platform policy 3.2 forbids gating a reward on a like or a share, and has answered every
# "liked" check with true since 2014; X forbids rewarding follows and reposts), so those are not
# audiences at all. What is left is what the shop can verify: a launch from the brand's page tab,
# a code posted to one channel, a member signed in with the platform, a first order. A setting of
# the same name (OFFER_PLATFORM_AUDIENCES) replaces this table for a shop whose contracts differ.
VERIFIABLE = frozenset({Audience.TAB_VISITORS, Audience.CODE_HOLDERS, Audience.MEMBERS, Audience.FIRST_ORDER})
PLATFORM_AUDIENCES: dict[str, frozenset[str]] = {"meta": VERIFIABLE, "telegram": VERIFIABLE, "vk": VERIFIABLE}
FORBIDDEN_AUDIENCES = frozenset({"likes", "like", "follows", "followers", "follow", "shares", "share"})
PLATFORM_NAMES = {"meta": "Facebook / Instagram (Meta)", "telegram": "Telegram", "vk": "VK"}

# Channels a code can be posted to (attribution); the platforms' own names first.
CHANNELS = ("meta", "instagram", "telegram", "vk", "email", "web", "store")
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,39}$")
CHANNEL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
UTM_PATTERN = re.compile(r"^[A-Za-z0-9._+~-]{0,80}$")
# Batch codes: no 0/O, 1/I/L, so a code read aloud or typed from print is not mistaken.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS, CODE_GROUP_LENGTH = 3, 4          # "K7QM-3XTP-R9HD": 31**12 ≈ 8·10^17 codes
MAX_BATCH = 10_000
MAX_COUNT = 1_000_000_000                      # caps and quantities: well inside an INTEGER
MAX_AMOUNT = 10**10                            # money in minor units: likewise
LIVE_EDITABLE = frozenset({"name", "description"})

WINDOW_OVER = _l("This window is already over: choose an end in the future.")
NOT_A_DRAFT = _l("Only a draft can be scheduled; this offer is already scheduled or ended.")
BAD_UTM = _l("UTM tags: up to 80 letters, digits, dots, dashes or underscores.")


class InvalidOffer(ShopError):
    code = "invalid_offer"
    status = 422
    default_message = _l("Please check this value.")


class OfferNotFound(NotFoundError):
    code = "offer_not_found"
    default_message = _l("We could not find that offer.")


class BatchNotFound(NotFoundError):
    code = "batch_not_found"
    default_message = _l("We could not find that batch of codes.")


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


class CodeTaken(ConflictError):
    code = "code_taken"


# --- the shop's settings the forms offer --------------------------------------------------

def zone_names() -> list[str]:
    """Every IANA zone name, sorted (the forms' time zone choices)."""
    return sorted(available_timezones())


def shop_zone() -> str:
    """The shop's own zone (setting SHOP_TIMEZONE), the default for a new offer's window."""
    return current_app.config["SHOP_TIMEZONE"]


def platform_audiences() -> Mapping[str, frozenset[str]]:
    """Which audiences each platform permits (setting OFFER_PLATFORM_AUDIENCES, else the table above)."""
    return current_app.config.get("OFFER_PLATFORM_AUDIENCES") or PLATFORM_AUDIENCES


def configured_pages() -> list[tuple[str, str]]:
    """The pages whose tab can launch the shop, as (value "platform:page_id", label), from the
    setting SOCIAL_APPS: Meta's apps list their `pages`, a Telegram bot is its own page, a VK app
    its communities (`pages`) or else the app itself."""
    pages: dict[str, str] = {}
    for app in current_app.config.get("SOCIAL_APPS") or []:
        platform = app.get("platform", "")
        if platform == "telegram":
            ids = [app.get("bot")]
        elif platform == "vk":
            ids = list(app.get("pages") or []) or [app.get("app_id")]
        else:
            ids = list(app.get("pages") or [])
        for page_id in filter(None, ids):
            pages.setdefault(f"{platform}:{page_id}", f"{PLATFORM_NAMES.get(platform, platform)} · {page_id}")
    return list(pages.items())


# --- reading what the marketer typed --------------------------------------------------------

def local_to_utc(local: dt.datetime, zone: str, *, field: str) -> dt.datetime:
    """A wall-clock time in `zone` as aware UTC. Aware values are taken as they are.

    In the fall-back hour a time happens twice; it means the first (``fold=0``).
    :raise InvalidOffer: the time does not exist in that zone (the spring-forward gap).
    """
    if local.tzinfo is not None:
        return local.astimezone(dt.timezone.utc)
    tz = ZoneInfo(zone)
    aware = local.replace(tzinfo=tz, fold=0)
    back = aware.astimezone(dt.timezone.utc).astimezone(tz).replace(tzinfo=None, fold=0)
    if back != local.replace(fold=0):
        raise InvalidOffer(_l("%(when)s does not exist in %(zone)s: the clocks go forward at that time. "
                              "Choose a time after the change.", when=local.strftime("%Y-%m-%d %H:%M"),
                              zone=zone), field=field)
    return aware.astimezone(dt.timezone.utc)


def utc_to_local(value: dt.datetime, zone: str) -> dt.datetime:
    """The naive wall-clock time of `value` in `zone` (for a form's date-time field)."""
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def clean_zone(value: str | None) -> str:
    """The zone typed or chosen, or the shop's when empty. :raise InvalidOffer: not an IANA zone."""
    zone = (value or "").strip() or shop_zone()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidOffer(_l("Choose a time zone from the list."), field="timezone") from None
    return zone


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _whole_number(value, field: str, *, message, minimum: int, maximum: int = MAX_COUNT,
                  required: bool = False) -> int | None:
    """A whole number typed or given, from `minimum` to `maximum`; None when empty.

    :raise InvalidOffer: (`message`, on `field`) not a whole number, out of range, or empty though
        `required`.
    """
    if _empty(value):
        if required:
            raise InvalidOffer(message, field=field)
        return None
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise InvalidOffer(message, field=field)
    return value


def _money(value, field: str, *, message, required: bool = False) -> int | None:
    """An amount in minor units (an int) or typed in major units ("5", "4.90"); None when empty.

    :raise InvalidOffer: (`message`, on `field`) not an amount more than zero, or empty though
        `required`.
    """
    if _empty(value):
        if required:
            raise InvalidOffer(message, field=field)
        return None
    if isinstance(value, str):
        try:
            value = parse_major(value, current_app.config["SHOP_CURRENCY"])
        except ValueError:
            raise InvalidOffer(message, field=field) from None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_AMOUNT:
        raise InvalidOffer(message, field=field)
    return value


def _ids(values) -> list[int]:
    """The whole numbers among `values`, sorted, without repeats (anything else is dropped)."""
    out = set()
    for value in values or []:
        try:
            out.add(int(value))
        except (TypeError, ValueError):
            continue
    return sorted(out)


def _chosen(model, values, *, field: str, message) -> list[int]:
    """The ids of `model` rows chosen, sorted. :raise InvalidOffer: none chosen, or one that does not exist."""
    ids = _ids(values)
    found = set(db.session.scalars(sa.select(model.id).where(model.id.in_(ids)))) if ids else set()
    if not ids or found != set(ids):
        raise InvalidOffer(message, field=field)
    return ids


def _check_not_over(ends_at: dt.datetime, now: dt.datetime) -> None:
    """:raise InvalidOffer: the window has already ended at `now`."""
    if ends_at <= now:
        raise InvalidOffer(WINDOW_OVER, field="ends_at")


@dataclass
class OfferTerms:
    """An offer's fields once every rule has been checked."""

    columns: dict
    product_ids: list[int] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)

    def fields(self) -> dict:
        """The columns and the chosen products and categories, as one mapping (for the audit log)."""
        return {**self.columns, "product_ids": self.product_ids, "category_ids": self.category_ids}


def clean_terms(data: Mapping, *, now: dt.datetime, check_past: bool = True) -> OfferTerms:
    """Check the fields of an offer (`data` as the form gives them), in the form's order.

    :raise InvalidOffer: on the first field that breaks a rule; with `check_past`, also a window
        that is already over at `now`.
    """
    name = (data.get("name") or "").strip()
    if not name:
        raise InvalidOffer(_l("Give the offer a name."), field="name")
    if len(name) > 120:
        raise InvalidOffer(_l("Keep the name to 120 characters."), field="name")
    description = (data.get("description") or "").strip()
    if len(description) > 500:
        raise InvalidOffer(_l("Keep the description to 500 characters."), field="description")
    columns = {"name": name, "description": description, **_clean_benefit(data)}
    target, product_ids, category_ids = _clean_target(data)
    columns["target"] = target
    columns["min_subtotal"] = _money(data.get("min_subtotal"), "min_subtotal",
                                     message=_l("A minimum subtotal must be an amount more than zero (or empty)."))
    columns["min_quantity"] = _whole_number(data.get("min_quantity"), "min_quantity", minimum=1,
                                            message=_l("A minimum quantity must be at least 1 (or empty)."))
    columns.update(_clean_audience(data))
    columns.update(_clean_window(data, now=now, check_past=check_past))
    cap_message = _l("A cap must be at least 1 (leave it empty for no cap).")
    columns["cap_total"] = _whole_number(data.get("cap_total"), "cap_total", minimum=1, message=cap_message)
    columns["cap_per_customer"] = _whole_number(data.get("cap_per_customer"), "cap_per_customer", minimum=1,
                                                message=cap_message)
    columns["exclusive"] = bool(data.get("exclusive"))
    priority = _whole_number(data.get("priority"), "priority", minimum=-1000, maximum=1000,
                             message=_l("Priority is a whole number from -1000 to 1000."))
    columns["priority"] = 0 if priority is None else priority
    columns["thank_you"] = bool(data.get("thank_you"))
    return OfferTerms(columns=columns, product_ids=product_ids, category_ids=category_ids)


def _clean_benefit(data: Mapping) -> dict:
    """The benefit and its one amount (percent, amount, or buy and get quantities). :raise InvalidOffer:"""
    benefit = data.get("benefit")
    if benefit not in set(Benefit):
        raise InvalidOffer(_l("Choose what the offer gives."), field="benefit")
    columns = {"benefit": str(benefit), "percent": None, "amount": None, "buy_qty": None, "get_qty": None}
    if benefit == Benefit.PERCENT:
        columns["percent"] = _whole_number(
            data.get("percent"), "percent", minimum=1, maximum=100, required=True,
            message=_l("A percentage off must be more than 0 and at most 100."))
    elif benefit == Benefit.FIXED:
        columns["amount"] = _money(data.get("amount"), "amount", required=True,
                                   message=_l("A fixed amount off must be more than zero, e.g. 5.00."))
    elif benefit == Benefit.BUY_X_GET_Y:
        message = _l("Buy X get Y needs X and Y of at least 1.")
        for key in ("buy_qty", "get_qty"):
            columns[key] = _whole_number(data.get(key), key, minimum=1, message=message)
        for key in ("buy_qty", "get_qty"):  # malformed first, then missing, as the form reads
            if columns[key] is None:
                raise InvalidOffer(message, field=key)
    return columns


def _clean_target(data: Mapping) -> tuple[str, list[int], list[int]]:
    """What the offer applies to, and the products or categories chosen. :raise InvalidOffer:"""
    target = data.get("target") or Target.ORDER
    if target not in set(Target):
        raise InvalidOffer(_l("Choose what the offer applies to."), field="target")
    product_ids = category_ids = []
    if target == Target.PRODUCTS:
        product_ids = _chosen(Product, data.get("product_ids"), field="product_ids",
                              message=_l("Choose at least one product (from the list)."))
    elif target == Target.CATEGORIES:
        category_ids = _chosen(Category, data.get("category_ids"), field="category_ids",
                               message=_l("Choose at least one category (from the list)."))
    return str(target), product_ids, category_ids


def _clean_audience(data: Mapping) -> dict:
    """Who the offer is for, and for tab visitors which pages.

    :raise InvalidOffer: an audience the platforms forbid (likes, follows, shares), an unknown one,
        or tab pages the shop is not connected to or whose platform does not permit it.
    """
    audience = (data.get("audience") or Audience.EVERYONE).strip().lower()
    if audience in FORBIDDEN_AUDIENCES:
        raise InvalidOffer(_l("The social platforms forbid rewarding likes, follows or shares. Choose tab "
                              "visitors, code holders, signed-in members or first orders instead."),
                           field="audience")
    if audience not in set(Audience):
        raise InvalidOffer(_l("Choose who the offer is for."), field="audience")
    pages: list[str] = []
    if audience == Audience.TAB_VISITORS:
        pages = sorted({str(p) for p in data.get("audience_pages") or []})
        _check_tab_pages(pages)
    return {"audience": audience, "audience_pages": pages}


def _clean_window(data: Mapping, *, now: dt.datetime, check_past: bool) -> dict:
    """The window in aware UTC, and the zone it was typed in.

    :raise InvalidOffer: a bad zone, a missing or non-existent time, an end not after the start,
        or (with `check_past`) an end already past at `now`.
    """
    zone = clean_zone(data.get("timezone"))
    if not data.get("starts_at"):
        raise InvalidOffer(_l("Enter when the offer starts."), field="starts_at")
    if not data.get("ends_at"):
        raise InvalidOffer(_l("Enter when the offer ends."), field="ends_at")
    starts_at = local_to_utc(data["starts_at"], zone, field="starts_at")
    ends_at = local_to_utc(data["ends_at"], zone, field="ends_at")
    if ends_at <= starts_at:
        raise InvalidOffer(_l("The offer must end after it starts."), field="ends_at")
    if check_past:
        _check_not_over(ends_at, now)
    return {"starts_at": starts_at, "ends_at": ends_at, "timezone": zone}


def _check_tab_pages(pages: Sequence[str]) -> None:
    """:raise InvalidOffer: no page is connected, or one of `pages` is not connected or its platform
    does not permit offers for its tab's visitors."""
    configured = dict(configured_pages())
    if not configured:
        raise InvalidOffer(_l("No social page is connected to the shop (setting SOCIAL_APPS), so no one can "
                              "arrive as a tab visitor."), field="audience")
    policy = platform_audiences()
    for page in pages:
        if page not in configured:
            raise InvalidOffer(_l("%(page)s is not one of the shop's connected pages.", page=page[:80]),
                               field="audience_pages")
        platform = page.split(":", 1)[0]
        if Audience.TAB_VISITORS not in policy.get(platform, frozenset()):
            raise InvalidOffer(_l("%(platform)s does not permit offers for the visitors of its page tab.",
                                  platform=PLATFORM_NAMES.get(platform, platform)), field="audience_pages")


# --- offers ---------------------------------------------------------------------------------

def get_offer(offer_id: int) -> Offer:
    """The offer with this id. :raise OfferNotFound:"""
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise OfferNotFound()
    return offer


def _locked_offer(offer_id: int) -> Offer:
    """Open the use case's write transaction and lock the offer's row. :raise OfferNotFound:"""
    begin_write()
    offer = db.session.scalar(sa.select(Offer).where(Offer.id == offer_id).with_for_update())
    if offer is None:
        db.session.rollback()
        raise OfferNotFound()
    return offer


@contextmanager
def _rolled_back_on_refusal() -> Iterator[None]:
    """Roll the open transaction back when a rule refuses (any `ShopError`), then re-raise it: a
    refused use case leaves nothing behind, and releases the row lock it took at once."""
    try:
        yield
    except ShopError:
        db.session.rollback()
        raise


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
        db.session.rollback()
        raise OfferStateConflict(_l("Another offer with this name was saved at the same moment; please save "
                                    "again.")) from None
    record(actor, "offer.created", "offer", offer.id, name=offer.name, slug=offer.slug,
           **{k: _plain(v) for k, v in terms.fields().items() if k not in ("name", "description")})
    db.session.commit()
    return offer


def update_offer(offer_id: int, data: Mapping, actor, now: dt.datetime) -> Offer:
    """Change an offer: everything while it is a draft or has not started yet; once live, only its
    name and description (shoppers were promised the rest). Unchanged terms write nothing.

    :raise OfferNotFound:
    :raise OfferNotEditable: it has ended.
    :raise InvalidOffer: a field breaks a rule (see `clean_terms`; a live offer's window may be past).
    :raise OfferLocked: it is live and a term other than its name or description changed.
    """
    offer = _locked_offer(offer_id)
    with _rolled_back_on_refusal():
        status = offer.status_at(now)
        if status in (OfferStatus.ENDED, OfferStatus.ENDED_EARLY):
            raise OfferNotEditable()
        terms = clean_terms(data, now=now, check_past=status != OfferStatus.LIVE)
        changed = _changed_fields(offer, terms)
        locked = [key for key in changed if key not in LIVE_EDITABLE]
        if status == OfferStatus.LIVE and locked:
            raise OfferLocked(field=locked[0])
    if not changed:
        db.session.rollback()
        return offer
    for key, value in terms.columns.items():
        setattr(offer, key, value)
    if {"product_ids", "category_ids"} & set(changed):
        _set_targets(offer, terms)
    offer.updated_at = now
    values = terms.fields()
    record(actor, "offer.updated", "offer", offer.id, status=str(status), **{k: _plain(values[k]) for k in changed})
    db.session.commit()
    return offer


def _changed_fields(offer: Offer, terms: OfferTerms) -> list[str]:
    """The names of the fields `terms` change, in the form's order.

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
    return [key for key, value in terms.fields().items() if current[key] != value]


def schedule(offer_id: int, actor, now: dt.datetime) -> Offer:
    """Draft → scheduled: it goes live at its start.

    :raise OfferNotFound:
    :raise OfferStateConflict: it is not a draft (or another click scheduled it first).
    :raise InvalidOffer: its window is already over, or its tab pages are no longer permitted.
    """
    offer = _locked_offer(offer_id)
    with _rolled_back_on_refusal():
        if offer.state != OfferState.DRAFT:
            raise OfferStateConflict(NOT_A_DRAFT)
        _check_not_over(offer.ends_at, now)
        if offer.audience == Audience.TAB_VISITORS:
            _check_tab_pages(offer.audience_pages or [])
        # Conditional on the state, like end_early: two clicks schedule it once.
        moved = db.session.execute(
            sa.update(Offer).where(Offer.id == offer_id, Offer.state == OfferState.DRAFT)
            .values(state=OfferState.SCHEDULED, updated_at=now).execution_options(synchronize_session=False)).rowcount
        if moved != 1:
            raise OfferStateConflict(NOT_A_DRAFT)
    record(actor, "offer.scheduled", "offer", offer_id, starts_at=offer.starts_at.isoformat(),
           ends_at=offer.ends_at.isoformat(), live_now=offer.starts_at <= now)
    db.session.commit()
    db.session.refresh(offer)
    return offer


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
        db.session.rollback()
        offer = get_offer(offer_id)
        if offer.state == OfferState.DRAFT:
            raise OfferStateConflict(_l("This offer is still a draft: there is nothing to end."))
        raise OfferStateConflict(_l("This offer has already ended."))
    record(actor, "offer.ended_early", "offer", offer_id, ended_at=now.isoformat())
    db.session.commit()
    return get_offer(offer_id)


# --- codes ----------------------------------------------------------------------------------

def _channel(channel, utm_source, utm_campaign) -> tuple[str, str, str]:
    """The channel (lower case) and UTM tags a code is posted with (the source in lower case).

    :raise InvalidOffer: a channel that is not a short lower-case name, or a UTM tag that is not
        up to 80 letters, digits, dots, dashes or underscores.
    """
    channel = (channel or "").strip().lower()
    if not CHANNEL_PATTERN.match(channel):
        raise InvalidOffer(_l("Choose the channel the code is posted to."), field="channel")
    tags = {"utm_source": (utm_source or "").strip(), "utm_campaign": (utm_campaign or "").strip()}
    for name, value in tags.items():
        if not UTM_PATTERN.match(value):
            raise InvalidOffer(BAD_UTM, field=name)
    return channel, tags["utm_source"].lower(), tags["utm_campaign"]


def _offer_taking_codes(offer_id: int, now: dt.datetime | None) -> Offer:
    """The offer, if it may still get codes. :raise OfferNotFound, OfferStateConflict: it has ended."""
    offer = get_offer(offer_id)
    if offer.state == OfferState.ENDED_EARLY or (now is not None and offer.ends_at <= now):
        raise OfferStateConflict(_l("This offer has ended; it takes no new codes."))
    return offer


def add_shared_code(offer_id: int, code: str, channel: str, utm_source: str, utm_campaign: str,
                    channel_only: bool, actor, now: dt.datetime | None = None) -> OfferCode:
    """One code for a channel's followers (unlimited uses; the offer's caps still apply).

    :raise OfferNotFound:
    :raise OfferStateConflict: the offer has ended.
    :raise InvalidOffer: a malformed code, channel or UTM tag, or `channel_only` for a channel
        that is not a platform permitting code-holder offers.
    :raise CodeTaken: another offer's code (or one saved at the same moment) has this text.
    """
    offer = _offer_taking_codes(offer_id, now)
    value = service.normalise_code(code)
    if not CODE_PATTERN.match(value):
        raise InvalidOffer(_l("A code is 4 to 40 letters, digits or dashes, starting with a letter or digit."),
                           field="code")
    channel, utm_source, utm_campaign = _channel(channel, utm_source, utm_campaign)
    if channel_only and Audience.CODE_HOLDERS not in platform_audiences().get(channel, frozenset()):
        raise InvalidOffer(_l("Only a social platform's code can be limited to shoppers who came from its tab."),
                           field="channel_only")
    taken = CodeTaken(_l("The code %(code)s is already taken; choose another.", code=value), field="code")
    if db.session.scalar(sa.select(OfferCode.id).where(OfferCode.code == value)) is not None:
        raise taken
    row = OfferCode(offer_id=offer.id, code=value, kind=CodeKind.SHARED, channel=channel, utm_source=utm_source,
                    utm_campaign=utm_campaign, channel_only=bool(channel_only), max_uses=None, uses=0)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:  # taken by someone else between the look and the insert
        db.session.rollback()
        raise taken from None
    record(actor, "offer.code_added", "offer", offer.id, code=value, channel=channel, utm_source=utm_source,
           utm_campaign=utm_campaign, channel_only=bool(channel_only))
    db.session.commit()
    return row


def new_code(randbelow=secrets.randbelow) -> str:
    """A random batch code, e.g. "K7QM-3XTP-R9HD" (letters and digits that cannot be misread)."""
    groups = ("".join(CODE_ALPHABET[randbelow(len(CODE_ALPHABET))] for _ in range(CODE_GROUP_LENGTH))
              for _ in range(CODE_GROUPS))
    return "-".join(groups)


def _fresh_codes(size: int) -> list[str]:
    """`size` new codes, none of them already in the database (the unique constraint stands behind)."""
    codes: set[str] = set()
    while len(codes) < size:
        wanted = {new_code() for _ in range(size - len(codes))} - codes
        wanted_list = list(wanted)
        for start in range(0, len(wanted_list), 500):
            chunk = wanted_list[start:start + 500]
            wanted -= set(db.session.scalars(sa.select(OfferCode.code).where(OfferCode.code.in_(chunk))))
        codes |= wanted
    return sorted(codes)


def create_batch(offer_id: int, size, channel: str, utm_source: str, utm_campaign: str, actor,
                 now: dt.datetime | None = None) -> CodeBatch:
    """`size` unique single-use codes for one channel, inserted in one statement.

    :raise OfferNotFound:
    :raise OfferStateConflict: the offer has ended, or a code was taken at the same moment.
    :raise InvalidOffer: a size outside 1 to 10,000, or a malformed channel or UTM tag.
    """
    offer = _offer_taking_codes(offer_id, now)
    size = _whole_number(size, "size", minimum=1, maximum=MAX_BATCH, required=True,
                         message=_l("A batch has 1 to 10,000 codes."))
    channel, utm_source, utm_campaign = _channel(channel, utm_source, utm_campaign)
    created = now or dt.datetime.now(dt.timezone.utc)
    batch = CodeBatch(offer_id=offer.id, channel=channel, utm_source=utm_source, utm_campaign=utm_campaign,
                      size=size, created_by_id=getattr(actor, "id", None), created_at=created)
    db.session.add(batch)
    db.session.flush()
    rows = [{"offer_id": offer.id, "batch_id": batch.id, "code": code, "kind": CodeKind.UNIQUE.value,
             "channel": channel, "utm_source": utm_source, "utm_campaign": utm_campaign, "channel_only": False,
             "max_uses": 1, "uses": 0, "created_at": created} for code in _fresh_codes(size)]
    try:
        db.session.execute(sa.insert(OfferCode), rows)
    except IntegrityError:
        db.session.rollback()
        raise OfferStateConflict(_l("Some codes were taken at the same moment; please create the batch again.")) \
            from None
    record(actor, "offer.batch_created", "offer", offer.id, batch_id=batch.id, size=size, channel=channel,
           utm_source=utm_source, utm_campaign=utm_campaign)
    db.session.commit()
    return batch


# --- links and the batch export -------------------------------------------------------------

def public_base_url() -> str:
    """The shop's public address (setting PUBLIC_BASE_URL, else the request's host), no trailing slash."""
    base = current_app.config.get("PUBLIC_BASE_URL") or (request.host_url if has_request_context() else "")
    return base.rstrip("/")


def offer_url(offer: Offer) -> str:
    """The offer's public page."""
    return f"{public_base_url()}/offers/{offer.slug}"


def offer_link(offer: Offer, code: str, utm_source: str = "", utm_campaign: str = "") -> str:
    """The offer's public page with the code (and UTM tags, where given) in its query."""
    query = {"code": code}
    if utm_source:
        query["utm_source"] = utm_source
    if utm_campaign:
        query["utm_campaign"] = utm_campaign
    return f"{offer_url(offer)}?{urlencode(query)}"


def _cell(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula (CSV injection).
    return "'" + text if text.startswith(FORMULA_STARTS) else text


CSV_COLUMNS = ("code", "channel", "utm_source", "utm_campaign", "offer", "link")


def batch_csv(batch_id: int, *, actor=None) -> tuple[CodeBatch, str]:
    """The batch's codes as CSV text, one row per code with its link; with an `actor`, the export
    is recorded in the audit log (and committed).

    :raise BatchNotFound:
    """
    batch = db.session.get(CodeBatch, batch_id)
    if batch is None:
        raise BatchNotFound()
    offer = get_offer(batch.offer_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for code, channel, utm_source, utm_campaign in db.session.execute(
            sa.select(OfferCode.code, OfferCode.channel, OfferCode.utm_source, OfferCode.utm_campaign)
            .where(OfferCode.batch_id == batch_id).order_by(OfferCode.id)):
        writer.writerow([code, channel, _cell(utm_source), _cell(utm_campaign), _cell(offer.name),
                         offer_link(offer, code, utm_source, utm_campaign)])
    if actor is not None:
        record(actor, "offer.batch_exported", "offer", offer.id, batch_id=batch_id, size=batch.size)
        db.session.commit()
    return batch, buffer.getvalue()
