"""The review request's links: unsubscribe.

`GET /reviews/unsubscribe/<token>` only asks (mail scanners and link previews open links; a GET
must not unsubscribe anybody); the page's button POSTs to the same address, which unsubscribes.
The POST carries no CSRF token: the signed token in the address is what authorises it (only the
address's owner has it, and nobody can make one without the shop's SECRET_KEY), and leaving the
token out keeps the GET from setting a session cookie. Both answers are private to the holder
of the link: never cached, never sent on as a Referer.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from storefront.database import utcnow
from storefront.extensions import csrf

from . import requests

bp = Blueprint("review_requests", __name__, url_prefix="/reviews")

PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


def masked(email: str) -> str:
    """"anna@example.com" → "a***@example.com": enough to recognise, not to read out."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """:raise InvalidUnsubscribeLink: (404) for a token the shop did not sign."""
    if request.method == "POST":
        email = requests.unsubscribe(token, now=utcnow())
    else:
        email = requests.address_for(token)
    page = render_template("reviews/request_unsubscribe.html", token=token, address=masked(email),
                           done=request.method == "POST")
    return page, 200, PRIVATE
