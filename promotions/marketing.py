"""The marketer's use cases: create and edit offers, schedule, end early, codes and code batches,
the preview ("see the shop as a tab visitor at 9 pm on Friday") and the results per channel.

Each use case takes plain values and an actor, checks every rule, writes an audit entry in the same
transaction and commits; bad input raises a `ShopError` naming its field, and nothing is written.

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
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from storefront.audit.models import AuditEntry
from storefront.audit.service import record
from storefront.catalog.csv_io import FORMULA_STARTS
from storefront.catalog.editing import slugify
from storefront.catalog.models import Category, Product, Variant
from storefront.database import begin_write
from storefront.errors import ConflictError, NotFoundError, ShopError
from storefront.extensions import db
from storefront.money import format_money, parse_major
from storefront.orders.models import Order

from . import engine, service
from .models import (Audience, Benefit, CodeBatch, CodeKind, Offer, OfferCode, OfferDailyStat, OfferState,
                     OfferStatus, Redemption, RedemptionStatus, Target)

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
CHART_DAYS = 92
PERSONAS = ("anyone", "tab_visitor", "code_holder", "member", "first_order")


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


# --- reading what the marketer typed --------------------------------------------------------

def zone_names() -> list[str]:
    return sorted(available_timezones())


def shop_zone() -> str:
    return current_app.config["SHOP_TIMEZONE"]


def platform_audiences() -> Mapping[str, frozenset[str]]:
    return current_app.config.get("OFFER_PLATFORM_AUDIENCES") or PLATFORM_AUDIENCES


def configured_pages() -> list[tuple[str, str]]:
    """The pages whose tab can launch the shop, as (value "platform:page_id", label), from the
    setting SOCIAL_APPS: Meta's apps list their `pages`, a Telegram bot is its own page, a VK app
    its communities (`pages`) or else the app itself."""
    pages: list[tuple[str, str]] = []
    for app in current_app.config.get("SOCIAL_APPS") or []:
        platform = app.get("platform", "")
        if platform == "telegram":
            ids = [app.get("bot")]
        elif platform == "vk":
            ids = list(app.get("pages") or []) or [app.get("app_id")]
        else:
            ids = list(app.get("pages") or [])
        for page_id in ids:
            if page_id:
                value = f"{platform}:{page_id}"
                label = f"{PLATFORM_NAMES.get(platform, platform)} · {page_id}"
                if value not in dict(pages):
                    pages.append((value, label))
    return pages


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


def _zone(value) -> str:
    zone = (value or "").strip() or shop_zone()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidOffer(_l("Choose a time zone from the list."), field="timezone") from None
    return zone


def _count(value, field: str, *, minimum: int, message) -> int | None:
    """A whole number typed or given, at least `minimum`; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InvalidOffer(message, field=field)
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"-?\d{1,12}", text):
            raise InvalidOffer(message, field=field)
        value = int(text)
    if not isinstance(value, int) or value < minimum or value > MAX_COUNT:
        raise InvalidOffer(message, field=field)
    return value


def _money(value, field: str, message) -> int | None:
    """An amount in minor units (an int) or typed in major units ("5", "4.90"); None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InvalidOffer(message, field=field)
    if isinstance(value, str):
        try:
            value = parse_major(value, current_app.config["SHOP_CURRENCY"])
        except ValueError:
            raise InvalidOffer(message, field=field) from None
    if not isinstance(value, int) or value <= 0 or value > 10**10:
        raise InvalidOffer(message, field=field)
    return value


def _ids(values) -> list[int]:
    out = []
    for value in values or []:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            continue
    return sorted(set(out))


@dataclass
class OfferTerms:
    """An offer's fields once every rule has been checked."""

    columns: dict
    product_ids: list[int] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)


