"""Questions about a product, the answers of its buyers and of the brand, and helpful votes.

A shopper asks with a name and an e-mail (no account). In the same transaction the most recent
buyers of the product (delivered orders, most recent first, at most QUESTION_INVITE_BUYERS,
never the asker, never an address that unsubscribed) get an invitation with a single-use link,
mailed in their order's language, and `signals.question_asked` goes out (the inbox opens the
question's item there, with the two-hour clock). A question shows on the product page once it
has an answer.

Limits live in the database: one answer per invitation (unique `answers.invitation_id`), one
helpful vote per voter per answer (unique `answer_votes`), one invitation per address per
question; `answer_count` and `helpful_count` move by relative UPDATEs, so concurrent answers and
votes never lose a count.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l

from storefront.accounts.models import Permission
from storefront.audit.service import record
from storefront.catalog.browse import Page, ProductNotFound, read_columns
from storefront.catalog.models import Product
from storefront.database import write_transaction
from storefront.errors import ConflictError, NotFoundError, ShopError
from storefront.extensions import db
from storefront.mail.service import queue_email, register
from storefront.orders.models import Order, OrderLine, OrderStatus

from . import question_mail, requests, signals
from .service import short_name
from .models import (Answer, AnswerVote, Question, QuestionInvitation, QuestionStatus, ReviewMailOptOut,
                     WithholdReason)

NAME_MAX = 80
EMAIL_MAX = 254
QUESTION_MAX = 1000
ANSWER_MAX = 2000
SEARCH_MAX = 100
VOTER_KEY_MAX = 64
PAGE_SIZE = 5
MAX_PAGE = 1_000_000  # keeps OFFSET far inside every database's integers
INVITE_MAIL = "question_invite"
ANSWERED_MAIL = "question_answered"
MAIL_KEY_MAX = 120  # outbound_emails.key


class InvalidQuestion(ShopError):
    code = "invalid_question"
    status = 400
    default_message = _l("Please check the question.")


class InvalidAnswer(ShopError):
    code = "invalid_answer"
    status = 400
    default_message = _l("Please check the answer.")


class InvalidVote(ShopError):
    code = "invalid_vote"
    status = 400
    default_message = _l("That vote could not be counted.")


class QuestionNotFound(NotFoundError):
    code = "question_not_found"
    default_message = _l("We could not find that question.")


class AnswerNotFound(NotFoundError):
    code = "answer_not_found"
    default_message = _l("We could not find that answer.")


class InvitationNotFound(NotFoundError):
    code = "invitation_not_found"
    default_message = _l("This answer link is not valid. Please use the link from your e-mail.")


class InvitationExpired(ShopError):
    code = "invitation_expired"
    status = 410
    default_message = _l("This answer link has expired. Thank you for wanting to help!")


class AlreadyAnswered(ConflictError):
    code = "already_answered"
    default_message = _l("This link has already been used to answer the question. Thank you!")


class QuestionClosed(ConflictError):
    code = "question_closed"
    default_message = _l("This question is no longer open for answers.")


class NotAllowed(ShopError):
    code = "forbidden"
    status = 403
    default_message = _l("You do not have permission to do that.")


@dataclass(frozen=True)
class ShownQuestion:
    """A question as the product page shows it: its answers with the brand's first, then the
    most helpful."""

    question: Question
    answers: list[Answer]


@dataclass(frozen=True)
class QuestionPage(Page[ShownQuestion]):
    """One page of a product's answered questions; `search` is the words it was filtered by."""

    search: str = ""


@dataclass(frozen=True)
class VoteResult:
    answer_id: int
    helpful_count: int
    counted: bool  # False when this voter had already voted for the answer


@dataclass(frozen=True)
class OpenInvitation:
    """What the answer page shows for a valid, unused invitation link."""

    invitation: QuestionInvitation
    question: Question
    product: Product
    suggested_name: str  # "Anna K.", from the order the buyer was invited for


# --- checking what shoppers typed ------------------------------------------------------------------

