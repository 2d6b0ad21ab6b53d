"""Channel attribution: which platform and campaign brought each visit (and so each order).

Browsing sets no cookie, so no consent banner is needed to read the shop: reading a page writes
nothing (pages are cached for every anonymous visitor), and the page's beacon (`POST /beacon`,
static/js/beacon.js) never starts a session (`without_new_session`). What is recorded, and where:
- a visitor without a session: the beacon of a page they entered the shop on (from another site,
  or with no referrer) writes one `Visit` row with the page's `?utm_source=` / `?utm_campaign=` and
  the referring site, and keeps nothing on their device (`count_entry`); pages reached from one
  of ours are the same visit and count nothing;
- the first thing they do that needs a session (add to cart, apply a code: an accepted form of a
  storefront page) starts it, and the tags of the page it was sent from (its Referer) go into it
  (`attribute_action`); the visit itself was counted when they entered. A visitor without script
  sends no beacon, so is not counted as a visit, but their order still carries the page's tags;
- a visitor with a session (the social tab's launch starts one; so does a cart): each beacon
  keeps the page's tags in the session, last touch wins, and the first beacon of a new touch
  (another channel, UTM source or campaign) writes its `Visit` (`attribute_page_view`).
Checkout copies `session["channel"]`, `["utm_source"]` and `["utm_campaign"]` into the order.
Tags come from anyone's links, so they are cleaned, never trusted: control characters and
unexpected symbols are dropped and the length is bounded; a bad tag is never a 500.
"""
from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

from flask import request, session
from sqlalchemy.exc import SQLAlchemyError

from ..database import NestedWriteError, write_transaction
from ..extensions import db
from .models import CHANNEL_LENGTH, HOST_LENGTH, PATH_LENGTH, UTM_LENGTH, Visit

log = logging.getLogger(__name__)

# Shopper-facing pages. Everything else (static files, media, the JSON API, the back office,
# webhooks, feeds, platform launches, the demo page) is not a visit to the shop. Pages of these
# blueprints send the beacon (`is_tracked_page`, read by the layout).
TRACKED_BLUEPRINTS = frozenset({"catalog", "cart", "checkout", "tracking", "offers", "review_pages",
                                "question_pages", "legal"})
# Link unfurlers and crawlers fetch pages too; a visit from them would inflate every channel.
BOT_USER_AGENT = re.compile(r"bot|crawl|spider|slurp|facebookexternalhit|preview|headless", re.IGNORECASE)
# Letters and digits of any script (campaign names may be Latvian or Spanish) and these marks.
TAG_PUNCTUATION = frozenset("-_.+~ ")
# A raw value much longer than a tag is not read at all (it is cut, not scanned).
RAW_TAG_LIMIT = 4 * UTM_LENGTH


def clean_tag(raw: str | None, *, lower: bool = False) -> str:
    """A UTM value fit to store: allowed characters only, spaces collapsed, at most UTM_LENGTH.

    Anything else (control characters, markup, quotes) is dropped rather than refused: the tag
    came from a link the shopper did not write.
    """
    if not raw:
        return ""
    text = unicodedata.normalize("NFC", str(raw)[:RAW_TAG_LIMIT])
    kept = "".join(ch for ch in text if ch.isalnum() or ch in TAG_PUNCTUATION)
    cleaned = " ".join(kept.split())[:UTM_LENGTH].strip()
    return cleaned.lower() if lower else cleaned


def remember_utm_tags(args) -> None:
    """Keep the page's UTM tags in the session; a new source replaces source and campaign both."""
    source = clean_tag(args.get("utm_source"), lower=True)
    campaign = clean_tag(args.get("utm_campaign"))
    if source:
        session["utm_source"] = source
        session["utm_campaign"] = campaign
    elif campaign:
        session["utm_campaign"] = campaign


def referrer_host(referrer: str | None) -> str:
    if not referrer:
        return ""
    try:
        host = urlsplit(referrer[:2000]).hostname or ""
    except ValueError:
        return ""
    return clean_tag(host)[:HOST_LENGTH].replace(" ", "")


def _touch() -> tuple[str, str, str]:
    channel = clean_tag(session.get("channel"), lower=True)[:CHANNEL_LENGTH] or "web"
    return channel, session.get("utm_source", ""), session.get("utm_campaign", "")