def clean_terms(data: Mapping, *, now: dt.datetime, check_past: bool = True) -> OfferTerms:
    """Check the fields of an offer (`data` as the form gives them). :raise InvalidOffer:"""
    name = (data.get("name") or "").strip()
    if not name:
        raise InvalidOffer(_l("Give the offer a name."), field="name")
    if len(name) > 120:
        raise InvalidOffer(_l("Keep the name to 120 characters."), field="name")
    description = (data.get("description") or "").strip()
    if len(description) > 500:
        raise InvalidOffer(_l("Keep the description to 500 characters."), field="description")

    benefit = data.get("benefit")
    if benefit not in set(Benefit):
        raise InvalidOffer(_l("Choose what the offer gives."), field="benefit")
    percent = amount = buy_qty = get_qty = None
    if benefit == Benefit.PERCENT:
        percent = _count(data.get("percent"), "percent", minimum=1,
                         message=_l("A percentage off must be more than 0 and at most 100."))
        if percent is None or percent > 100:
            raise InvalidOffer(_l("A percentage off must be more than 0 and at most 100."), field="percent")
    elif benefit == Benefit.FIXED:
        amount = _money(data.get("amount"), "amount", _l("A fixed amount off must be more than zero, e.g. 5.00."))
        if amount is None:
            raise InvalidOffer(_l("A fixed amount off must be more than zero, e.g. 5.00."), field="amount")
    elif benefit == Benefit.BUY_X_GET_Y:
        message = _l("Buy X get Y needs X and Y of at least 1.")
        buy_qty = _count(data.get("buy_qty"), "buy_qty", minimum=1, message=message)
        get_qty = _count(data.get("get_qty"), "get_qty", minimum=1, message=message)
        if buy_qty is None:
            raise InvalidOffer(message, field="buy_qty")
        if get_qty is None:
            raise InvalidOffer(message, field="get_qty")

    target = data.get("target") or Target.ORDER
    if target not in set(Target):
        raise InvalidOffer(_l("Choose what the offer applies to."), field="target")
    product_ids = _ids(data.get("product_ids")) if target == Target.PRODUCTS else []
    category_ids = _ids(data.get("category_ids")) if target == Target.CATEGORIES else []
    if target == Target.PRODUCTS:
        found = set(db.session.scalars(sa.select(Product.id).where(Product.id.in_(product_ids)))) if product_ids else set()
        if not product_ids or found != set(product_ids):
            raise InvalidOffer(_l("Choose at least one product (from the list)."), field="product_ids")
    if target == Target.CATEGORIES:
        found = set(db.session.scalars(sa.select(Category.id).where(Category.id.in_(category_ids)))) if category_ids else set()
        if not category_ids or found != set(category_ids):
            raise InvalidOffer(_l("Choose at least one category (from the list)."), field="category_ids")

    min_subtotal = _money(data.get("min_subtotal"), "min_subtotal",
                          _l("A minimum subtotal must be an amount more than zero (or empty)."))
    min_quantity = _count(data.get("min_quantity"), "min_quantity", minimum=1,
                          message=_l("A minimum quantity must be at least 1 (or empty)."))

    audience = (data.get("audience") or Audience.EVERYONE).strip().lower()
    if audience in FORBIDDEN_AUDIENCES:
        raise InvalidOffer(_l("The social platforms forbid rewarding likes, follows or shares. Choose tab "
                              "visitors, code holders, signed-in members or first orders instead."),
                           field="audience")
    if audience not in set(Audience):
        raise InvalidOffer(_l("Choose who the offer is for."), field="audience")
    pages = sorted({str(p) for p in data.get("audience_pages") or []}) if audience == Audience.TAB_VISITORS else []
    if audience == Audience.TAB_VISITORS:
        _check_tab_pages(pages)

    zone = _zone(data.get("timezone"))
    if not data.get("starts_at"):
        raise InvalidOffer(_l("Enter when the offer starts."), field="starts_at")
    if not data.get("ends_at"):
        raise InvalidOffer(_l("Enter when the offer ends."), field="ends_at")
    starts_at = local_to_utc(data["starts_at"], zone, field="starts_at")
    ends_at = local_to_utc(data["ends_at"], zone, field="ends_at")
    if ends_at <= starts_at:
        raise InvalidOffer(_l("The offer must end after it starts."), field="ends_at")
    if check_past and ends_at <= now:
        raise InvalidOffer(_l("This window is already over: choose an end in the future."), field="ends_at")

    cap_message = _l("A cap must be at least 1 (leave it empty for no cap).")
    cap_total = _count(data.get("cap_total"), "cap_total", minimum=1, message=cap_message)
    cap_per_customer = _count(data.get("cap_per_customer"), "cap_per_customer", minimum=1, message=cap_message)
    priority = data.get("priority")
    priority = 0 if priority in (None, "") else priority
    if isinstance(priority, str):
        priority = int(priority) if re.fullmatch(r"-?\d{1,4}", priority.strip()) else None
    if not isinstance(priority, int) or isinstance(priority, bool) or not -1000 <= priority <= 1000:
        raise InvalidOffer(_l("Priority is a whole number from -1000 to 1000."), field="priority")

    return OfferTerms(
        columns={"name": name, "description": description, "benefit": str(benefit), "percent": percent,
                 "amount": amount, "buy_qty": buy_qty, "get_qty": get_qty, "target": str(target),
                 "min_subtotal": min_subtotal, "min_quantity": min_quantity, "audience": audience,
                 "audience_pages": pages, "starts_at": starts_at, "ends_at": ends_at, "timezone": zone,
                 "cap_total": cap_total, "cap_per_customer": cap_per_customer,
                 "exclusive": bool(data.get("exclusive")), "priority": priority,
                 "thank_you": bool(data.get("thank_you"))},
        product_ids=product_ids, category_ids=category_ids)