def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _clean_language(language, error: type[ShopError]) -> str:
    if language not in current_app.config["LANGUAGES"]:
        raise error(_l("Please choose the language you write in."), field="language")
    return language


def _clean_name(author_name, error: type[ShopError]) -> str:
    name = _text(author_name)
    if not name:
        raise error(_l("Please give the name to show with your post."), field="author_name")
    if len(name) > NAME_MAX:
        raise error(_l("The name can be at most %(n)d characters.", n=NAME_MAX), field="author_name")
    return name


def clean_email(email) -> str:
    """The address, checked for form (no DNS lookup). :raise InvalidQuestion: on field "email"."""
    address = _text(email)
    if not address:
        raise InvalidQuestion(_l("Please give your e-mail, so we can tell you when there is an answer."),
                              field="email")
    if len(address) > EMAIL_MAX:
        raise InvalidQuestion(_l("The e-mail can be at most %(n)d characters.", n=EMAIL_MAX), field="email")
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidQuestion(_l("Please enter a valid e-mail address, like anna@example.com."),
                              field="email") from None


def _clean_body(body, limit: int, error: type[ShopError], empty_message, long_message) -> str:
    text = _text(body)
    if not text:
        raise error(empty_message, field="body")
    if len(text) > limit:
        raise error(long_message, field="body")
    return text


# --- asking, and inviting the product's buyers -----------------------------------------------------

def ask_question(product_id: int, *, author_name: str, email: str, body: str, language: str,
                 now: dt.datetime) -> Question:
    """A shopper's question about an active product, with its buyers invited to answer.

    Sends `signals.question_asked` inside the transaction (the inbox opens its item there).
    :raise InvalidQuestion: naming the field at fault (nothing written).
    :raise ProductNotFound: for an unknown or inactive product.
    """
    name = _clean_name(author_name, InvalidQuestion)
    address = clean_email(email)
    text = _clean_body(body, QUESTION_MAX, InvalidQuestion, _l("Please write your question."),
                       _l("The question can be at most %(n)d characters.", n=QUESTION_MAX))
    language = _clean_language(language, InvalidQuestion)
    with write_transaction():
        product = db.session.get(Product, product_id)
        if product is None or not product.active:
            raise ProductNotFound()
        question = Question(product_id=product.id, author_name=name, email=address, language=language,
                            body=text, status=QuestionStatus.PUBLISHED, created_at=now)
        db.session.add(question)
        db.session.flush()
        invite_buyers(question, now=now)
        signals.question_asked.send(question, now=now)
    return question


def recent_buyers(product_id: int, *, limit: int, exclude: str = "") -> list[Order]:
    """For each of the `limit` most recent distinct buyers of the product (delivered orders,
    most recent first; e-mails compared without case), their latest such order; never the
    `exclude` address, never an address that unsubscribed."""
    if limit <= 0:
        return []
    email = sa.func.lower(Order.email)
    delivered_with_product = sa.and_(
        Order.status == OrderStatus.DELIVERED,
        Order.id.in_(sa.select(OrderLine.order_id).where(OrderLine.product_id == product_id)))
    latest = sa.func.max(Order.id)
    buyers = db.session.execute(
        sa.select(email, latest)
        .where(delivered_with_product, email != requests.normalise_email(exclude),
               email.not_in(sa.select(sa.func.lower(ReviewMailOptOut.email))))
        .group_by(email)
        .order_by(sa.func.max(Order.created_at).desc(), latest.desc())
        .limit(limit)).all()
    if not buyers:
        return []
    # The latest delivered order of each buyer holding the product (its language, its id).
    orders = db.session.scalars(
        sa.select(Order).where(delivered_with_product, email.in_([address for address, _ in buyers]))
        .order_by(Order.created_at.desc(), Order.id.desc())).all()
    latest_order: dict[str, Order] = {}
    for order in orders:
        latest_order.setdefault(requests.normalise_email(order.email), order)
    return [latest_order[address] for address, _ in buyers if address in latest_order]


