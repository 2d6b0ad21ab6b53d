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

The funnel's middle steps are counted per day (in the shop's zone), channel and UTM source in
`FunnelCount` rows, one upsert per count (`count_steps`), never per visitor. Each step counts
something distinct where the shop can tell, so the funnel narrows:
- product views: visits that reached a product page. With a session, the first product page's
  beacon of each touch counts, with the session's channel and source (a session started by a form
  sent from a product page already had that view counted, by its beacon). Without a session the
  shop cannot tell one visitor from another, so it counts each product page that was not reached
  from another product page (moving between products is the same look): a page the visitor
  entered on with its own tags, like its `Visit`; a page reached from one of ours with the tags of
  that page (entry "/?utm_source=facebook", then a product: facebook), else as "web" with no
  source. So a sessionless visit that goes back and forth between a list and products counts more
  than once, and the "web" row without a source may show more product views than visits;
- carts: a cart created by the first add to cart (`count_cart`), once per cart, with the session's
  tags (for the first form, those of the page it was sent from, as above);
- checkouts started: once per cart, when the shopper first reaches the checkout's details step
  (`count_checkout`); a cart that was not counted yet (one filled by Meta's checkout link) is
  counted with it, so every checkout has its cart.
Whether a touch's product view was counted rides on the session's `visit_touch` (a fourth item,
1), since a new session key would make the page cache treat the visitor's pages as their own;
which carts and checkouts were counted is kept in the session the cart already needs (a cart
means a cookie). Crawlers (`BOT_USER_AGENT`) count nothing; neither do carts made through the JSON
API (no channel) or visitors without script (no beacon: their product views are not counted).
Orders and paid orders are read from the orders themselves.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, request, session
from limits import parse_many
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from ..database import NestedWriteError, conflict_insert, utcnow, write_transaction
from ..extensions import client_network, db, limiter
from .models import CHANNEL_LENGTH, HOST_LENGTH, PATH_LENGTH, UTM_LENGTH, FunnelCount, FunnelStep, Visit

log = logging.getLogger(__name__)
VISIT_LIMIT_SCOPE = "beacon-visits"

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
# The storefront's product page: its beacon is a product view.
PRODUCT_ENDPOINT = "catalog.product"
# What a session with a cart remembers having counted: the cart whose creation and whose checkout were.
CART_COUNTED_KEY, CHECKOUT_COUNTED_KEY = "funnel_cart", "funnel_checkout"
# `visit_touch`'s fourth item once the touch's product view is counted.
VIEWED = 1


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


def _counted_touch() -> tuple[list | None, bool]:
    """The touch whose visit was counted ([channel, source, campaign]) and whether its product
    view was too (`visit_touch`'s fourth item)."""
    counted = session.get("visit_touch")
    if not isinstance(counted, list):
        return None, False
    return list(counted[:3]), counted[3:] == [VIEWED]


def record_visit(landing_path: str, referrer: str | None, *, product_view: bool = False) -> Visit | None:
    """Write the visit's row when this request starts a visit (and, for a product page, the touch's
    product view if it was not counted yet); None when the visit is already known.

    A database failure is logged and swallowed: the page matters more than the statistic, and
    the next request will try again.
    """
    touch = list(_touch())
    counted, viewed_before = _counted_touch()
    new_touch = counted != touch
    # Over the limit the visit is not recorded; the touch and its product view still are.
    visit = _new_visit(*touch, landing_path, referrer) if new_touch and may_start_visit() else None
    view = product_view and (new_touch or not viewed_before)
    if visit is not None or view:
        if not _write(visit, [FunnelStep.PRODUCT_VIEWS] if view else [], touch):
            return None
    elif not new_touch:
        return None
    if visit is not None:
        session["visit_id"] = visit.visit_key
    session["visit_touch"] = touch + ([VIEWED] if view or (viewed_before and not new_touch) else [])
    return visit


def may_start_visit() -> bool:
    """Whether this address may start one more visit (BEACON_VISIT_RATE_LIMIT, in the rate
    limits' store, every node's): the beacon takes made-up tags from anyone, and each visit is a
    row. Only a visit that would start counts against it, so an address over it still has its
    other counts (product and offer views); a store that is away lets the visit through, logged:
    a statistic never breaks a page, nor does its limit."""
    if not limiter.enabled:  # RATELIMIT_ENABLED=false: no limit anywhere
        return True
    try:
        items = parse_many(current_app.config["BEACON_VISIT_RATE_LIMIT"])
        # Keyed as Flask-Limiter keys a route's limit: the deployment's prefix (RATELIMIT_KEY_PREFIX:
        # shops sharing one Redis keep apart), whom it counts, the scope.
        keys = [current_app.config.get("RATELIMIT_KEY_PREFIX") or None, client_network(), VISIT_LIMIT_SCOPE]
        # Each hit counts and judges in one step in the store: beacons at once cannot all pass.
        return all([limiter.limiter.hit(item, *filter(None, keys)) for item in items])
    except Exception:  # the store's own errors (Redis, SQLite) are of many kinds
        log.warning("could not check the beacon's visit limit; the visit is counted", exc_info=True)
    return True


def _new_visit(channel: str, source: str, campaign: str, landing_path: str, referrer: str | None) -> Visit:
    return Visit(visit_key=secrets.token_hex(16), channel=channel, utm_source=source, utm_campaign=campaign,
                 landing_path=landing_path[:PATH_LENGTH], referrer_host=referrer_host(referrer))


def shop_day(now: dt.datetime) -> dt.date:
    """The calendar day of `now` in the shop's time zone (the dashboard's days)."""
    return now.astimezone(ZoneInfo(current_app.config["SHOP_TIMEZONE"])).date()


def _increments(steps: list[FunnelStep], channel: str, source: str, day: dt.date):
    """One INSERT … ON CONFLICT DO UPDATE adding 1 to each step's row of (day, channel, source):
    the database adds under its own row lock, so concurrent counts are never lost."""
    table = FunnelCount.__table__
    statement = conflict_insert(table).values([{"day": day, "channel": channel, "utm_source": source, "step": step.value,
                                       "count": 1} for step in steps])
    return statement.on_conflict_do_update(index_elements=[table.c.day, table.c.channel, table.c.utm_source,
                                                           table.c.step],
                                           set_={"count": table.c.count + 1})


def _write(visit: Visit | None, steps: list[FunnelStep], touch, now: dt.datetime | None = None) -> bool:
    """Write a visit and count funnel steps for `touch` (channel, source, …), in one transaction.
    False, logged, when the database refused: a statistic never breaks a page."""
    try:
        with write_transaction():
            if visit is not None:
                db.session.add(visit)
            if steps:
                db.session.execute(_increments(steps, touch[0], touch[1], shop_day(now or utcnow())))
    except (SQLAlchemyError, NestedWriteError):
        log.exception("could not record a visit or a funnel step")
        return False
    return True


def count_steps(steps: list[FunnelStep], channel: str, source: str, now: dt.datetime | None = None) -> bool:
    """Add one to each of `steps` for today (in the shop's zone), `channel` and `source`."""
    return _write(None, steps, (channel, source), now)


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


def count_entry(landing_path: str, tags: dict, referrer: str | None, *, product_view: bool = False) -> Visit | None:
    """A visitor without a session entered the shop on this page: write its `Visit` (and, on a
    product page, its product view) and keep nothing. A page reached from one of the shop's own
    pages is the same visit (None); on a product page it counts a product view unless it was
    reached from another product page, with the referring page's tags."""
    source, campaign = clean_tag(tags.get("utm_source"), lower=True), clean_tag(tags.get("utm_campaign"))
    if is_entry(referrer):
        # Over the limit the visit is not recorded; its product view still is.
        visit = _new_visit("web", source, campaign, landing_path, referrer) if may_start_visit() else None
        views = [FunnelStep.PRODUCT_VIEWS] if product_view else []
        return visit if (visit is not None or views) and _write(visit, views, ("web", source)) else None
    if product_view:
        came_from = same_site_page(referrer)
        if came_from is not None and not is_product_page(came_from[0]):
            count_steps([FunnelStep.PRODUCT_VIEWS], "web", clean_tag(_first(came_from[1], "utm_source"), lower=True))
    return None


def is_product_page(path: str) -> bool:
    """Whether `path` (of this shop) is a storefront product page."""
    try:
        endpoint, _ = current_app.url_map.bind(request.host).match(path, method="GET")
    except HTTPException:  # not a page of ours, or a redirect to one
        return False
    return endpoint == PRODUCT_ENDPOINT


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
    """The beacon of a page the shopper loaded: its tags into the session, a Visit if one starts,
    a product view if it is a product page (see the module's rules)."""
    if is_bot():
        return None
    landed = same_site_page(page)
    if landed is None:
        return None
    path, args = landed
    tags = {name: _first(args, name) for name in ("utm_source", "utm_campaign")}
    product_view = is_product_page(path)
    if not visit_known():  # no session, or one holding only a language or a form's token
        return count_entry(path, tags, referrer, product_view=product_view)
    remember_utm_tags(tags)
    return record_visit(path, referrer, product_view=product_view)


def _start_touch() -> list:
    """The session's touch (channel, source, campaign). The first form a shopper sends starts it
    with the tags of the page it was sent from, and marks it as counted: its visit was counted
    when the shopper entered, and, for a form on a product page, its product view by that page's
    beacon."""
    if not session.get("visit_touch"):
        landed = same_site_page(request.referrer)
        args = landed[1] if landed else {}
        remember_utm_tags({name: _first(args, name) for name in ("utm_source", "utm_campaign")})
        from_product = landed is not None and is_product_page(landed[0])
        session["visit_touch"] = list(_touch()) + ([VIEWED] if from_product else [])
    return list(_touch())


def attribute_action(response):
    """The `after_request` hook: the first form a shopper sends from a storefront page, accepted,
    keeps the tags of the page it was sent from in the session it starts, and marks this touch as
    counted (its beacon counted the visit when the shopper entered). A refused post (a forged one
    among them) keeps nothing."""
    if (request.method != "POST" or request.blueprint not in TRACKED_BLUEPRINTS or response.status_code >= 400
            or is_bot() or session.get("visit_touch")):
        return response
    _start_touch()
    return response


def count_cart(cart_id: int) -> None:
    """An add to cart succeeded: count the cart once, the first time (its creation), with the
    session's tags. Call it after the add; a refused add counts nothing."""
    if is_bot() or session.get(CART_COUNTED_KEY) == cart_id:
        return
    touch = _start_touch()
    if count_steps([FunnelStep.CARTS], touch[0], touch[1]):
        session[CART_COUNTED_KEY] = cart_id


def count_checkout(cart_id: int) -> None:
    """The shopper reached the checkout's details step with a cart: count its checkout once (and
    the cart, if it was filled without an add to cart, by Meta's checkout link)."""
    if is_bot() or session.get(CHECKOUT_COUNTED_KEY) == cart_id:
        return
    steps = [FunnelStep.CHECKOUTS] + ([FunnelStep.CARTS] if session.get(CART_COUNTED_KEY) != cart_id else [])
    touch = list(_touch())
    if count_steps(steps, touch[0], touch[1]):
        session[CART_COUNTED_KEY] = session[CHECKOUT_COUNTED_KEY] = cart_id