def _check_tab_pages(pages: Sequence[str]) -> None:
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

LIVE_EDITABLE = frozenset({"name", "description"})


def get_offer(offer_id: int) -> Offer:
    """:raise OfferNotFound:"""
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise OfferNotFound()
    return offer


def _locked_offer(offer_id: int) -> Offer:
    begin_write()
    offer = db.session.scalar(sa.select(Offer).where(Offer.id == offer_id).with_for_update())
    if offer is None:
        db.session.rollback()
        raise OfferNotFound()
    return offer


def _unique_slug(name: str) -> str:
    base = slugify(name, 70) or "offer"
    taken = set(db.session.scalars(sa.select(Offer.slug).where(Offer.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _plain(value):
    return value.isoformat() if isinstance(value, dt.datetime) else value


def create_offer(data: Mapping, actor, now: dt.datetime) -> Offer:
    """A new offer, as a draft. :raise InvalidOffer:"""
    terms = clean_terms(data, now=now)
    offer = Offer(**terms.columns, slug=_unique_slug(terms.columns["name"]), state=OfferState.DRAFT,
                  created_by_id=getattr(actor, "id", None), created_at=now, updated_at=now)
    offer.products = _load(Product, terms.product_ids)
    offer.categories = _load(Category, terms.category_ids)
    db.session.add(offer)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise OfferStateConflict(_l("Another offer with this name was saved at the same moment; please save "
                                    "again.")) from None
    record(actor, "offer.created", "offer", offer.id, name=offer.name, slug=offer.slug,
           **{k: _plain(v) for k, v in terms.columns.items() if k not in ("name", "description")},
           product_ids=terms.product_ids, category_ids=terms.category_ids)
    db.session.commit()
    return offer


def _load(model, ids: Sequence[int]) -> list:
    return list(db.session.scalars(sa.select(model).where(model.id.in_(ids)))) if ids else []


def update_offer(offer_id: int, data: Mapping, actor, now: dt.datetime) -> Offer:
    """Change an offer: everything while it is a draft or has not started yet; once live, only its
    name and description (shoppers were promised the rest).

    :raise OfferNotFound, InvalidOffer, OfferLocked (live), OfferNotEditable (ended):
    """
    offer = _locked_offer(offer_id)
    status = offer.status_at(now)
    if status in (OfferStatus.ENDED, OfferStatus.ENDED_EARLY):
        db.session.rollback()
        raise OfferNotEditable()
    try:
        terms = clean_terms(data, now=now, check_past=status != OfferStatus.LIVE)
    except ShopError:
        db.session.rollback()
        raise
    current = {key: getattr(offer, key) for key in terms.columns}
    current["audience_pages"] = sorted(current["audience_pages"] or [])
    for key in ("starts_at", "ends_at"):
        # The form shows whole minutes: the same minute sent back is the same moment.
        if terms.columns[key] == current[key].replace(second=0, microsecond=0):
            terms.columns[key] = current[key]
    changed = [key for key, value in terms.columns.items() if current[key] != value]
    old_products = sorted(p.id for p in offer.products)
    old_categories = sorted(c.id for c in offer.categories)
    if old_products != terms.product_ids:
        changed.append("product_ids")
    if old_categories != terms.category_ids:
        changed.append("category_ids")
    if status == OfferStatus.LIVE:
        locked = [key for key in changed if key not in LIVE_EDITABLE]
        if locked:
            db.session.rollback()
            raise OfferLocked(field=locked[0])
    if not changed:
        db.session.rollback()
        return offer
    for key, value in terms.columns.items():
        setattr(offer, key, value)
    if "product_ids" in changed:
        offer.products = _load(Product, terms.product_ids)
    if "category_ids" in changed:
        offer.categories = _load(Category, terms.category_ids)
    offer.updated_at = now
    details = {key: _plain(terms.columns[key]) for key in changed if key in terms.columns}
    if "product_ids" in changed:
        details["product_ids"] = terms.product_ids
    if "category_ids" in changed:
        details["category_ids"] = terms.category_ids
    record(actor, "offer.updated", "offer", offer.id, status=str(status), **details)
    db.session.commit()
    return offer


def schedule(offer_id: int, actor, now: dt.datetime) -> Offer:
    """Draft → scheduled: it goes live at its start. :raise OfferNotFound, OfferStateConflict, InvalidOffer:"""
    offer = _locked_offer(offer_id)
    if offer.state != OfferState.DRAFT:
        db.session.rollback()
        raise OfferStateConflict(_l("Only a draft can be scheduled; this offer is already scheduled or ended."))
    if offer.ends_at <= now:
        db.session.rollback()
        raise InvalidOffer(_l("This window is already over: choose an end in the future."), field="ends_at")
    if offer.audience == Audience.TAB_VISITORS:
        try:
            _check_tab_pages(offer.audience_pages or [])
        except ShopError:
            db.session.rollback()
            raise
    # Conditional on the state, like end_early: two clicks schedule it once.
    moved = db.session.execute(
        sa.update(Offer).where(Offer.id == offer_id, Offer.state == OfferState.DRAFT)
        .values(state=OfferState.SCHEDULED, updated_at=now).execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        db.session.rollback()
        raise OfferStateConflict(_l("Only a draft can be scheduled; this offer is already scheduled or ended."))
    record(actor, "offer.scheduled", "offer", offer_id, starts_at=offer.starts_at.isoformat(),
           ends_at=offer.ends_at.isoformat(), live_now=offer.starts_at <= now)
    db.session.commit()
    db.session.refresh(offer)
    return offer


def end_early(offer_id: int, actor, now: dt.datetime) -> Offer:
    """End a scheduled or live offer now. A conditional UPDATE on the state: two clicks (or two
    marketers) end it once, and the second is told it had already ended.

    :raise OfferNotFound, OfferStateConflict:
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
    channel = (channel or "").strip().lower()
    if not CHANNEL_PATTERN.match(channel):
        raise InvalidOffer(_l("Choose the channel the code is posted to."), field="channel")
    utm_source, utm_campaign = (utm_source or "").strip(), (utm_campaign or "").strip()
    if not UTM_PATTERN.match(utm_source):
        raise InvalidOffer(_l("UTM tags: up to 80 letters, digits, dots, dashes or underscores."),
                           field="utm_source")
    if not UTM_PATTERN.match(utm_campaign):
        raise InvalidOffer(_l("UTM tags: up to 80 letters, digits, dots, dashes or underscores."),
                           field="utm_campaign")
    return channel, utm_source.lower(), utm_campaign


def _offer_taking_codes(offer_id: int, now: dt.datetime | None) -> Offer:
    offer = get_offer(offer_id)
    if offer.state == OfferState.ENDED_EARLY or (now is not None and offer.ends_at <= now):
        raise OfferStateConflict(_l("This offer has ended; it takes no new codes."))
    return offer


def add_shared_code(offer_id: int, code: str, channel: str, utm_source: str, utm_campaign: str,
                    channel_only: bool, actor, now: dt.datetime | None = None) -> OfferCode:
    """One code for a channel's followers (unlimited uses; the offer's caps still apply).

    :raise InvalidOffer, CodeTaken, OfferNotFound, OfferStateConflict:
    """
    offer = _offer_taking_codes(offer_id, now)
    value = re.sub(r"\s+", "", code or "").upper()
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

    :raise InvalidOffer, OfferNotFound, OfferStateConflict:
    """
    offer = _offer_taking_codes(offer_id, now)
    size = _count(size, "size", minimum=1, message=_l("A batch has 1 to 10,000 codes."))
    if size is None or size > MAX_BATCH:
        raise InvalidOffer(_l("A batch has 1 to 10,000 codes."), field="size")
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


def public_base_url() -> str:
    base = current_app.config.get("PUBLIC_BASE_URL") or (request.host_url if has_request_context() else "")
    return base.rstrip("/")


def offer_link(offer: Offer, code: str, utm_source: str = "", utm_campaign: str = "") -> str:
    query = {"code": code}
    if utm_source:
        query["utm_source"] = utm_source
    if utm_campaign:
        query["utm_campaign"] = utm_campaign
    return f"{public_base_url()}/offers/{offer.slug}?{urlencode(query)}"


def _cell(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula (CSV injection).
    return "'" + text if text.startswith(FORMULA_STARTS) else text


CSV_COLUMNS = ("code", "channel", "utm_source", "utm_campaign", "offer", "link")


def batch_csv(batch_id: int, *, actor=None) -> tuple[CodeBatch, str]:
    """The batch's codes as CSV text, one row per code with its link; with an `actor`, the export
    is recorded in the audit log. :raise BatchNotFound:"""
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


# --- what the marketer's pages list ---------------------------------------------------------

@dataclass(frozen=True)
class OfferRow:
    offer: Offer
    status: OfferStatus
    codes: int


def offer_rows(now: dt.datetime) -> list[OfferRow]:
    """Every offer, newest first, with its status and number of codes (two queries)."""
    offers = list(db.session.scalars(sa.select(Offer).order_by(Offer.created_at.desc(), Offer.id.desc())))
    codes = dict(db.session.execute(sa.select(OfferCode.offer_id, sa.func.count(OfferCode.id))
                                    .group_by(OfferCode.offer_id)).all())
    return [OfferRow(o, o.status_at(now), codes.get(o.id, 0)) for o in offers]


@dataclass(frozen=True)
class BatchRow:
    batch: CodeBatch
    used: int


def offer_codes(offer_id: int, limit: int = 100) -> list[OfferCode]:
    """The offer's codes that are not in a batch (shared, store, thank-you), newest first."""
    return list(db.session.scalars(
        sa.select(OfferCode).where(OfferCode.offer_id == offer_id, OfferCode.batch_id.is_(None))
        .order_by(OfferCode.id.desc()).limit(limit)))


def offer_batches(offer_id: int) -> list[BatchRow]:
    rows = db.session.execute(
        sa.select(CodeBatch, sa.func.count(OfferCode.id).filter(OfferCode.uses > 0))
        .outerjoin(OfferCode, OfferCode.batch_id == CodeBatch.id)
        .where(CodeBatch.offer_id == offer_id).group_by(CodeBatch.id).order_by(CodeBatch.id.desc())).all()
    return [BatchRow(batch, used or 0) for batch, used in rows]


def offer_audit(offer_id: int, limit: int = 50) -> list[AuditEntry]:
    return list(db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.target_type == "offer", AuditEntry.target_id == str(offer_id))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)))


# --- results --------------------------------------------------------------------------------

@dataclass
class ChannelResult:
    channel: str
    views: int = 0
    carts: int = 0
    held: int = 0
    confirmed: int = 0
    revenue: int = 0
    discount: int = 0

    def add(self, other: ChannelResult) -> None:
        for name in ("views", "carts", "held", "confirmed", "revenue", "discount"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class DayResult:
    day: dt.date
    views: int
    carts: int
    redemptions: int
    revenue: int


@dataclass(frozen=True)
class OfferResults:
    offer: Offer
    status: OfferStatus
    channels: list[ChannelResult]
    total: ChannelResult
    remaining: int | None
    days: list[DayResult]


def _utc_day(column):
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.timezone("UTC", column), sa.Date)
    return sa.func.date(column)


def _as_date(value) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def results(offer_id: int, now: dt.datetime) -> OfferResults:
    """Views, carts, redemptions (held and confirmed), revenue and discount per channel, the cap
    left, and a daily series. Four queries, however many channels, codes or days.

    Revenue is the total of the orders of confirmed redemptions; a store redemption has no order.
    :raise OfferNotFound:
    """
    offer = get_offer(offer_id)
    channels: dict[str, ChannelResult] = {}
    days: dict[dt.date, dict[str, int]] = defaultdict(lambda: {"views": 0, "carts": 0, "redemptions": 0,
                                                               "revenue": 0})

    def channel(name: str) -> ChannelResult:
        return channels.setdefault(name, ChannelResult(name))

    for name, day, views, carts in db.session.execute(
            sa.select(OfferDailyStat.channel, OfferDailyStat.day, OfferDailyStat.views, OfferDailyStat.carts)
            .where(OfferDailyStat.offer_id == offer_id)):
        channel(name).views += views
        channel(name).carts += carts
        days[_as_date(day)]["views"] += views
        days[_as_date(day)]["carts"] += carts
    counted = (RedemptionStatus.HELD, RedemptionStatus.CONFIRMED)
    for name, status, count, discount, revenue in db.session.execute(
            sa.select(Redemption.channel, Redemption.status, sa.func.count(Redemption.id),
                      sa.func.coalesce(sa.func.sum(Redemption.discount), 0),
                      sa.func.coalesce(sa.func.sum(Order.total), 0))
            .outerjoin(Order, Order.id == Redemption.order_id)
            .where(Redemption.offer_id == offer_id, Redemption.status.in_(counted))
            .group_by(Redemption.channel, Redemption.status)):
        row = channel(name)
        if status == RedemptionStatus.HELD:
            row.held += count
        else:
            row.confirmed += count
            row.discount += int(discount)
            row.revenue += int(revenue)
    day_column = _utc_day(Redemption.confirmed_at)
    for day, count, revenue in db.session.execute(
            sa.select(day_column, sa.func.count(Redemption.id), sa.func.coalesce(sa.func.sum(Order.total), 0))
            .outerjoin(Order, Order.id == Redemption.order_id)
            .where(Redemption.offer_id == offer_id, Redemption.status == RedemptionStatus.CONFIRMED)
            .group_by(day_column)):
        if day is not None:
            days[_as_date(day)]["redemptions"] += count
            days[_as_date(day)]["revenue"] += int(revenue)

    # Every day of the window so far, so quiet days show as zero rather than vanish.
    end = min(now, offer.ended_at or offer.ends_at, offer.ends_at)
    if offer.state != OfferState.DRAFT and offer.starts_at <= end:
        day = offer.starts_at.date()
        while day <= end.date():
            days[day]  # noqa: B018 (defaultdict: creates the empty day)
            day += dt.timedelta(days=1)
    series = [DayResult(d, **days[d]) for d in sorted(days)][-CHART_DAYS:]

    ordered = sorted(channels.values(), key=lambda c: (-c.confirmed, -c.views, c.channel))
    total = ChannelResult(str(_l("All channels")))
    for row in ordered:
        total.add(row)
    return OfferResults(offer, offer.status_at(now), ordered, total, offer.remaining, series)


# --- preview --------------------------------------------------------------------------------

REASON_TEXT = {
    engine.Reason.APPLIED: _l("Applies"),
    engine.Reason.NOT_STARTED: _l("Not started at that moment"),
    engine.Reason.ENDED: _l("Ended at that moment"),
    engine.Reason.SOLD_OUT: _l("Sold out (total cap reached)"),
    engine.Reason.USED_UP: _l("This customer has used it up"),
    engine.Reason.TAB_ONLY: _l("Only for shoppers who came from the chosen page's tab"),
    engine.Reason.CODE_ONLY: _l("Only for holders of its code"),
    engine.Reason.MEMBERS_ONLY: _l("Only for shoppers signed in with the platform"),
    engine.Reason.FIRST_ORDER_ONLY: _l("Only for a first order"),
    engine.Reason.FIRST_ORDER_UNKNOWN: _l("Decided once the shopper's e-mail is known (first order)"),
    engine.Reason.NO_TARGET_ITEMS: _l("None of its products are in the cart"),
    engine.Reason.NOT_COMBINED: _l("Another offer (or combination) gives the shopper more"),
    engine.Reason.NOTHING_OFF: _l("Nothing left to take off"),
}


def verdict_text(verdict: engine.Verdict) -> str:
    if verdict.reason == engine.Reason.MIN_SUBTOTAL:
        return str(_l("Needs %(amount)s more in the cart", amount=format_money(verdict.missing or 0)))
    if verdict.reason == engine.Reason.MIN_QUANTITY:
        return str(_l("Needs %(count)d more item(s)", count=verdict.missing or 0))
    return str(REASON_TEXT.get(verdict.reason, verdict.reason))


def preview_variants(offer: Offer, limit: int = 8) -> tuple[list[Variant], dict[int, int]]:
    """Variants to build a sample cart from: the offer's targeted products first (one unit each of
    the first three), then other products of the shop."""
    query = sa.select(Product).where(Product.active.is_(True)).options(selectinload(Product.variants))
    if offer.target == Target.PRODUCTS:
        targeted = sa.select(Product.id).join(Offer.products).where(Offer.id == offer.id)
    elif offer.target == Target.CATEGORIES:
        ids = [c.id for c in offer.categories]
        ancestry = service.category_ancestry()
        inside = [cid for cid, chain in ancestry.items() if chain & set(ids)]
        targeted = sa.select(Product.id).where(Product.category_id.in_(inside or [0]))
    else:
        targeted = sa.select(Product.id)
    first = list(db.session.scalars(query.where(Product.id.in_(targeted)).order_by(Product.title).limit(limit)))
    others = list(db.session.scalars(query.where(Product.id.not_in([p.id for p in first] or [0]))
                                     .order_by(Product.title).limit(max(0, limit - len(first)) + 2)))
    variants = [p.variants[0] for p in first + others if p.variants]
    defaults = {v.id: 1 for v in variants[:min(3, len(first))]}
    return variants, defaults


@dataclass(frozen=True)
class PreviewLine:
    variant: Variant
    quantity: int
    subtotal: int
    discount: int

    @property
    def total(self) -> int:
        return self.subtotal - self.discount


@dataclass(frozen=True)
class PreviewResult:
    moment: dt.datetime
    lines: list[PreviewLine]
    outcome: engine.Outcome
    names: dict[int, str]
    subtotal: int
    shipping: int

    @property
    def total(self) -> int:
        return self.subtotal - self.outcome.items_discount + self.shipping - self.outcome.shipping_discount

    def verdicts(self) -> list[tuple[str, engine.Verdict, str]]:
        return [(self.names.get(v.offer_id, "?"), v, verdict_text(v)) for v in self.outcome.verdicts]


def shopper_for(persona: str, page: str | None, offer_id: int) -> engine.Shopper:
    """The engine's shopper for a persona the marketer chose. :raise InvalidOffer:"""
    launch = None
    if page:
        if page not in dict(configured_pages()):
            raise InvalidOffer(_l("Choose one of the shop's connected pages."), field="page")
        launch = tuple(page.split(":", 1))
    if persona == "tab_visitor":
        if launch is None:
            raise InvalidOffer(_l("Choose the page the visitor comes from."), field="page")
        return engine.Shopper(launch=launch)
    if persona == "code_holder":
        return engine.Shopper(launch=launch, code_offer_ids=frozenset({offer_id}))
    if persona == "member":
        return engine.Shopper(launch=launch, member=True)
    if persona == "first_order":
        return engine.Shopper(launch=launch, first_order=True)
    if persona == "anyone":
        return engine.Shopper()
    raise InvalidOffer(_l("Choose who to see the shop as."), field="persona")


def preview(offer_id: int, *, persona: str, page: str | None, moment: dt.datetime, zone: str | None,
            quantities: Mapping[int, int]) -> PreviewResult:
    """The engine's answer for a sample cart, as the chosen shopper would see it at `moment` (local
    time in `zone`): the offers live then, plus this one (a draft counts as scheduled). Writes nothing.

    :raise OfferNotFound, InvalidOffer:
    """
    offer = get_offer(offer_id)
    zone = _zone(zone)
    if moment is None:
        raise InvalidOffer(_l("Choose the moment to see the shop at."), field="moment")
    when = local_to_utc(moment, zone, field="moment")
    shopper = shopper_for(persona, page, offer.id)
    limit = current_app.config["MAX_LINE_QUANTITY"]
    wanted = {int(k): int(v) for k, v in quantities.items() if v}
    if any(q < 0 or q > limit for q in wanted.values()):
        raise InvalidOffer(_l("Quantities are from 0 to %(limit)d.", limit=limit), field="lines")
    variants = {v.id: v for v in db.session.scalars(
        sa.select(Variant).where(Variant.id.in_(list(wanted) or [0])).options(selectinload(Variant.product)))}
    picked = [(variants[vid], qty) for vid, qty in wanted.items() if vid in variants]
    if not picked:
        raise InvalidOffer(_l("Put at least one item in the sample cart."), field="lines")
    others = [o for o in service.live_offers(when) if o.id != offer.id]
    rules = (*service.rules_for(others), service.rule_for(offer, preview=True))
    lines = service.engine_lines_for(picked)
    subtotal = sum(line.unit_price * line.quantity for line in lines)
    config = current_app.config
    shipping = 0 if subtotal >= config["FREE_SHIPPING_THRESHOLD"] else config["SHIPPING_FLAT_RATE"]
    outcome = engine.evaluate(lines, shopper, when, rules, shipping)
    preview_lines = [PreviewLine(variant, qty, line.unit_price * qty, share)
                     for (variant, qty), line, share in zip(picked, lines, outcome.line_discounts)]
    return PreviewResult(when, preview_lines, outcome, {r.id: r.name for r in rules}, subtotal, shipping)


# --- the store's scan page ------------------------------------------------------------------

@dataclass(frozen=True)
class ScanStatus:
    code: OfferCode | None
    offer: Offer | None
    valid: bool
    message: str
    used_at: dt.datetime | None = None


def scan_status(raw: str, now: dt.datetime) -> ScanStatus:
    """What the store staff sees for a scanned code: its offer and whether it can be used now."""
    value = service.normalise_code(raw)
    code = db.session.scalar(sa.select(OfferCode).where(OfferCode.code == value)) if value else None
    if code is None:
        return ScanStatus(None, None, False, str(_l("We do not know the code %(code)s.", code=value[:40])))
    offer = code.offer
    status = offer.status_at(now)
    if code.max_uses is not None and code.uses >= code.max_uses:
        used_at = db.session.scalar(
            sa.select(sa.func.max(sa.func.coalesce(Redemption.confirmed_at, Redemption.created_at)))
            .where(Redemption.code_id == code.id, Redemption.status != RedemptionStatus.RELEASED))
        return ScanStatus(code, offer, False, str(_l("Already used.")), used_at)
    if status != OfferStatus.LIVE:
        message = _l("Not valid yet: the offer has not started.") if status in (
            OfferStatus.DRAFT, OfferStatus.SCHEDULED) else _l("Expired: the offer has ended.")
        return ScanStatus(code, offer, False, str(message))
    if code.kind == CodeKind.SHARED:
        return ScanStatus(code, offer, False,
                          str(_l("This is a shared online code; scan the shopper's own QR code instead.")))
    if offer.remaining == 0:
        return ScanStatus(code, offer, False, str(_l("Sorry, this offer has run out.")))
    return ScanStatus(code, offer, True, str(_l("Valid now: the shopper may use it once.")))