def invitation_mail_key(question_id: int, email: str) -> str:
    key = f"question_invite:{question_id}:{email}"
    if len(key) > MAIL_KEY_MAX:  # a very long address: its digest keeps the key unique and short
        key = f"question_invite:{question_id}:#{hashlib.sha256(email.encode()).hexdigest()[:40]}"
    return key


def invite_buyers(question: Question, *, now: dt.datetime) -> list[QuestionInvitation]:
    """Invite the product's most recent buyers to answer (in the caller's transaction), each
    with a link valid QUESTION_LINK_DAYS and a mail in their order's language."""
    config = current_app.config
    expires_at = now + dt.timedelta(days=config["QUESTION_LINK_DAYS"])
    invitations = []
    for order in recent_buyers(question.product_id, limit=config["QUESTION_INVITE_BUYERS"],
                               exclude=question.email):
        address = requests.normalise_email(order.email)
        invitation = QuestionInvitation(question_id=question.id, order_id=order.id, email=address,
                                        locale=order.locale, created_at=now, expires_at=expires_at)
        db.session.add(invitation)
        db.session.flush()
        queue_email(INVITE_MAIL, recipient=order.email, locale=order.locale, now=now, ref_id=invitation.id,
                    key=invitation_mail_key(question.id, address))
        invitations.append(invitation)
    return invitations


# --- answering ------------------------------------------------------------------------------------

def _invitation_by_token(token: str, *, now: dt.datetime) -> QuestionInvitation:
    if not isinstance(token, str) or not token or len(token) > 64:
        raise InvitationNotFound()
    invitation = db.session.scalar(sa.select(QuestionInvitation).where(QuestionInvitation.token == token))
    if invitation is None:
        raise InvitationNotFound()
    if invitation.expires_at <= now:
        raise InvitationExpired()
    return invitation


def open_invitation(token: str, *, now: dt.datetime) -> OpenInvitation:
    """The invitation behind an answer link, with its question and product (a read).

    :raise InvitationNotFound: :raise InvitationExpired: :raise AlreadyAnswered:
    :raise QuestionClosed: when staff withheld the question.
    """
    invitation = _invitation_by_token(token, now=now)
    if db.session.scalar(sa.select(Answer.id).where(Answer.invitation_id == invitation.id)) is not None:
        raise AlreadyAnswered()
    question = db.session.get(Question, invitation.question_id)
    if question.status != QuestionStatus.PUBLISHED:
        raise QuestionClosed()
    order = db.session.get(Order, invitation.order_id) if invitation.order_id else None
    return OpenInvitation(invitation, question, db.session.get(Product, question.product_id),
                          short_name(order.full_name) if order else "")


def _clean_answer_body(body) -> str:
    return _clean_body(body, ANSWER_MAX, InvalidAnswer, _l("Please write your answer."),
                       _l("The answer can be at most %(n)d characters.", n=ANSWER_MAX))


def _add_answer(question: Question, answer: Answer, *, actor, now: dt.datetime) -> None:
    """Count the answer on its question, tell the asker (once, on the first answer) and the area."""
    try:
        with db.session.begin_nested():
            db.session.add(answer)
            db.session.flush()
    except sa.exc.IntegrityError:
        raise AlreadyAnswered() from None  # the invitation's one answer, written by a twin request
    db.session.execute(sa.update(Question).where(Question.id == question.id)
                       .values(answer_count=Question.answer_count + 1)
                       .execution_options(synchronize_session=False))
    queue_email(ANSWERED_MAIL, recipient=question.email, locale=question.language, now=now, ref_id=answer.id,
                key=f"question_answered:{question.id}")
    signals.question_answered.send(answer, actor=actor, now=now)


