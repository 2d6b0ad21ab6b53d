"""Views and carts per offer, channel and UTC day (`OfferDailyStat`), for the marketer's results.

A view is an offer's banner or page shown to a shopper it is for; a cart is a cart page showing
the offer applied. Each counts once per visit and offer: the offers already counted are kept in
the session. The view that shows offers notes them (`note_view`, `note_banner_views`,
`note_cart_offers`). Reading a page writes nothing (pages are cached for every anonymous visitor
of their audience), so a page's views are counted by its beacon: the layout lists the offers the
page showed (`offers_shown`) and static/js/shop.js posts them once the page has loaded
(`count_page_views`). A cart is counted when the cart page is built (`flush`, the after-request
hook `promotions.init_app` registers), only for a page that was shown (below 400) to a shopper
who has a cart, and so a session. Each count is one upsert per offer that adds in SQL
(``views = views + 1``), so two visits counted at once never lose one. Templates only read.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

import sqlalchemy as sa
from flask import g, has_request_context, session
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from storefront.database import NestedWriteError, utcnow, write_transaction
from storefront.extensions import db

from .banners import banners_for, is_eligible
from .models import Offer, OfferDailyStat

SESSION_KEY = "offer_seen"
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


def count_page_views(offer_ids: Iterable[int]) -> None:
    """Count a view of each named offer that exists and this visit has not counted yet (the
    beacon of a page that showed them), in a write transaction of its own."""
    seen = session.get(SESSION_KEY) or {}
    wanted = sorted(set(offer_ids) - set(seen.get("views", [])))
    if not wanted:
        return
    existing = db.session.scalars(sa.select(Offer.id).where(Offer.id.in_(wanted))).all()
    if not existing:
        return
    _write({"views": sorted(existing), "carts": []}, seen)


def _write(new: dict[str, list[int]], seen: dict) -> bool:
    channel = session.get("channel") or "web"
    day = utcnow().date()
    try:
        with write_transaction():
            for offer_id in new["views"]:
                count(offer_id, channel, day, views=1)
            for offer_id in new["carts"]:
                count(offer_id, channel, day, carts=1)
    except (SQLAlchemyError, NestedWriteError):
        log.exception("could not count offer views and carts")
        return False
    session[SESSION_KEY] = {kind: sorted(set(seen.get(kind, [])) | set(new[kind])) for kind in ("views", "carts")}
    return True


def count(offer_id: int, channel: str, day: dt.date, *, views: int = 0, carts: int = 0) -> None:
    """Add to one offer's counters for a channel and day, in the caller's transaction."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = OfferDailyStat.__table__
    statement = insert(table).values(offer_id=offer_id, channel=channel[:40], day=day, views=views, carts=carts)
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
