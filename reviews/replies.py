"""The brand's official reply to a review, and the canned replies support starts from.

One reply per review, held by the database (`review_replies.review_id` is unique): of two staff
replying at once, one writes it and the other gets `ReplyExists` naming who replied. Writing it
stops the inbox clock of the review's items (a public reply), e-mails the reviewer in the review's
language with links to the product page and to their own review page (where they may add a
follow-up), and sends `signals.review_replied`, all in one transaction. An edit keeps the earlier
text in `ReplyVersion`; the reviewer is not e-mailed again.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from storefront.accounts.models import User
from storefront.audit.service import record
from storefront.database import write_transaction
from storefront.errors import ConflictError, NotFoundError, ShopError
from storefront.extensions import db
from storefront.mail.service import queue_email

from . import inbox, signals
from .models import CannedReply, Reply, ReplyVersion, Review, ReviewStatus

BODY_MAX = 5000
CANNED_KEY_MAX = 60
CANNED_TITLE_MAX = 120
REPLY_MAIL = "review_reply"


class InvalidReply(ShopError):
    code = "invalid_reply"
    default_message = _l("Please check the reply.")


class ReplyExists(ConflictError):
    code = "reply_exists"
    default_message = _l("This review already has a reply.")


class ReplyNotFound(NotFoundError):
    code = "reply_not_found"
    default_message = _l("We could not find that reply.")


class ReviewNotFound(NotFoundError):
    code = "review_not_found"
    default_message = _l("We could not find that review.")


class ReviewNotShown(ConflictError):
    code = "review_withheld"
    default_message = _l("This review is withheld, so a public reply would not be shown. Re-publish it first, "
                         "or write to the reviewer privately.")


class CannedReplyNotFound(NotFoundError):
    code = "canned_reply_not_found"
    default_message = _l("We could not find that canned reply.")


def clean_body(body: str | None) -> str:
    """:raise InvalidReply: when empty or longer than BODY_MAX."""
    # Browsers send a textarea's line breaks as CRLF: kept as "\n", so paragraphs ("\n\n") split.
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InvalidReply(_l("Write the reply first."), field="body")
    if len(text) > BODY_MAX:
        raise InvalidReply(_l("A reply can be at most %(n)d characters.", n=BODY_MAX), field="body")
    return text


def _already_replied(review_id: int) -> ReplyExists:
    """The refusal for a second reply, naming who wrote the first."""
    author = db.session.scalar(sa.select(User.email).join(Reply, Reply.author_id == User.id)
                               .where(Reply.review_id == review_id))
    reply_id = db.session.scalar(sa.select(Reply.id).where(Reply.review_id == review_id))
    if author:
        message = _l("%(who)s has already replied to this review. Reload the page to see the reply; you can "
                     "edit it there.", who=author)
    else:
        message = _l("This review already has a reply. Reload the page to see it; you can edit it there.")
    return ReplyExists(message, replied_by=author or "", reply_id=reply_id)


def reply_to_review(review_id: int, body: str, *, actor: User, now: dt.datetime) -> Reply:
    """Write the brand's official reply to a review.

    :raise inbox.NotAllowed: when the actor may not answer customers.
    :raise InvalidReply: for an empty or too long text (nothing written).
    :raise ReviewNotFound:
    :raise ReviewNotShown: when the review is withheld.
    :raise ReplyExists: when the review has a reply (also one written a moment ago by someone else).
    """
    inbox.require_support(actor)
    text = clean_body(body)
    with write_transaction():
        # Locked: the reviewer's edit (which a reply ends) and the reply happen one after the other.
        review = db.session.get(Review, review_id, with_for_update=True)
        if review is None:
            raise ReviewNotFound()
        if review.status == ReviewStatus.WITHHELD:
            raise ReviewNotShown()
        if db.session.scalar(sa.select(Reply.id).where(Reply.review_id == review_id)) is not None:
            raise _already_replied(review_id)
        reply = Reply(review_id=review.id, author_id=actor.id, body=text, language=review.language, created_at=now)
        try:
            # PostgreSQL: a concurrent twin waits here on the unique index until the first commits,
            # then fails; SQLite's write lock already made it see the reply above.
            with db.session.begin_nested():
                db.session.add(reply)
                db.session.flush()
        except sa.exc.IntegrityError:
            raise _already_replied(review_id) from None
        inbox.record_response(now=now, response_kind=inbox.ResponseKind.PUBLIC_REPLY, actor_id=actor.id,
                              review_id=review.id)
        if review.email:
            queue_email(REPLY_MAIL, recipient=review.email, locale=review.language, now=now, ref_id=reply.id,
                        key=f"review_reply:{reply.id}")
        record(actor, "review.reply", "review", review.id, reply_id=reply.id)
        signals.review_replied.send(reply, actor=actor, now=now)
    return reply


def edit_reply(reply_id: int, body: str, *, actor: User, now: dt.datetime) -> Reply:
    """Change the reply's text; the text it replaces is kept (shown as an earlier version).
    Sending the same text again changes nothing.

    The review has its one reply already, so when its reviewer has since lowered it to a negative
    rating (a new negative_review item waiting), the edited reply is the brand's public answer:
    it stops that item's clock, and the card shows the reply below the update it now answers.

    :raise inbox.NotAllowed:, :raise InvalidReply:, :raise ReplyNotFound:
    """
    inbox.require_support(actor)
    text = clean_body(body)
    with write_transaction():
        reply = db.session.get(Reply, reply_id, with_for_update=True)
        if reply is None:
            raise ReplyNotFound()
        if reply.body == text:
            return reply
        db.session.add(ReplyVersion(reply_id=reply.id, body=reply.body, written_at=reply.edited_at or reply.created_at,
                                    replaced_at=now))
        reply.body = text
        reply.edited_at = now
        inbox.record_response(now=now, response_kind=inbox.ResponseKind.PUBLIC_REPLY, actor_id=actor.id,
                              review_id=reply.review_id)
        record(actor, "review.reply_edit", "review", reply.review_id, reply_id=reply.id)
    return reply


def reply_for_review(review_id: int) -> Reply | None:
    return db.session.scalar(sa.select(Reply).where(Reply.review_id == review_id))


def reply_versions(reply_id: int) -> list[ReplyVersion]:
    """Earlier texts of a reply, newest first."""
    return list(db.session.scalars(sa.select(ReplyVersion).where(ReplyVersion.reply_id == reply_id)
                                   .order_by(ReplyVersion.id.desc())))


# --- canned replies ----------------------------------------------------------------------------

def canned_replies() -> list[CannedReply]:
    """Every canned reply, by key then language."""
    return list(db.session.scalars(sa.select(CannedReply).order_by(CannedReply.key, CannedReply.language)))


def get_canned_reply(canned_id: int) -> CannedReply:
    """:raise CannedReplyNotFound:"""
    canned = db.session.get(CannedReply, canned_id)
    if canned is None:
        raise CannedReplyNotFound()
    return canned


def save_canned_reply(key: str, language: str, title: str, body: str, *, actor: User | None,
                      languages: list[str], canned_id: int | None = None) -> CannedReply:
    """Add a canned reply, or change the one `canned_id` names. The same `key` in each language
    makes one reply in three languages; (key, language) is unique.

    :raise inbox.NotAllowed: (unless `actor` is None: the demo loader), :raise InvalidReply:,
    :raise ConflictError: when that key already has a text in that language, :raise CannedReplyNotFound:
    """
    if actor is not None:
        inbox.require_support(actor)
    key, title, text = (key or "").strip().lower(), (title or "").strip(), (body or "").strip()
    if not key or len(key) > CANNED_KEY_MAX or not all(c.isalnum() or c in "-_" for c in key):
        raise InvalidReply(_l("Use a short key of letters, digits, - and _ (the same key in each language)."),
                           field="key")
    if language not in languages:
        raise InvalidReply(_l("Choose a language from the list."), field="language")
    if not title or len(title) > CANNED_TITLE_MAX:
        raise InvalidReply(_l("Give it a title of at most %(n)d characters.", n=CANNED_TITLE_MAX), field="title")
    text = clean_body(text)
    with write_transaction():
        if canned_id is not None:
            canned = db.session.get(CannedReply, canned_id)
            if canned is None:
                raise CannedReplyNotFound()
        else:
            canned = CannedReply()
        taken = db.session.scalar(sa.select(CannedReply.id).where(
            CannedReply.key == key, CannedReply.language == language, CannedReply.id != (canned_id or 0)))
        if taken is not None:
            raise ConflictError(_l("There is already a canned reply with this key in this language."), field="key")
        canned.key, canned.language, canned.title, canned.body = key, language, title, text
        try:
            with db.session.begin_nested():
                db.session.add(canned)
                db.session.flush()
        except sa.exc.IntegrityError:
            raise ConflictError(_l("There is already a canned reply with this key in this language."),
                                field="key") from None
        record(actor, "inbox.canned_reply_save", "canned_reply", canned.id, key=key, language=language)
    return canned


def delete_canned_reply(canned_id: int, *, actor: User) -> None:
    """:raise inbox.NotAllowed:, :raise CannedReplyNotFound:"""
    inbox.require_support(actor)
    with write_transaction():
        canned = db.session.get(CannedReply, canned_id)
        if canned is None:
            raise CannedReplyNotFound()
        record(actor, "inbox.canned_reply_delete", "canned_reply", canned.id, key=canned.key, language=canned.language)
        db.session.delete(canned)
