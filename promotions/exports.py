"""What leaves the shop for a channel: an offer's public links, and a batch of codes as CSV.

Links are absolute (setting PUBLIC_BASE_URL, else the request's host): they are printed, mailed
and posted far from the shop.
"""
from __future__ import annotations

import io
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l

from storefront.audit.service import record
from storefront.database import write_transaction
from storefront.errors import NotFoundError
from storefront.extensions import db
from storefront.spreadsheets import writer as csv_writer

from .lifecycle import get_offer
from .models import CodeBatch, Offer, OfferCode

CSV_COLUMNS = ("code", "channel", "utm_source", "utm_campaign", "offer", "link")


class BatchNotFound(NotFoundError):
    code = "batch_not_found"
    default_message = _l("We could not find that batch of codes.")


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


def batch_csv(batch_id: int, *, actor=None) -> tuple[CodeBatch, str]:
    """The batch's codes as CSV text, one row per code with its link; with an `actor`, the export
    is recorded in the audit log (in a write transaction of its own, committed).

    :raise BatchNotFound:
    """
    batch = db.session.get(CodeBatch, batch_id)
    if batch is None:
        raise BatchNotFound()
    offer = get_offer(batch.offer_id)
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for code, channel, utm_source, utm_campaign in db.session.execute(
            sa.select(OfferCode.code, OfferCode.channel, OfferCode.utm_source, OfferCode.utm_campaign)
            .where(OfferCode.batch_id == batch_id).order_by(OfferCode.id)):
        writer.writerow([code, channel, utm_source, utm_campaign, offer.name,
                         offer_link(offer, code, utm_source, utm_campaign)])
    if actor is not None:
        offer_id, size = offer.id, batch.size
        with write_transaction():
            record(actor, "offer.batch_exported", "offer", offer_id, batch_id=batch_id, size=size)
    return batch, buffer.getvalue()