def record_visit(landing_path: str, referrer: str | None) -> Visit | None:
    """Write the visit's row when this request starts a visit; None when the visit is already known.

    A database failure is logged and swallowed: the page matters more than the statistic, and
    the next request will try again.
    """
    touch = list(_touch())
    if session.get("visit_touch") == touch:
        return None
    visit = _write_visit(*touch, landing_path, referrer)
    if visit is not None:
        session["visit_id"] = visit.visit_key
        session["visit_touch"] = touch
    return visit


def _write_visit(channel: str, source: str, campaign: str, landing_path: str, referrer: str | None) -> Visit | None:
    visit = Visit(visit_key=secrets.token_hex(16), channel=channel, utm_source=source, utm_campaign=campaign,
                  landing_path=landing_path[:PATH_LENGTH], referrer_host=referrer_host(referrer))
    try:
        with write_transaction():
            db.session.add(visit)
    except (SQLAlchemyError, NestedWriteError):
        log.exception("could not record a visit")
        return None
    return visit


def visit_known() -> bool:
    """This visitor's session already holds their visit (a tab launch, or something they did)."""
    return "visit_touch" in session or "channel" in session


def is_entry(referrer: str | None) -> bool:
    """A page the visitor came to from another site, or from nowhere (typed, bookmarked): for a
    visitor without a session, the start of a visit. A page reached from one of ours is not."""
    host = referrer_host(referrer)
    return not host or host != referrer_host(request.host_url)


def counts_once_per_visit(referrer: str | None) -> bool:
    """Whether what a page showed (an offer's banner) is counted for this beacon: always for a
    visitor with a session, which remembers what it counted; without one, on the page that
    started the visit only."""
    return visit_known() or is_entry(referrer)


def count_entry(landing_path: str, tags: dict, referrer: str | None) -> Visit | None:
    """A visitor without a session entered the shop on this page: write its `Visit` and keep
    nothing. A page reached from one of the shop's own pages is the same visit (None)."""
    if not is_entry(referrer):
        return None
    source, campaign = clean_tag(tags.get("utm_source"), lower=True), clean_tag(tags.get("utm_campaign"))
    return _write_visit("web", source, campaign, landing_path, referrer)


@contextmanager
def without_new_session() -> Iterator[None]:
    """Whatever the block keeps in the session is dropped when the visitor had none: counting a
    page view must not set a cookie (only something the shopper does may). A visitor who has a
    session keeps what the block wrote."""
    had_session = bool(session)
    yield
    if not had_session and session:
        session.clear()
        session.modified = False  # empty and unmodified: Flask sends no Set-Cookie at all


def is_bot() -> bool:
    return bool(BOT_USER_AGENT.search(request.user_agent.string or ""))


def is_tracked_page() -> bool:
    """This request shows a storefront page that should send the beacon: a page the shopper
    asked for, not one answering a form (a refused add to cart, the cookies-blocked page)."""
    return request.method == "GET" and request.blueprint in TRACKED_BLUEPRINTS


def same_site_page(url: str | None) -> tuple[str, dict] | None:
    """The path and query arguments of a URL of this shop, None for anything else."""
    if not url:
        return None
    try:
        parts = urlsplit(url[:16384])
    except ValueError:
        return None
    if parts.netloc and parts.netloc != request.host:
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path, parse_qs(parts.query)


def _first(values: dict, name: str) -> str | None:
    found = values.get(name)
    return found[0] if found else None


def attribute_page_view(page: str | None, referrer: str | None) -> Visit | None:
    """The beacon of a page the shopper loaded: its tags into the session, a Visit if one starts."""
    if is_bot():
        return None
    landed = same_site_page(page)
    if landed is None:
        return None
    path, args = landed
    tags = {name: _first(args, name) for name in ("utm_source", "utm_campaign")}
    if not visit_known():  # no session, or one holding only a language or a form's token
        return count_entry(path, tags, referrer)
    remember_utm_tags(tags)
    return record_visit(path, referrer)


def attribute_action(response):
    """The `after_request` hook: the first form a shopper sends from a storefront page, accepted,
    keeps the tags of the page it was sent from in the session it starts, and marks this touch as
    counted (its beacon counted the visit when the shopper entered). A refused post (a forged one
    among them) keeps nothing."""
    if (request.method != "POST" or request.blueprint not in TRACKED_BLUEPRINTS or response.status_code >= 400
            or is_bot() or session.get("visit_touch")):
        return response
    landed = same_site_page(request.referrer)
    args = landed[1] if landed else {}
    remember_utm_tags({name: _first(args, name) for name in ("utm_source", "utm_campaign")})
    session["visit_touch"] = list(_touch())
    return response
