"""Views and carts per offer, channel and UTC day (`OfferDailyStat`), for the marketer's results.

A view is an offer's page or banner shown to a shopper: every load of the offer page counts (it is
where the offer's links lead, whoever opens them), a banner once per visit, to a shopper the offer
is for. A cart is a cart page showing the offer applied, once per visit. The offers a visit has
counted are kept in the session. Reading a page writes nothing (pages are cached for every
anonymous visitor of their audience), so a page's views are counted by its beacon: the layout
lists the banners the page showed (`offers_shown`) and static/js/beacon.js posts them with the
page's address once it has loaded (`count_page_views`, which knows an offer page by that address,
so a copy from the cache counts like a fresh one). A cart is counted when the cart page is built
(`flush`, the after-request hook `promotions.init_app` registers), only for a page that was shown
(below 400) to a shopper who has a cart, and so a session. Each counts under the visit's channel,
or under the channel of the offer's code when the shopper entered one (the channel that brought
the shopper to it), as the offer's redemptions do. Each count is one upsert per offer that adds in
SQL (``views = views + 1``), so two visits counted at once never lose one. Templates only read.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app, g, has_request_context, session
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from storefront.database import NestedWriteError, conflict_insert, utcnow, write_transaction
from storefront.extensions import db

from .banners import banners_for, is_eligible
from .codes import find_code
from .models import Offer, OfferDailyStat
from .service import CODE_SESSION_KEY, offer_by_slug

SESSION_KEY = "offer_seen"
OFFER_PAGE_ENDPOINT = "offers.show"
# A beacon names at most this many offers (a page shows a handful; more is not a page's beacon).
MAX_BEACON_OFFERS = 20
log = logging.getLogger(__name__)


def _pending() -> dict[str, set[int]]:
    return g.setdefault("offer_stats_pending", {"views": set(), "carts": set()})


def note_view(offer_ids: Iterable[int]) -> None:
    """Count a view of these offers for this visit, once the page is built."""
    if has_request_context():
        _pending()["views"].update(offer_ids)


def note_banner_views(product=None) -> None:
    """Count the banners a page shows (`banners.banners_for`) as views, of the offers whose
    audience the shopper is in. For the views of the pages that show banners."""
    note_view(shown.offer.id for shown in banners_for(product) if is_eligible(shown.verdict))


def note_cart_offers(totals) -> None:
    """The cart page shows these totals: count a cart for each offer applied to them."""
    if has_request_context() and totals is not None and totals.offers is not None:
        _pending()["carts"].update(applied.offer_id for applied in totals.offers.applied)


def offers_shown() -> list[int]:
    """The offers this page shows its shopper, for the page's beacon (the layout reads it)."""
    if not has_request_context():
        return []
    return sorted(g.get("offer_stats_pending", {}).get("views", ()))


def parse_offer_ids(raw: str | None) -> list[int]:
    """The offer ids a beacon names ("3,7"), at most MAX_BEACON_OFFERS; junk is dropped."""
    ids = set()
    for part in (raw or "").split(",")[:MAX_BEACON_OFFERS]:
        part = part.strip()
        if part.isascii() and part.isdigit() and len(part) < 10:
            ids.add(int(part))
    return sorted(ids)


def offer_on_page(page_path: str | None) -> int | None:
    """The offer whose page is at `page_path` (as a beacon names it), None for any other page."""
    if not page_path:
        return None
    try:
        endpoint, values = current_app.url_map.bind("").match(page_path, method="GET")
    except HTTPException:
        return None
    if endpoint != OFFER_PAGE_ENDPOINT:
        return None
    offer = offer_by_slug(values["slug"])
    return offer.id if offer is not None else None


def count_page_views(offer_ids: Iterable[int], page_path: str | None = None) -> None:
    """The beacon of a page at `page_path` that showed the banners of `offer_ids`: count a view of
    the offer whose page it is, every time, and of each banner's offer that exists and this visit
    has not counted yet, in a write transaction of its own."""
    seen = session.get(SESSION_KEY) or {}
    page_offer = offer_on_page(page_path)
    wanted = sorted(set(offer_ids) - set(seen.get("views", [])) - {page_offer})
    banners = db.session.scalars(sa.select(Offer.id).where(Offer.id.in_(wanted))).all() if wanted else []
    if banners or page_offer is not None:
        _write({"views": sorted(banners), "carts": [], "page": page_offer}, seen)


def _channel_of(offer_id: int, code) -> str:
    """Where this view or cart of the offer came from: its code's channel if the shopper entered
    one of its codes, else the visit's."""
    if code is not None and code.offer_id == offer_id and code.channel:
        return code.channel
    return session.get("channel") or "web"


def _write(new: dict, seen: dict) -> bool:
    raw_code = session.get(CODE_SESSION_KEY)
    code = find_code(raw_code) if raw_code else None
    day = utcnow().date()
    try:
        with write_transaction():
            if new.get("page") is not None:
                count(new["page"], _channel_of(new["page"], code), day, views=1)
            for offer_id in new["views"]:
                count(offer_id, _channel_of(offer_id, code), day, views=1)
            for offer_id in new["carts"]:
                count(offer_id, _channel_of(offer_id, code), day, carts=1)
    except (SQLAlchemyError, NestedWriteError):
        log.exception("could not count offer views and carts")
        return False
    session[SESSION_KEY] = {kind: sorted(set(seen.get(kind, [])) | set(new[kind])) for kind in ("views", "carts")}
    return True


def count(offer_id: int, channel: str, day: dt.date, *, views: int = 0, carts: int = 0) -> None:
    """Add to one offer's counters for a channel and day, in the caller's transaction."""
    table = OfferDailyStat.__table__
    statement = conflict_insert(table).values(offer_id=offer_id, channel=channel[:40], day=day, views=views, carts=carts)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.offer_id, table.c.channel, table.c.day],
        set_={"views": table.c.views + statement.excluded.views, "carts": table.c.carts + statement.excluded.carts})
    db.session.execute(statement)


def flush(response):
    """After a cart page: count the offers it showed applied that this visit had not counted yet.
    A failure to count is logged and never breaks the page."""
    pending = g.pop("offer_stats_pending", None)
    if not pending or not pending["carts"] or response.status_code >= 400:
        return response
    seen = session.get(SESSION_KEY) or {}
    new_carts = sorted(set(pending["carts"]) - set(seen.get("carts", [])))
    if new_carts:
        _write({"views": [], "carts": new_carts}, seen)
    return response
