"""VK Mini Apps: launch parameters in the query string.

VK's algorithm (https://dev.vk.com/mini-apps/development/launch-params-sign, with VK's own examples
at https://github.com/VKCOM/vk-apps-launch-params): take every parameter whose name starts with
"vk_", sort by name, URL-encode them as a query string ("vk_a=1&vk_b=2"), and `sign` is the
unpadded base64url HMAC-SHA256 of that string with the app's secret key. `vk_ts` (Unix seconds)
dates it, `vk_app_id` names the app, `vk_group_id` the community whose page opened it (absent when
opened outside a community), `vk_language` the interface language.

VK keeps a deep link in the URL fragment, which never reaches a server, so a launch may carry an
`app_data` parameter. It is outside the signature: it only chooses which public page opens first.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from .base import (InvalidLaunch, Launch, apps_for, b64url_encode, check_fresh, check_length, parse_timestamp,
                   primary_language)

PLATFORM = "vk"


def expected_sign(params: dict[str, str], secret: str) -> str:
    """The `sign` VK computes for these parameters (only the vk_* ones count)."""
    signed = urlencode(sorted((key, value) for key, value in params.items() if key.startswith("vk_")))
    return b64url_encode(hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest())


def verify(raw, *, apps, now: datetime, max_age: int, skew: int) -> Launch:
    """Verify a launch's query string against the app its `vk_app_id` names.

    :raise InvalidLaunch: malformed (not a query string, a repeated parameter, no sign, vk_app_id
        or vk_ts), unknown_app (an app id that is not configured), bad_signature, future, stale
    """
    raw = check_length(raw)
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise InvalidLaunch("malformed") from None
    params = dict(pairs)
    if len(params) != len(pairs) or not params.get("sign") or not params.get("vk_app_id"):
        raise InvalidLaunch("malformed")
    app = next((a for a in apps_for(apps, PLATFORM) if str(a.get("app_id")) == params["vk_app_id"]), None)
    if app is None:
        raise InvalidLaunch("unknown_app")
    if not hmac.compare_digest(expected_sign(params, app["secret"]).encode(),
                               params["sign"].encode("ascii", "replace")):
        raise InvalidLaunch("bad_signature")

    issued_at = parse_timestamp(params.get("vk_ts"))
    check_fresh(issued_at, now=now, max_age=max_age, skew=skew)
    user_id = params.get("vk_user_id", "")
    # VK signs no nonce: a user's launch is unique by who and when (vk_ts, in seconds).
    return Launch(platform=PLATFORM, page_id=params.get("vk_group_id") or params["vk_app_id"],
                  user_id=user_id, locale=primary_language(params.get("vk_language")),
                  app_data=params.get("app_data", ""), issued_at=issued_at,
                  nonce=f"user:{user_id}:{int(issued_at.timestamp())}" if user_id else "")


def sign(*, secret: str, app_id: str, ts: int, user_id: str = "", group_id: str = "", language: str = "",
         platform: str = "desktop_web", app_data: str = "") -> str:
    """A launch query string as VK would append it to the app's URL (the demo page plays VK)."""
    params = {"vk_app_id": app_id, "vk_ts": str(ts), "vk_platform": platform, "vk_is_app_user": "1",
              "vk_are_notifications_enabled": "0", "vk_access_token_settings": ""}
    if user_id:
        params["vk_user_id"] = user_id
    if group_id:
        params["vk_group_id"] = group_id
        params["vk_viewer_group_role"] = "none"
    if language:
        params["vk_language"] = language
    params["sign"] = expected_sign(params, secret)
    if app_data:
        params["app_data"] = app_data
    return urlencode(params)
