"""Channel attribution: which platform and campaign brought each visit (and so each order).

A `before_request` hook (registered by `social.init_app`) looks at storefront page GETs only:
- `?utm_source=` / `?utm_campaign=` go into the session, last touch wins (checkout copies
  `session["channel"]`, `["utm_source"]` and `["utm_campaign"]` into the order);
- the first page of a visit writes one `Visit` row and keeps its random key in
  `session["visit_id"]`; later pages of the same visit write nothing. A new touch (another
  channel, or another UTM source or campaign) starts a new visit, so each row says truly where
  that visit came from.
Tags come from anyone's links, so they are cleaned, never trusted: control characters and
unexpected symbols are dropped and the length is bounded; a bad tag is never a 500.
"""
from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from urllib.parse import urlsplit

from flask import request, session
from sqlalchemy.exc import SQLAlchemyError

from ..database import NestedWriteError, write_transaction
from ..extensions import db
from .models import CHANNEL_LENGTH, HOST_LENGTH, PATH_LENGTH, UTM_LENGTH, Visit

log = logging.getLogger(__name__)

# Shopper-facing pages. Everything else (static files, media, the JSON API, the back office,
# webhooks, feeds, platform launches, the demo page) is not a visit to the shop.
TRACKED_BLUEPRINTS = frozenset({"catalog", "cart", "checkout", "tracking"})
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


def record_visit() -> Visit | None:
    """Write the visit's row when this page starts a visit; None when the visit is already known.

    A database failure is logged and swallowed: the page matters more than the statistic, and
    the next page will try again.
    """
    touch = list(_touch())
    if session.get("visit_id") and session.get("visit_touch") == touch:
        return None
    channel, source, campaign = touch
    visit = Visit(visit_key=secrets.token_hex(16), channel=channel, utm_source=source, utm_campaign=campaign,
                  landing_path=request.path[:PATH_LENGTH], referrer_host=referrer_host(request.referrer))
    try:
        with write_transaction():
            db.session.add(visit)
    except (SQLAlchemyError, NestedWriteError):
        log.exception("could not record a visit")
        return None
    session["visit_id"] = visit.visit_key
    session["visit_touch"] = touch
    return visit


def is_storefront_page() -> bool:
    return (request.method == "GET" and request.blueprint in TRACKED_BLUEPRINTS
            and not BOT_USER_AGENT.search(request.user_agent.string or ""))


def attribute_request() -> None:
    """The `before_request` hook: tags into the session, and a Visit when one starts."""
    if not is_storefront_page():
        return
    remember_utm_tags(request.args)
    record_visit()
