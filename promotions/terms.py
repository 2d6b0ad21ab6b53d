"""What the marketer typed, read and checked: an offer's terms (benefit, target, conditions,
audience, window, caps), the zone its window was typed in, and the channel and UTM tags a code is
posted with. Bad input raises `InvalidOffer` naming its field; nothing here writes.

Windows are typed as local date-times in a chosen IANA zone (a place's: `zone_names`) and stored
as aware UTC. A local time that does not exist (the spring-forward gap) is refused with a message;
one that happens twice (the fall-back hour) means its first occurrence (``fold=0``, the earlier
instant), as the form says.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from storefront.catalog.editing import merged_translations
from storefront.catalog.models import Category, Product
from storefront.delivery import chargeable_methods
from storefront.errors import ShopError
from storefront.extensions import db
from storefront.money import MAX_PAYMENT, parse_major
from storefront.social.platforms import FORBIDDEN_AUDIENCES, configured_pages, permits, platform_label

from .models import Audience, Benefit, Target

OFFER_TEXT_LIMITS = {"name": 120, "description": 500}

CHANNEL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
UTM_PATTERN = re.compile(r"^[A-Za-z0-9._+~-]{0,80}$")
MAX_COUNT = 1_000_000_000                      # caps and quantities: well inside an INTEGER
MAX_AMOUNT = MAX_PAYMENT                       # money in minor units: what one payment can take
# A start typed as "today 00:00" a few hours into the day is meant; one further back (1900-01-01)
# is a slip, and scheduling it would put the offer live at once.
START_GRACE = dt.timedelta(days=1)
MAX_WINDOW_YEARS = 2                           # an end further off is a slip too (9999-12-31)

WINDOW_OVER = _l("This window is already over: choose an end in the future.")
BAD_UTM = _l("UTM tags: up to 80 letters, digits, dots, dashes or underscores.")


class InvalidOffer(ShopError):
    code = "invalid_offer"
    status = 422
    default_message = _l("Please check this value.")


# --- the shop's settings the forms offer --------------------------------------------------

def zone_names() -> list[str]:
    """The zones the forms offer, and the only ones an offer's window is typed in: the shop's own
    first (setting SHOP_TIMEZONE), then every place's zone of the IANA database (`_place_zones`).

    Not every name the database knows: `localtime` is the server's own clock (UTC on ours, so an
    offer moved by hours), `Factory` and `posixrules` are no place, `Etc/GMT-3` reads its sign
    backwards, and `PRC`, `W-SU` or `US/Pacific` are legacy aliases of a place's zone."""
    shop = shop_zone()
    return [shop, *(zone for zone in _place_zones() if zone != shop)]


@cache
def _place_zones() -> tuple[str, ...]:
    """The canonical Area/City zones of the database's country table (`zone.tab`: one for each
    country or region with its own clock), sorted; read once per process from the database
    `zoneinfo` loads from (the system's `TZPATH`, else the `tzdata` package)."""
    table = ""
    for folder in zoneinfo.TZPATH:
        if (Path(folder) / "zone.tab").is_file():
            table = (Path(folder) / "zone.tab").read_text(encoding="utf-8")
            break
    else:
        try:
            table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
        except (ModuleNotFoundError, FileNotFoundError):
            pass  # no table: only the shop's zone is offered
    named = {line.split("\t")[2] for line in table.splitlines() if line and not line.startswith("#")}
    return tuple(sorted(named & available_timezones()))


def form_zone(zone: str) -> str:
    """The zone a form shows an offer's window in: its own, or the shop's when the forms no longer
    offer it (an offer saved in `localtime` or `PRC` before they were refused), at the same instants."""
    return zone if zone in zone_names() else shop_zone()


def shop_zone() -> str:
    """The shop's own zone (setting SHOP_TIMEZONE), the default for a new offer's window."""
    return current_app.config["SHOP_TIMEZONE"]


