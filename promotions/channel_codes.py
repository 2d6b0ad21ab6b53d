"""The codes a marketer posts to a channel: one shared code for its followers, or a batch of
single-use codes (exported as CSV by `promotions.exports`).

Each use case checks its input, stores the codes through `codes.add_codes` (a clash with an
existing code is refused for a typed code and drawn again for a random one), writes an audit entry
and commits, in one write transaction; bad input raises a `ShopError` naming its field, and
nothing is written.
"""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import lazy_gettext as _l

from storefront.audit.service import record
from storefront.database import utcnow, write_transaction
from storefront.extensions import db
from storefront.social.platforms import permits

from .codes import add_code, add_codes, is_well_formed, new_codes, normalise_code
from .lifecycle import OfferStateConflict, get_offer
from .models import Audience, CodeBatch, CodeKind, Offer, OfferCode, OfferState
from .terms import InvalidOffer, clean_channel, whole_number

# Channels a code can be posted to (attribution); the platforms' own names first.
CHANNELS = ("meta", "instagram", "telegram", "vk", "email", "web", "store")
MAX_BATCH = 10_000


def _offer_taking_codes(offer_id: int, now: dt.datetime | None) -> Offer:
    """The offer, if it may still get codes. :raise OfferNotFound, OfferStateConflict: it has ended."""
    offer = get_offer(offer_id)
    if offer.state == OfferState.ENDED_EARLY or (now is not None and offer.ends_at <= now):
        raise OfferStateConflict(_l("This offer has ended; it takes no new codes."))
    return offer


def _check_code_shape(value: str) -> None:
    """A typed code (normalised) has the shape of every stored code (`codes.CODE_PATTERN`).

    Letters are Latin A–Z only: a shopper reads the code on a post or a flyer and types it on
    any keyboard, and "ŠALLE" typed as "SALLE" would be an unknown code. Rather than store a
    transliteration the marketer did not write, the message names the characters to change.
    :raise InvalidOffer: with the characters that cannot be used, or else the length and shape.
    """
    if is_well_formed(value):
        return
    others = "".join(dict.fromkeys(re.findall(r"[^A-Z0-9-]", value)))
    if others:
        raise InvalidOffer(_l("A code has only Latin letters A–Z, digits and dashes, not %(characters)s: write S "
                              "for Š, A for Ā and so on.", characters=" ".join(others)), field="code")
    raise InvalidOffer(_l("A code is 4 to 40 Latin letters A–Z, digits or dashes, starting with a letter or digit."),
                       field="code")


@write_transaction()
def add_shared_code(offer_id: int, code: str, channel: str, utm_source: str, utm_campaign: str,
                    channel_only: bool, actor, now: dt.datetime | None = None) -> OfferCode:
    """One code for a channel's followers (unlimited uses; the offer's caps still apply).

    :raise OfferNotFound:
    :raise OfferStateConflict: the offer has ended.
    :raise InvalidOffer: a malformed code, channel or UTM tag, or `channel_only` for a channel
        that is not a platform permitting code-holder offers.
    :raise CodeTaken: another offer's code (or one saved at the same moment) has this text.
    """
    offer = _offer_taking_codes(offer_id, now)
    value = normalise_code(code)
    _check_code_shape(value)
    channel, utm_source, utm_campaign = clean_channel(channel, utm_source, utm_campaign)
    if channel_only and not permits(channel, Audience.CODE_HOLDERS):
        raise InvalidOffer(_l("Only a social platform's code can be limited to shoppers who came from its tab."),
                           field="channel_only")
    row = add_code(lambda: dict(
        offer_id=offer.id, code=value, kind=CodeKind.SHARED, channel=channel, utm_source=utm_source,
        utm_campaign=utm_campaign, channel_only=bool(channel_only), max_uses=None, uses=0), attempts=1)
    record(actor, "offer.code_added", "offer", offer.id, code=value, channel=channel, utm_source=utm_source,
           utm_campaign=utm_campaign, channel_only=bool(channel_only))
    return row


@write_transaction()
def create_batch(offer_id: int, size, channel: str, utm_source: str, utm_campaign: str, actor,
                 now: dt.datetime | None = None) -> CodeBatch:
    """`size` unique single-use codes for one channel.

    :raise OfferNotFound:
    :raise OfferStateConflict: the offer has ended.
    :raise InvalidOffer: a size outside 1 to 10,000, or a malformed channel or UTM tag.
    """
    offer = _offer_taking_codes(offer_id, now)
    size = whole_number(size, "size", minimum=1, maximum=MAX_BATCH, required=True,
                        message=_l("A batch has 1 to 10,000 codes."))
    channel, utm_source, utm_campaign = clean_channel(channel, utm_source, utm_campaign)
    created = now or utcnow()
    batch = CodeBatch(offer_id=offer.id, channel=channel, utm_source=utm_source, utm_campaign=utm_campaign,
                      size=size, created_by_id=getattr(actor, "id", None), created_at=created)
    db.session.add(batch)
    db.session.flush()
    add_codes(lambda: [dict(offer_id=offer.id, batch_id=batch.id, code=value, kind=CodeKind.UNIQUE, channel=channel,
                            utm_source=utm_source, utm_campaign=utm_campaign, channel_only=False, max_uses=1,
                            uses=0, created_at=created) for value in new_codes(size)])
    record(actor, "offer.batch_created", "offer", offer.id, batch_id=batch.id, size=size, channel=channel,
           utm_source=utm_source, utm_campaign=utm_campaign)
    return batch
