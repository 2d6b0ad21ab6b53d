"""The wrong-code limit: guessing codes is slow wherever a code can be tried.

Every request that tries a code (the cart's form, an offer link with `?code=`, Meta's checkout
link with `coupon=`, the API's quote and order) shares one budget per client, `CODE_RATE_LIMIT`
(default 10 per 10 minutes). Only refusals count (`service.CodeRefused` marks the request), so a
shopper with a right code is never slowed; past the limit the answer is 429.
"""
from __future__ import annotations

from flask import current_app, g, request

from storefront.extensions import limiter

CODE_LIMIT_SCOPE = "offer-codes"


def _limit() -> str:
    return current_app.config.get("CODE_RATE_LIMIT", "10 per 10 minutes")


def _tries_no_code() -> bool:
    if request.args.get("code") or request.args.get("coupon"):
        return False
    body = request.get_json(silent=True) if request.is_json else None
    return not (isinstance(body, dict) and body.get("code"))


def _code_was_refused(response) -> bool:
    return bool(g.get("code_refused"))


code_guess_limit = limiter.shared_limit(_limit, scope=CODE_LIMIT_SCOPE, deduct_when=_code_was_refused,
                                        exempt_when=_tries_no_code)