def answer_from_invitation(token: str, *, author_name: str, body: str, language: str,
                           now: dt.datetime) -> Answer:
    """A buyer's answer through their invitation link: one per invitation, shown as a buyer's.

    :raise InvalidAnswer: (nothing written) :raise InvitationNotFound: :raise InvitationExpired:
    :raise AlreadyAnswered: also when a concurrent request answered first.
    :raise QuestionClosed: when staff withheld the question.
    """
    name = _clean_name(author_name, InvalidAnswer)
    text = _clean_answer_body(body)
    language = _clean_language(language, InvalidAnswer)
    with write_transaction():
        invitation = _invitation_by_token(token, now=now)
        if db.session.scalar(sa.select(Answer.id).where(Answer.invitation_id == invitation.id)) is not None:
            raise AlreadyAnswered()
        question = db.session.get(Question, invitation.question_id)
        if question.status != QuestionStatus.PUBLISHED:
            raise QuestionClosed()
        answer = Answer(question_id=question.id, by_brand=False, invitation_id=invitation.id, author_name=name,
                        language=language, body=text, created_at=now)
        _add_answer(question, answer, actor=None, now=now)
    return answer


def _require_staff(actor) -> None:
    if actor is None or not getattr(actor, "is_active", False) or not actor.can(Permission.ANSWER_CUSTOMERS):
        raise NotAllowed()


def answer_as_brand(question_id: int, body: str, *, actor, now: dt.datetime,
                    language: str | None = None) -> Answer:
    """The brand's answer, marked as official, written by a staff member who may answer
    customers (in the question's language unless `language` says otherwise). Its signal carries
    the staff `actor`, which stops the inbox clock.

    :raise NotAllowed: :raise InvalidAnswer: :raise QuestionNotFound:
    """
    _require_staff(actor)
    text = _clean_answer_body(body)
    with write_transaction():
        question = db.session.get(Question, question_id)
        if question is None:
            raise QuestionNotFound()
        answer = Answer(question_id=question.id, by_brand=True, author_id=actor.id,
                        author_name=current_app.config["SHOP_NAME"][:NAME_MAX],
                        language=_clean_language(language or question.language, InvalidAnswer), body=text,
                        created_at=now)
        _add_answer(question, answer, actor=actor, now=now)
        record(actor, "question.answer", "question", question.id, answer_id=answer.id)
    return answer


# --- votes and moderation --------------------------------------------------------------------------

def vote_answer(answer_id: int, voter_key: str, now: dt.datetime) -> VoteResult:
    """One "helpful" per voter per answer; a repeat changes nothing (`counted` False).

    :raise InvalidVote: without a voter key. :raise AnswerNotFound: for an unknown answer or one
    under a withheld question.
    """
    if not isinstance(voter_key, str) or not voter_key or len(voter_key) > VOTER_KEY_MAX:
        raise InvalidVote()
    with write_transaction():
        status = db.session.scalar(sa.select(Question.status).join(Answer, Answer.question_id == Question.id)
                                   .where(Answer.id == answer_id))
        if status != QuestionStatus.PUBLISHED:
            raise AnswerNotFound()
        try:
            with db.session.begin_nested():
                db.session.add(AnswerVote(answer_id=answer_id, voter_key=voter_key, created_at=now))
                db.session.flush()
        except sa.exc.IntegrityError:
            counted = False
        else:
            db.session.execute(sa.update(Answer).where(Answer.id == answer_id)
                               .values(helpful_count=Answer.helpful_count + 1)
                               .execution_options(synchronize_session=False))
            counted = True
        helpful = db.session.scalar(sa.select(Answer.helpful_count).where(Answer.id == answer_id))
    return VoteResult(answer_id, helpful, counted)


