"""The wrong-code limit: guessing codes is slow wherever a code can be tried.

Every route that tries a code (the cart's code form, an offer link with `?code=`, Meta's checkout
link with `coupon=`, the API's quote and order) carries `code_guess_limit`, one budget per client
shared by all of them: `CODE_RATE_LIMIT` (default 10 per 10 minutes), kept where Flask-Limiter
keeps every limit (setting RATELIMIT_STORAGE_URI: Redis when REDIS_URL is set, one count for the whole shop; else
a SQLite file that all of one machine's worker processes share). Past it the answer is 429,
before the code is even looked at.

Only an unknown code counts. A code that exists but cannot be used now (already used, not valid
yet, expired, run out, for another channel) is no guess: a shopper with a real code is never
slowed, and twenty shoppers racing for one single-use code are told "already used", not 429.
The pricing path announces every refusal (`service.code_refused`); `connect` subscribes
`note_refusal` to it, which marks the request, and the limit counts the request once its response
is built.
"""
from __future__ import annotations

from flask import current_app, g, has_request_context, request
from flask_babel import lazy_gettext as _l

from storefront.errors import ShopError
from storefront.extensions import limiter

from .service import CodeRefused, code_refused

CODE_LIMIT_SCOPE = "offer-codes"
DEFAULT_LIMIT = "10 per 10 minutes"
# Where a route finds the code it tries: the query (`?code=`, Meta's `coupon=`), the form of the
# cart's code box, or the API's JSON body.
CODE_FIELDS = ("code", "coupon")


class TooManyCodes(ShopError):
    """Past the limit: what a limited route answers (429), on the code's field."""

    code = "rate_limited"
    status = 429
    default_message = _l("Too many wrong codes. Please wait a few minutes and try again.")


def _limit() -> str:
    return current_app.config.get("CODE_RATE_LIMIT") or DEFAULT_LIMIT


def tries_a_code() -> bool:
    """Whether this request carries a code to try (a request without one is not limited)."""
    if any(request.args.get(name) for name in CODE_FIELDS):
        return True
    if request.method == "POST" and request.form.get("code"):
        return True
    body = request.get_json(silent=True) if request.is_json else None
    return isinstance(body, dict) and bool(body.get("code"))


def note_refusal(refused: CodeRefused, **_) -> None:
    """A `service.code_refused` receiver: an unknown code counts against this request's client."""
    if refused.reason == "unknown" and has_request_context():
        g.unknown_code_tried = True


def _unknown_code_tried(response) -> bool:
    return bool(g.get("unknown_code_tried"))


def retry_headers(error) -> dict[str, str]:
    """The Retry-After of Flask-Limiter's 429 `error`, for a handler that answers it in its own words."""
    retry = error.get_response().headers.get("Retry-After") if hasattr(error, "get_response") else None
    return {"Retry-After": retry} if retry else {}


def connect() -> None:
    """Hear refused codes (`promotions.init_app` calls it). Blinker keeps one connection per
    receiver, so apps built more than once (tests) are fine."""
    code_refused.connect(note_refusal)


code_guess_limit = limiter.shared_limit(_limit, scope=CODE_LIMIT_SCOPE, deduct_when=_unknown_code_tried,
                                        exempt_when=lambda: not tries_a_code())
