"""Meta (Facebook) page tabs: the `signed_request` form field.

The format, as Facebook documented it for page tabs and canvas apps
(https://developers.facebook.com/docs/games/gamesonfacebook/login#parsingsr): the base64url
(unpadded) HMAC-SHA256 signature, a ".", and the base64url JSON payload. The HMAC is computed with
the app secret over the payload segment exactly as received (not over re-encoded JSON), and the
payload's `algorithm` must be "HMAC-SHA256" — Facebook's own sample upper-cases it before comparing,
so the comparison ignores case; anything else is refused.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

from .base import (InvalidLaunch, Launch, apps_for, b64url_decode, b64url_encode, check_fresh, check_length,
                   parse_timestamp, primary_language, text)

PLATFORM = "meta"
ALGORITHM = "HMAC-SHA256"


def verify(raw, *, apps, now: datetime, max_age: int, skew: int) -> Launch:
    """Verify a `signed_request` against the configured Meta apps.

    Each app's secret is tried (constant-time comparison); the app that signed it must list the
    payload's `page.id` among its `pages`.
    :raise InvalidLaunch: malformed (not two base64url segments, not a JSON object, missing
        `issued_at` or `page.id`), bad_algorithm, bad_signature (no configured secret signed it),
        future, stale, unknown_app (signed by an app that does not serve that page)
    """
    raw = check_length(raw)
    encoded_signature, dot, encoded_payload = raw.partition(".")
    if not dot or not encoded_signature or not encoded_payload:
        raise InvalidLaunch("malformed")
    signature = b64url_decode(encoded_signature)
    b64url_decode(encoded_payload)  # refuses anything but strict base64url, before any HMAC
    # The signature covers the payload segment as received, so it is checked before the payload
    # is parsed: nobody without a secret gets the JSON parser to work on their input.
    signed_by = [app for app in apps_for(apps, PLATFORM) if hmac.compare_digest(
        hmac.new(app["secret"].encode(), encoded_payload.encode("ascii"), hashlib.sha256).digest(), signature)]
    if not signed_by:
        raise InvalidLaunch("bad_signature")
    try:
        payload = json.loads(b64url_decode(encoded_payload))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidLaunch("malformed") from None
    if not isinstance(payload, dict):
        raise InvalidLaunch("malformed")
    algorithm = payload.get("algorithm")
    if not isinstance(algorithm, str) or algorithm.upper() != ALGORITHM:
        raise InvalidLaunch("bad_algorithm")

    issued_at = parse_timestamp(payload.get("issued_at"))
    check_fresh(issued_at, now=now, max_age=max_age, skew=skew)
    page = payload.get("page")
    page_id = text(page.get("id")) if isinstance(page, dict) else ""
    if not page_id:
        raise InvalidLaunch("malformed")
    if not any(page_id in [str(p) for p in app.get("pages", [])] for app in signed_by):
        raise InvalidLaunch("unknown_app")
    user = payload.get("user") if isinstance(payload.get("user"), dict) else {}
    app_data = payload.get("app_data")
    user_id = text(payload.get("user_id"))
    # Meta signs no nonce: a user's launch is unique by who and when (issued_at, in seconds).
    return Launch(platform=PLATFORM, page_id=page_id, user_id=user_id,
                  locale=primary_language(user.get("locale")),
                  app_data=app_data if isinstance(app_data, str) else "", issued_at=issued_at,
                  nonce=f"user:{user_id}:{int(issued_at.timestamp())}" if user_id else "")


def sign(*, secret: str, page_id: str, issued_at: int, user_id: str = "", locale: str = "",
         app_data: str = "", country: str = "") -> str:
    """A `signed_request` as Facebook would post it to a page tab (the demo page plays Facebook)."""
    payload = {"algorithm": ALGORITHM, "issued_at": issued_at,
               "page": {"id": page_id, "liked": True, "admin": False},
               "user": {"locale": locale, "country": country}}
    if user_id:
        payload["user_id"] = user_id
    if app_data:
        payload["app_data"] = app_data
    encoded_payload = b64url_encode(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), encoded_payload.encode("ascii"), hashlib.sha256).digest()
    return f"{b64url_encode(signature)}.{encoded_payload}"
