"""Channel attribution: which platform and campaign brought each visit (and so each order).

Reading a page writes nothing and sets no cookie (so pages can be cached for every anonymous
visitor). A visit is recorded instead by the first request that may have a session:
- the page's beacon (`POST /beacon`, sent by static/js/shop.js once a storefront page has loaded)
  names the page the shopper landed on, with its `?utm_source=` / `?utm_campaign=`, and the
  referring site (`attribute_page_view`);
- without script, the first form the shopper sends on a storefront page (add to cart, …) does the
  same from its Referer (`attribute_action`).
Either way the tags go into the session, last touch wins (checkout copies `session["channel"]`,
`["utm_source"]` and `["utm_campaign"]` into the order), and the first request of a visit writes
one `Visit` row and keeps its random key in `session["visit_id"]`; later ones write nothing. A
new touch (another channel, or another UTM source or campaign) starts a new visit, so each row
says truly where that visit came from.
Tags come from anyone's links, so they are cleaned, never trusted: control characters and
unexpected symbols are dropped and the length is bounded; a bad tag is never a 500.
"""
from __future__ import annotations

import logging
import re
import secrets
import unicodedata
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
                                "question_pages"})
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
    if session.get("visit_id") and session.get("visit_touch") == touch:
        return None
    channel, source, campaign = touch
    visit = Visit(visit_key=secrets.token_hex(16), channel=channel, utm_source=source, utm_campaign=campaign,
                  landing_path=landing_path[:PATH_LENGTH], referrer_host=referrer_host(referrer))
    try:
        with write_transaction():
            db.session.add(visit)
    except (SQLAlchemyError, NestedWriteError):
        log.exception("could not record a visit")
        return None
    session["visit_id"] = visit.visit_key
    session["visit_touch"] = touch
    return visit


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
    remember_utm_tags({name: _first(args, name) for name in ("utm_source", "utm_campaign")})
    return record_visit(path, referrer)


def attribute_action(response):
    """The `after_request` hook: a form sent from a storefront page and accepted starts the visit
    when no beacon did (a shopper without script), from the page it was sent from. A refused post
    (a forged one among them) starts nothing."""
    if (request.method != "POST" or request.blueprint not in TRACKED_BLUEPRINTS or response.status_code >= 400
            or is_bot() or session.get("visit_id")):
        return response
    landed = same_site_page(request.referrer)
    path, args = landed if landed else (request.path, {})
    remember_utm_tags({name: _first(args, name) for name in ("utm_source", "utm_campaign")})
    record_visit(path, None)
    return response
