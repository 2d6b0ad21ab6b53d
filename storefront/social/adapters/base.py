"""What every platform adapter shares: the verified `Launch`, the `InvalidLaunch` error, and the
small strict parsers (base64url, timestamps, locales) that each platform's algorithm is built from.
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l

from ...errors import ShopError

# A launch is a URL parameter or one form field: anything longer is not a platform's message,
# and refusing it early keeps HMACs and JSON parsing off attacker-sized input.
MAX_LAUNCH_LENGTH = 8192

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_LANGUAGE = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True)
class Launch:
    """A launch message whose signature, age and origin have been verified."""

    platform: str            # "meta" | "telegram" | "vk"
    page_id: str             # the brand's page / bot / app the shopper came from
    user_id: str             # the platform's user id ("" when the platform did not say)
    locale: str | None       # a primary language subtag ("es", "lv", "en"…), or None
    app_data: str            # deep link payload ("p:<slug>" product, "o:<code>" offer), "" if none
    issued_at: datetime      # aware UTC
    # What makes this launch message unique on its platform and page, so that a copy of it can be
    # told from a new launch (`social.service.remember_launch`); "" when the platform gives
    # nothing unique (a launch that names no user: two visitors in the same second send the same
    # signed bytes, and refusing the second would turn real shoppers away).
    nonce: str = ""


REASONS = {
    "bad_signature": _l("The link that opened the shop was not signed by the social platform, or it was changed on the way."),
    "bad_algorithm": _l("The link that opened the shop was signed in a way we do not accept."),
    "malformed": _l("The link that opened the shop is incomplete or damaged."),
    "stale": _l("The link that opened the shop has expired."),
    "future": _l("The link that opened the shop is dated in the future. Please check your device's clock."),
    "unknown_app": _l("This shop is not connected to the page that opened it."),
    "replayed": _l("The link that opened the shop was already used in another browser. "
                   "Please open the shop again from the page."),
}


class InvalidLaunch(ShopError):
    """A launch message that cannot be trusted; `details["reason"]` says why (one of `REASONS`)."""

    code = "invalid_launch"
    status = 400
    default_message = REASONS["malformed"]

    def __init__(self, reason: str, message=None):
        super().__init__(message if message is not None else REASONS[reason], reason=reason)
        self.reason = reason


def check_length(raw) -> str:
    """:raise InvalidLaunch: (malformed) when `raw` is not a string of a plausible size."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_LAUNCH_LENGTH:
        raise InvalidLaunch("malformed")
    return raw


def b64url_decode(segment: str) -> bytes:
    """Strict unpadded base64url, as the platforms send it.

    Python's decoder silently skips characters outside the alphabet; a signature check must not
    see a different string from the one that was signed, so the alphabet is checked first.
    :raise InvalidLaunch: (malformed)
    """
    if not _BASE64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise InvalidLaunch("malformed")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise InvalidLaunch("malformed") from None


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parse_timestamp(value) -> datetime:
    """Unix seconds (an int, or a string of digits) as aware UTC. :raise InvalidLaunch: (malformed)"""
    if isinstance(value, bool):
        raise InvalidLaunch("malformed")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        value = int(value)
    if not isinstance(value, int) or not 0 < value < 10**11:
        raise InvalidLaunch("malformed")
    return datetime.fromtimestamp(value, tz=timezone.utc)


def check_fresh(issued_at: datetime, *, now: datetime, max_age: int, skew: int) -> None:
    """A launch is good for `max_age` seconds; a clock up to `skew` seconds fast is tolerated.

    Launch messages carry no nonce, so this window bounds a replay: a copied launch stops working
    once it is older than `max_age`, and within it the shop remembers the launches that named a
    user (`social.service.remember_launch`) so that a copy starts no second session.
    :raise InvalidLaunch: (future) or (stale)
    """
    if issued_at > now + timedelta(seconds=skew):
        raise InvalidLaunch("future")
    if now - issued_at > timedelta(seconds=max_age):
        raise InvalidLaunch("stale")


def primary_language(tag) -> str | None:
    """The primary language subtag of a locale ("es_ES" → "es", "pt-BR" → "pt"), or None."""
    if not isinstance(tag, str):
        return None
    language = re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0]
    return language if _LANGUAGE.fullmatch(language) else None


def apps_for(apps, platform: str) -> list[dict]:
    """The configured apps of one platform (settings `SOCIAL_APPS`) that have a secret."""
    return [app for app in apps or [] if app.get("platform") == platform and app.get("secret")]


def text(value) -> str:
    """An id as text: platforms send ids as numbers or strings."""
    if value is None or isinstance(value, bool):
        return ""
    return str(value) if isinstance(value, (int, str)) else ""
