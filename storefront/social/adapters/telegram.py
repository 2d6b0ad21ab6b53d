"""Telegram Mini Apps: the `initData` string.

Telegram's algorithm (https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):
initData is a URL-encoded query string. The data-check-string is every field except `hash`,
sorted by key, as "key=value" (values decoded) joined by "\\n"; the secret key is
HMAC-SHA256(key="WebAppData", message=bot token); `hash` is the hex HMAC-SHA256 of the
data-check-string with that secret key. `auth_date` (Unix seconds) dates it.

`start_param` carries the deep link. Telegram allows only A–Z, a–z, 0–9, "_" and "-" there, so a
deep link is written "p_<slug>" / "o_<code>" and read back as "p:<slug>" / "o:<code>".
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from .base import (InvalidLaunch, Launch, apps_for, check_fresh, check_length, parse_timestamp,
                   primary_language, text)

PLATFORM = "telegram"
_DEEP_LINK = re.compile(r"([po])_(.+)")


def _hash(bot_token: str, data_check_string: str) -> str:
    secret_key = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return hmac.new(secret_key, data_check_string.encode(), hashlib.sha256).hexdigest()


def _data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={value}" for key, value in sorted(fields.items()) if key != "hash")


def verify(raw, *, apps, now: datetime, max_age: int, skew: int) -> Launch:
    """Verify `initData` against each configured bot's token; the page is the bot's username.

    A bot that is not configured cannot be told apart from a forgery: both are bad_signature.
    :raise InvalidLaunch: malformed (not a query string, a repeated field, no hash or auth_date,
        a `user` that is not a JSON object), bad_signature, future, stale
    """
    raw = check_length(raw)
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise InvalidLaunch("malformed") from None
    fields = dict(pairs)
    if len(fields) != len(pairs) or not fields.get("hash"):  # a repeated key would be signed once, read twice
        raise InvalidLaunch("malformed")
    data_check_string = _data_check_string(fields)
    received = fields["hash"].lower().encode("ascii", "replace")
    bot = next((app for app in apps_for(apps, PLATFORM)
                if hmac.compare_digest(_hash(app["secret"], data_check_string).encode(), received)), None)
    if bot is None:
        raise InvalidLaunch("bad_signature")

    issued_at = parse_timestamp(fields.get("auth_date"))
    check_fresh(issued_at, now=now, max_age=max_age, skew=skew)
    user = {}
    if "user" in fields:
        try:
            user = json.loads(fields["user"])
        except ValueError:
            raise InvalidLaunch("malformed") from None
        if not isinstance(user, dict):
            raise InvalidLaunch("malformed")
    start_param = fields.get("start_param", "")
    deep_link = _DEEP_LINK.fullmatch(start_param)
    app_data = f"{deep_link[1]}:{deep_link[2]}" if deep_link else start_param
    user_id = text(user.get("id"))
    # The hash covers every field (auth_date, user, query_id): it is the launch's own identity.
    # Without a user or a query_id, two visitors' initData can be the same bytes: nothing to tell.
    nonce = f"hash:{fields['hash'].lower()}" if user_id or fields.get("query_id") else ""
    return Launch(platform=PLATFORM, page_id=str(bot.get("bot", "")), user_id=user_id,
                  locale=primary_language(user.get("language_code")), app_data=app_data, issued_at=issued_at,
                  nonce=nonce)


def sign(*, bot_token: str, auth_date: int, user: dict | None = None, start_param: str = "",
         query_id: str = "") -> str:
    """`initData` as the Telegram client would hand it to a Mini App (the demo page plays Telegram).

    `start_param` may be a deep link "p:<slug>"; it is written in Telegram's alphabet ("p_<slug>").
    """
    fields = {"auth_date": str(auth_date)}
    if query_id:
        fields["query_id"] = query_id
    if user is not None:
        fields["user"] = json.dumps(user, separators=(",", ":"), ensure_ascii=False)
    if start_param:
        fields["start_param"] = re.sub(r"^([po]):", r"\1_", start_param)
    fields["hash"] = _hash(bot_token, _data_check_string(fields))
    return urlencode(fields)
