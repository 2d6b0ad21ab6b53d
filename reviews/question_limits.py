"""The rate limits on shoppers' question posts and helpful votes, shared by the pages and the API.

One budget per client for asking (QUESTION_POST_RATE_LIMIT) and one for votes on answers
(VOTE_RATE_LIMIT), kept where Flask-Limiter keeps every limit. Only real attempts count: a view
calls `count_attempt()` once the question was asked (or a bot filled the honeypot) or the vote
reached an answer; a form sent back for correction, or an unknown answer, costs nothing. Past
the limit the answer is 429 `rate_limited`, before anything is looked at.
"""
from __future__ import annotations

from flask import current_app, g

from storefront.extensions import limiter


def _attempted(response) -> bool:
    return bool(g.get("counted_attempt"))


def count_attempt() -> None:
    """Let this request count against its limit (read when the response is built)."""
    g.counted_attempt = True


question_post_limit = limiter.shared_limit(lambda: current_app.config["QUESTION_POST_RATE_LIMIT"],
                                           scope="question-posts", deduct_when=_attempted)
vote_limit = limiter.shared_limit(lambda: current_app.config["VOTE_RATE_LIMIT"], scope="answer-votes",
                                  deduct_when=_attempted)
