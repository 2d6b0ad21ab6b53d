"""The inbox's e-mails, rendered by the mail worker from the outbox row (`ref_id`):

- `review_reply` (ref: the Reply): "we replied to your review", to the reviewer in the review's
  language, with links to the product page and to their own review page for a follow-up;
- `inbox_private_message` (ref: the private_message InboxEvent): support's message to the
  reviewer or the asker, in their language;
- `inbox_warning` / `inbox_breach` (ref: the InboxItem): to the assignee or all support staff when
  the deadline is near, and when it has passed.

Registered with `storefront.mail.service.register` by `inbox_receivers.connect()`. Every text a
customer wrote is escaped in the HTML part (Jinja's autoescape on `.html` templates).
"""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _

from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.mail.service import Rendered, public_url, register

from . import inbox, replies
from .models import InboxItem, InboxKind, Question, Reply, Review

WARNING_MAIL = "inbox_warning"
BREACH_MAIL = "inbox_breach"
# The reviewer's own page (edit, follow-up after our reply), served by the review forms.
FOLLOW_UP_ENDPOINT = "review_forms.mine"


def product_url(product: Product | None, locale: str, anchor: str = "") -> str | None:
    if product is None:
        return None
    return public_url("catalog.product", slug=product.slug, lang=locale) + anchor


def follow_up_url(review: Review, locale: str) -> str:
    """The reviewer's own page: their review, its history, and the follow-up after our reply."""
    return public_url(FOLLOW_UP_ENDPOINT, reviewer_token=review.reviewer_token, lang=locale)


def _render(template: str, subject: str, **context) -> Rendered:
    context = dict(context, shop_name=current_app.config["SHOP_NAME"])
    return Rendered(subject=subject, text=render_template(f"mail/reviews/{template}.txt", **context),
                    html=render_template(f"mail/reviews/{template}.html", **context))


def render_reply_notice(email: OutboundEmail) -> Rendered:
    reply = db.session.get(Reply, email.ref_id)
    review = db.session.get(Review, reply.review_id)
    product = db.session.get(Product, review.product_id)
    shop = current_app.config["SHOP_NAME"]
    return _render("reply_notice", _("%(shop)s replied to your review of %(product)s", shop=shop,
                                      product=product.title if product else ""),
                   reply=reply, review=review, product=product, locale=email.locale,
                   product_url=product_url(product, email.locale, f"#review-{review.id}"),
                   follow_up_url=follow_up_url(review, email.locale))


def render_private_message(email: OutboundEmail) -> Rendered:
    event = inbox.load_event(email.ref_id)
    item = db.session.get(InboxItem, event.item_id)
    review = db.session.get(Review, item.review_id) if item.review_id else None
    question = db.session.get(Question, item.question_id) if item.question_id else None
    subject_row = review or question
    product = db.session.get(Product, subject_row.product_id)
    shop = current_app.config["SHOP_NAME"]
    title = product.title if product else ""
    subject = (_("A message from %(shop)s about your review of %(product)s", shop=shop, product=title) if review
               else _("A message from %(shop)s about your question on %(product)s", shop=shop, product=title))
    return _render("inbox_private_message", subject, message=event.body, review=review, question=question,
                   name=subject_row.author_name, product=product, locale=email.locale,
                   product_url=product_url(product, email.locale))


KIND_LABELS = {
    InboxKind.NEGATIVE_REVIEW: lambda: _("negative review"),
    InboxKind.REPORTED_REVIEW: lambda: _("reported review"),
    InboxKind.QUESTION: lambda: _("question"),
}


def _alert(email: OutboundEmail, breach: bool) -> Rendered:
    item = db.session.get(InboxItem, email.ref_id)
    review = db.session.get(Review, item.review_id) if item.review_id else None
    question = db.session.get(Question, item.question_id) if item.question_id else None
    product = db.session.get(Product, (review or question).product_id)
    kind = KIND_LABELS[InboxKind(item.kind)]()
    title = product.title if product else ""
    minutes = current_app.config["INBOX_WARNING_MINUTES"]
    if breach:
        subject = _("Deadline passed: %(kind)s about %(product)s", kind=kind, product=title)
    else:
        subject = _("%(minutes)d minutes left: %(kind)s about %(product)s", minutes=minutes, kind=kind, product=title)
    return _render("inbox_alert", subject, item=item, review=review, question=question, product=product,
                   kind=kind, breach=breach, minutes=minutes, item_url=public_url("inbox.item", item_id=item.id, lang=email.locale))


def render_warning(email: OutboundEmail) -> Rendered:
    return _alert(email, breach=False)


def render_breach(email: OutboundEmail) -> Rendered:
    return _alert(email, breach=True)


def register_renderers() -> None:
    register(replies.REPLY_MAIL, render_reply_notice)
    register(inbox.PRIVATE_MESSAGE_MAIL, render_private_message)
    register(WARNING_MAIL, render_warning)
    register(BREACH_MAIL, render_breach)
