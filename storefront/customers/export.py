"""A customer's personal data, as one JSON document (a data-subject access request), audited.

Everything the shop holds about the address: their orders with lines, discounts, addresses and
timeline; their reviews (with earlier versions and the follow-up), questions and the answers they
wrote; the offers their orders used; the mail sent to them (subject and dates); their review-mail
requests, answer invitations and opt-out. Money is in minor units of each order's currency; times
are ISO 8601 in UTC. Nobody else's data is in it: staff notes are the shop's own and are left out
(their author is staff), as are other shoppers' answers to their questions.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask_babel import force_locale

from ..audit.service import record
from ..database import write_transaction
from ..mail.models import OutboundEmail
from ..mail.service import render
from . import queries
from .erasure import email_digest

log = logging.getLogger(__name__)

FORMAT_VERSION = 1


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def mail_subject(mail: OutboundEmail) -> str | None:
    """The subject the mail was (or will be) sent with, rendered again from what it is about; None
    when that is gone (an order or a review deleted since)."""
    try:
        with force_locale(mail.locale):
            return str(render(mail)["Subject"])
    except (LookupError, AttributeError, TypeError) as error:  # the row it was rendered from is gone
        log.info("mail %s (%s) cannot be rendered again: %s", mail.id, mail.kind, error)
        return None


def _order(order) -> dict[str, Any]:
    return {
        "number": order.number, "status": order.status, "placed_at": _time(order.created_at),
        "paid_at": _time(order.paid_at), "email": order.email, "language": order.locale,
        "shipping_address": {"full_name": order.full_name, "address_line1": order.address_line1,
                             "address_line2": order.address_line2, "city": order.city,
                             "postal_code": order.postal_code, "country": order.country, "phone": order.phone},
        "shipping_method": order.shipping_method, "payment_method": order.payment_method,
        "currency": order.currency, "items_subtotal": order.items_subtotal, "discount": order.discount,
        "shipping": order.shipping, "shipping_discount": order.shipping_discount, "tax": order.tax,
        "tax_included": order.tax_included, "total": order.total, "amount_refunded": order.amount_refunded,
        "carrier": order.carrier, "tracking_number": order.tracking_number,
        "channel": order.channel, "utm_source": order.utm_source, "utm_campaign": order.utm_campaign,
        "lines": [{"sku": line.sku, "title": line.title, "variant": line.variant_label,
                   "unit_price": line.unit_price, "quantity": line.quantity, "discount": line.discount,
                   "total": line.total} for line in order.lines],
        "discounts": [{"name": d.name, "items_discount": d.items_discount, "shipping_discount": d.shipping_discount}
                      for d in order.discounts],
        # What the shopper was shown of the order's life (staff notes and internal events are not theirs).
        "timeline": [{"at": _time(event.created_at), "event": event.kind} for event in order.events if event.public],
    }


def personal_data(key: int, *, now: dt.datetime) -> dict[str, Any]:
    """Everything the shop holds about the customer whose key is `key`. Read-only.

    :raise CustomerNotFound: (404)
    """
    email = queries.email_for_key(key)
    opt_out = queries.review_mail_opt_out(email)
    orders = list(reversed(queries.orders_of(email)))
    numbers = {order.id: order.number for order in orders}
    return {
        "format": FORMAT_VERSION,
        "exported_at": _time(now),
        "customer": {"email": email, "key": key, "erased": queries.is_erased(email)},
        "orders": [_order(order) for order in orders],
        "reviews": [{
            "product": product.title, "rating": review.rating, "original_rating": review.original_rating,
            "title": review.title, "text": review.body, "fit": review.fit, "author_name": review.author_name,
            "language": review.language, "status": review.status, "verified": review.verified,
            "order": numbers.get(review.order_id), "written_at": _time(review.created_at),
            "edited_at": _time(review.edited_at),
            "earlier_versions": [{"rating": v.rating, "title": v.title, "text": v.body,
                                  "written_at": _time(v.written_at)} for v in review.versions],
            "follow_up": ({"text": review.follow_up.body, "new_rating": review.follow_up.new_rating,
                           "written_at": _time(review.follow_up.created_at)} if review.follow_up else None),
        } for review, product in queries.reviews_of(email)],
        "questions": [{"product": product.title, "author_name": question.author_name, "text": question.body,
                       "language": question.language, "status": question.status,
                       "asked_at": _time(question.created_at)}
                      for question, product, _item in queries.questions_of(email)],
        "answers": [{"question": question.id, "author_name": answer.author_name, "text": answer.body,
                     "language": answer.language, "written_at": _time(answer.created_at)}
                    for answer, question in queries.answers_of(email)],
        "offer_uses": [{"offer": use.offer_name, "order": use.order_number, "status": use.status,
                        "discount": use.discount, "at": _time(use.created_at)}
                       for use in queries.offer_uses_of(email)],
        "mail": [{"subject": mail_subject(mail), "kind": mail.kind, "to": mail.recipient, "status": mail.status,
                  "queued_at": _time(mail.created_at), "sent_at": _time(mail.sent_at)}
                 for mail in queries.mail_to(email)],
        "consents": {
            "review_mail_opt_out": opt_out is not None,
            "review_mail_opted_out_at": _time(opt_out.created_at) if opt_out else None,
            "review_requests": [{"order": numbers.get(request.order_id), "asked_at": _time(request.created_at),
                                 "reminded_at": _time(request.reminded_at),
                                 "link_expires_at": _time(request.expires_at)}
                                for request in queries.review_requests_of(email)],
            "answer_invitations": [{"question": invitation.question_id, "invited_at": _time(invitation.created_at),
                                    "link_expires_at": _time(invitation.expires_at)}
                                   for invitation in queries.question_invitations_of(email)],
        },
    }


def export_customer(key: int, *, actor, now: dt.datetime) -> dict[str, Any]:
    """The customer's personal data (`personal_data`), the export audited under their key and a
    keyed hash of the address (never the address: the log outlives an erasure).

    :raise CustomerNotFound: (404)
    """
    data = personal_data(key, now=now)
    with write_transaction():
        record(actor, "customer.export", "customer", key, email_digest=email_digest(data["customer"]["email"]))
    return data