# --- reading what the marketer typed --------------------------------------------------------
def local_to_utc(local: dt.datetime, zone: str, *, field: str) -> dt.datetime:
    """A wall-clock time in `zone` as aware UTC. Aware values are taken as they are.

    In the fall-back hour a time happens twice; it means the first (``fold=0``).
    :raise InvalidOffer: the time does not exist in that zone (the spring-forward gap), or is so
        near the year 1 or 9999 that it has no UTC instant.
    """
    if local.tzinfo is not None:
        return local.astimezone(dt.timezone.utc)
    tz = ZoneInfo(zone)
    aware = local.replace(tzinfo=tz, fold=0)
    try:
        back = aware.astimezone(dt.timezone.utc).astimezone(tz).replace(tzinfo=None, fold=0)
    except OverflowError:  # 9999-12-31 23:59 west of Greenwich is in the year 10000 in UTC
        raise InvalidOffer(_l("%(when)s is too far from today: choose a date within a few years of now.",
                              when=local.strftime("%Y-%m-%d %H:%M")), field=field) from None
    if back != local.replace(fold=0):
        raise InvalidOffer(_l("%(when)s does not exist in %(zone)s: the clocks go forward at that time. "
                              "Choose a time after the change.", when=local.strftime("%Y-%m-%d %H:%M"),
                              zone=zone), field=field)
    return aware.astimezone(dt.timezone.utc)


