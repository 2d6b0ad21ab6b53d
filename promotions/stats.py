"""Views and carts per offer, channel and UTC day (`OfferDailyStat`), for the marketer's results.

A view is an offer's banner or page shown to a shopper it is for; a cart is a cart page showing
the offer applied. Each counts once per visit and offer: the offers already counted are kept in
the session. Pages only note what they showed (`note_view`, `note_cart`); the counts are written
after the response is built (`flush`, an after-request hook), in one upsert per offer that adds
in SQL (``views = views + 1``), so two visits counted at once never lose one.
"""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import g, has_request_context, session
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from storefront.database import utcnow
from storefront.extensions import db

from .models import OfferDailyStat

SESSION_KEY = "offer_seen"
log = logging.getLogger(__name__)


def _pending() -> dict[str, set[int]]:
    return g.setdefault("offer_stats_pending", {"views": set(), "carts": set()})


def note_view(offer_ids) -> str:
    """Count a view of these offers for this visit (returns "" so templates can call it)."""
    if has_request_context():
        _pending()["views"].update(offer_ids)
    return ""


def note_cart(offer_ids) -> str:
    if has_request_context():
        _pending()["carts"].update(offer_ids)
    return ""


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
    """After a page: count what it showed that this visit had not counted yet, and commit.

    A failure to count is logged and never breaks the page."""
    pending = g.pop("offer_stats_pending", None)
    if not pending or response.status_code >= 400:
        return response
    seen = session.get(SESSION_KEY) or {}
    new = {kind: sorted(set(ids) - set(seen.get(kind, []))) for kind, ids in pending.items()}
    if not any(new.values()):
        return response
    channel = session.get("channel") or "web"
    day = utcnow().date()
    try:
        db.session.rollback()  # the page's reads are over; count in a transaction of its own
        for offer_id in new["views"]:
            count(offer_id, channel, day, views=1)
        for offer_id in new["carts"]:
            count(offer_id, channel, day, carts=1)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not count offer views and carts")
        return response
    session[SESSION_KEY] = {kind: sorted(set(seen.get(kind, [])) | set(new[kind])) for kind in ("views", "carts")}
    return response