def withhold_question(question_id: int, reason: str, actor, now: dt.datetime) -> Question:
    """Staff withhold a question (and so its answers) for one of `WithholdReason`; withholding
    one already withheld changes nothing. Sends `signals.question_withheld` when it withholds.

    :raise NotAllowed: :raise InvalidQuestion: for another reason. :raise QuestionNotFound:
    """
    _require_staff(actor)
    try:
        reason = WithholdReason(reason)
    except ValueError:
        raise InvalidQuestion(_l("Please choose a reason from the list."), field="reason") from None
    with write_transaction():
        question = db.session.get(Question, question_id)
        if question is None:
            raise QuestionNotFound()
        withheld = db.session.execute(
            sa.update(Question).where(Question.id == question_id, Question.status == QuestionStatus.PUBLISHED)
            .values(status=QuestionStatus.WITHHELD, withheld_reason=reason)
            .execution_options(synchronize_session=False))
        if withheld.rowcount == 1:
            record(actor, "question.withhold", "question", question_id, reason=reason.value,
                   at=now.isoformat())
            # The inbox closes the question's items that still wait, in this transaction.
            signals.question_withheld.send(question, reason=reason, actor=actor, now=now)
    db.session.refresh(question)
    return question


# --- reading ---------------------------------------------------------------------------------------

def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def in_display_order(answers: list[Answer]) -> list[Answer]:
    """The brand's answers first, then the most helpful, then the oldest."""
    return sorted(answers, key=lambda a: (not a.by_brand, -a.helpful_count, a.created_at, a.id))


@cache
def _page_statements(searching: bool):
    """The count and the page of a product's answered questions, built once per shape (with or
    without search words) and run with parameters: building them took more CPU than running them.
    Parameters: product_id, language, limit, offset, and pattern when searching."""
    conditions = [Question.product_id == sa.bindparam("product_id", type_=sa.Integer),
                  Question.status == QuestionStatus.PUBLISHED, Question.answer_count > 0]
    if searching:
        pattern = sa.bindparam("pattern", type_=sa.String)
        conditions.append(sa.or_(
            sa.func.lower(Question.body).like(pattern, escape="\\"),
            sa.select(Answer.id).where(Answer.question_id == Question.id,
                                       sa.func.lower(Answer.body).like(pattern, escape="\\")).exists()))
    count = sa.select(sa.func.count(Question.id)).where(*conditions)
    page = (sa.select(Question).where(*conditions)
            .order_by(sa.case((Question.language == sa.bindparam("language", type_=sa.String), 0), else_=1),
                      Question.created_at.desc(), Question.id.desc())
            .limit(sa.bindparam("limit", type_=sa.Integer)).offset(sa.bindparam("offset", type_=sa.Integer)))
    return count, page


@cache
def _answers_statement():
    return sa.select(Answer).where(Answer.question_id.in_(sa.bindparam("ids", expanding=True)))


def product_questions(product_id: int, language: str, *, search: str | None = None, page: int = 1,
                      per_page: int = PAGE_SIZE) -> QuestionPage:
    """A page of the product's answered, published questions, in the shopper's language first
    and then newest first, with their answers (three queries, whatever the numbers).

    `search` matches words in the question or in any of its answers, case-insensitively; `%`
    and `_` in it are literal.
    """
    page = min(max(1, int(page)), MAX_PAGE)
    per_page = max(1, int(per_page))
    words = _text(search)[:SEARCH_MAX]
    parameters = {"product_id": product_id, "language": language, "limit": per_page,
                  "offset": (page - 1) * per_page}
    if words:
        parameters["pattern"] = f"%{_escape_like(words.lower())}%"
    count_statement, page_statement = _page_statements(bool(words))
    total = read_columns(count_statement, parameters).scalar() or 0
    questions = db.session.scalars(page_statement, parameters).all()
    # The answers in one query that runs even for no questions (selectinload would skip it then,
    # and the page's query count would depend on whether anything was answered).
    answers: dict[int, list[Answer]] = {q.id: [] for q in questions}
    for answer in db.session.scalars(_answers_statement(), {"ids": list(answers)}):
        answers[answer.question_id].append(answer)
    for question in questions:
        set_committed_value(question, "answers", answers[question.id])
    items = [ShownQuestion(q, in_display_order(answers[q.id])) for q in questions]
    return QuestionPage(items, total, page, per_page, search=words)


def connect() -> None:
    """Register this part's mail renderers (`reviews.init_app` calls it)."""
    register(INVITE_MAIL, question_mail.render_invitation)
    register(ANSWERED_MAIL, question_mail.render_answered)