def utc_to_local(value: dt.datetime, zone: str) -> dt.datetime:
    """The naive wall-clock time of `value` in `zone` (for a form's date-time field)."""
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def clean_zone(value: str | None) -> str:
    """The zone chosen, or the shop's when empty.

    :raise InvalidOffer: not one of `zone_names` (an unknown name, or one the forms do not offer).
    """
    zone = (value or "").strip() or shop_zone()
    if zone not in zone_names():
        raise InvalidOffer(_l("Choose a time zone from the list."), field="timezone")
    return zone


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def whole_number(value, field: str, *, message, minimum: int, maximum: int = MAX_COUNT,
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


def check_not_over(ends_at: dt.datetime, now: dt.datetime) -> None:
    """:raise InvalidOffer: the window has already ended at `now`."""
    if ends_at <= now:
        raise InvalidOffer(WINDOW_OVER, field="ends_at")


def check_start_recent(starts_at: dt.datetime, zone: str, now: dt.datetime, *, scheduling: bool = False) -> None:
    """:raise InvalidOffer: the window starts more than `START_GRACE` before `now` (for a draft
    being scheduled, the message sends the marketer to edit it)."""
    if starts_at >= now - START_GRACE:
        return
    when = utc_to_local(starts_at, zone).strftime("%Y-%m-%d %H:%M")
    if scheduling:
        raise InvalidOffer(_l("This offer's start, %(when)s, is more than a day in the past: edit the offer and "
                              "choose a start from now on.", when=when), field="starts_at")
    raise InvalidOffer(_l("The start, %(when)s, is more than a day in the past: choose a start from now on.",
                          when=when), field="starts_at")


def _check_window_length(starts_at: dt.datetime, ends_at: dt.datetime, zone: str) -> None:
    """:raise InvalidOffer: the window ends more than `MAX_WINDOW_YEARS` after it starts (the same
    date that many years on; 28 February for a 29th)."""
    if ends_at - starts_at <= dt.timedelta(days=365 * MAX_WINDOW_YEARS):
        return  # within it whatever the calendar (and so a start late enough to have no such date)
    year = starts_at.year + MAX_WINDOW_YEARS
    latest = starts_at.replace(year=year, day=min(starts_at.day, calendar.monthrange(year, starts_at.month)[1]))
    if ends_at > latest:
        raise InvalidOffer(_l("An offer runs for at most 2 years: choose an end no later than %(latest)s.",
                              latest=utc_to_local(latest, zone).strftime("%Y-%m-%d %H:%M")), field="ends_at")


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

    :raise InvalidOffer: on the first field that breaks a rule; with `check_past` (the window may
        still change: the offer is not live), also a window that is already over at `now`, starts
        more than a day before it or lasts more than `MAX_WINDOW_YEARS`.
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
    if "translations" in data:  # the name and description in the shop's other languages
        columns["translations"] = merged_translations({}, data["translations"], OFFER_TEXT_LIMITS)
    target, product_ids, category_ids = _clean_target(data)
    columns["target"] = target
    columns["min_subtotal"] = _money(data.get("min_subtotal"), "min_subtotal",
                                     message=_l("A minimum subtotal must be an amount more than zero (or empty)."))
    columns["min_quantity"] = whole_number(
        data.get("min_quantity"), "min_quantity", minimum=1,
        message=_l("A minimum quantity is a whole number from 1 to 1,000,000,000 (or empty)."))
    columns.update(_clean_audience(data))
    columns.update(_clean_window(data, now=now, check_past=check_past))
    cap_message = _l("A cap is a whole number from 1 to 1,000,000,000 (leave it empty for no cap).")
    columns["cap_total"] = whole_number(data.get("cap_total"), "cap_total", minimum=1, message=cap_message)
    columns["cap_per_customer"] = whole_number(data.get("cap_per_customer"), "cap_per_customer", minimum=1,
                                               message=cap_message)
    columns["exclusive"] = bool(data.get("exclusive"))
    priority = whole_number(data.get("priority"), "priority", minimum=-1000, maximum=1000,
                            message=_l("Priority is a whole number from -1000 to 1000."))
    columns["priority"] = 0 if priority is None else priority
    columns["thank_you"] = bool(data.get("thank_you"))
    return OfferTerms(columns=columns, product_ids=product_ids, category_ids=category_ids)


def _clean_benefit(data: Mapping) -> dict:
    """The benefit and its one amount (percent, amount, or buy and get quantities). :raise InvalidOffer:"""
    benefit = data.get("benefit")
    if benefit not in set(Benefit):
        raise InvalidOffer(_l("Choose what the offer gives."), field="benefit")
    columns = {"benefit": str(benefit), "percent": None, "amount": None, "buy_qty": None, "get_qty": None,
               "shipping_methods": ["standard"]}
    if benefit == Benefit.PERCENT:
        columns["percent"] = whole_number(
            data.get("percent"), "percent", minimum=1, maximum=100, required=True,
            message=_l("A percentage off is a whole number from 1 to 100."))
    elif benefit == Benefit.FIXED:
        columns["amount"] = _money(data.get("amount"), "amount", required=True,
                                   message=_l("A fixed amount off must be more than zero, e.g. 5.00."))
    elif benefit == Benefit.FREE_SHIPPING:
        columns["shipping_methods"] = _clean_methods(data.get("shipping_methods"))
    elif benefit == Benefit.BUY_X_GET_Y:
        message = _l("Buy X get Y needs X and Y as whole numbers from 1 to 1,000,000,000.")
        for key in ("buy_qty", "get_qty"):
            columns[key] = whole_number(data.get(key), key, minimum=1, message=message)
        for key in ("buy_qty", "get_qty"):  # malformed first, then missing, as the form reads
            if columns[key] is None:
                raise InvalidOffer(message, field=key)
    return columns


def _clean_methods(values) -> list[str]:
    """The delivery methods a free-shipping offer makes free, in the shop's order; standard when
    none is given (an API caller or an older form). :raise InvalidOffer: an unknown method."""
    chosen = {str(value) for value in values or ()} if not isinstance(values, str) else {values}
    if not chosen:
        return ["standard"]
    allowed = chargeable_methods(current_app.config)
    if not chosen <= set(allowed):
        raise InvalidOffer(_l("Choose the deliveries it makes free from the list."), field="shipping_methods")
    return [method for method in allowed if method in chosen]


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
        check_tab_pages(pages)
    return {"audience": audience, "audience_pages": pages}


def _clean_window(data: Mapping, *, now: dt.datetime, check_past: bool) -> dict:
    """The window in aware UTC, and the zone it was typed in.

    :raise InvalidOffer: a bad zone, a missing or non-existent time, an end not after the start,
        or (with `check_past`) an end already past at `now`, a start more than a day before it, or
        an end more than `MAX_WINDOW_YEARS` after the start.
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
    if check_past:  # a live offer's window cannot change: it is not checked again
        check_not_over(ends_at, now)
        check_start_recent(starts_at, zone, now)
        _check_window_length(starts_at, ends_at, zone)
    return {"starts_at": starts_at, "ends_at": ends_at, "timezone": zone}


def check_tab_pages(pages: Sequence[str]) -> None:
    """:raise InvalidOffer: no page is connected, or one of `pages` is not connected or its platform
    does not permit offers for its tab's visitors."""
    configured = dict(configured_pages())
    if not configured:
        raise InvalidOffer(_l("No social page is connected to the shop (setting SOCIAL_APPS), so no one can "
                              "arrive as a tab visitor."), field="audience")
    for page in pages:
        if page not in configured:
            raise InvalidOffer(_l("%(page)s is not one of the shop's connected pages.", page=page[:80]),
                               field="audience_pages")
        platform = page.split(":", 1)[0]
        if not permits(platform, Audience.TAB_VISITORS):
            raise InvalidOffer(_l("%(platform)s does not permit offers for the visitors of its page tab.",
                                  platform=platform_label(platform)), field="audience_pages")


def clean_channel(channel, utm_source, utm_campaign) -> tuple[str, str, str]:
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
