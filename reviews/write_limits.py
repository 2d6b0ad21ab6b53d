"""Rate limits on posting reviews, helpful votes and reports, counted only for real attempts.

Each limit is one budget per client address shared by the pages and the JSON API (Flask-Limiter's
shared limits, kept where every limit is kept: RATELIMIT_STORAGE_URI): REVIEW_POST_RATE_LIMIT,
VOTE_RATE_LIMIT, REPORT_RATE_LIMIT. Past a limit the answer is 429 before the request is looked at.

Only a real attempt counts: a request whose form or body was valid and reached the service
(`mark_attempt`, called by the route just before it calls the service), whatever the service then
answered. A form sent back with a missing rating, a bot caught by the honeypot or a page view
costs nothing, so a buyer correcting a typo is never slowed.
"""
from __future__ import annotations

from flask import current_app, g

from storefront.extensions import limiter


def mark_attempt() -> None:
    """This request is a real attempt: its limit counts it once the response is built."""
    g.review_write_attempt = True


def _attempted(response) -> bool:
    return bool(g.get("review_write_attempt"))


def _setting(name: str):
    return lambda: current_app.config[name]


def _shared(setting: str, scope: str):
    # POST only: the form pages that carry a limit answer their GET whatever the count.
    return limiter.shared_limit(_setting(setting), scope=scope, methods=["POST"], deduct_when=_attempted)


review_post_limit = _shared("REVIEW_POST_RATE_LIMIT", "review-posts")
vote_limit = _shared("VOTE_RATE_LIMIT", "review-votes")
report_limit = _shared("REPORT_RATE_LIMIT", "review-reports")
