"""The social platforms the shop is connected to, their pages, and what each platform's policy lets
a shop reward. Configuration only: it reads the settings `SOCIAL_APPS` and
`OFFER_PLATFORM_AUDIENCES` and imports nothing from the promotions (which use it).

A platform's policy decides which offer audiences a shop may use with it. None lets a shop reward
liking, following or sharing (Meta's platform policy 3.2 forbids gating a reward on a like or a
share, and has answered every "liked" check with true since 2014; X forbids rewarding follows and
reposts), so those are not audiences at all. What is left is what the shop can verify: a launch
from the brand's page tab, a code posted to one channel, a member signed in with the platform, a
first order. `OFFER_PLATFORM_AUDIENCES` replaces the table below for a shop whose contracts differ.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..shop_settings.registry import PLATFORM_LABELS as SETTINGS_PLATFORM_LABELS

# The audiences, by their stored names (`promotions.models.Audience` values).
TAB_VISITORS, CODE_HOLDERS, MEMBERS, FIRST_ORDER = "tab_visitors", "code_holders", "members", "first_order"
VERIFIABLE_AUDIENCES = frozenset({TAB_VISITORS, CODE_HOLDERS, MEMBERS, FIRST_ORDER})
PLATFORM_AUDIENCES: dict[str, frozenset[str]] = {
    "meta": VERIFIABLE_AUDIENCES, "telegram": VERIFIABLE_AUDIENCES, "vk": VERIFIABLE_AUDIENCES}
# What a marketer might try to reward and no platform permits.
FORBIDDEN_AUDIENCES = frozenset({"likes", "like", "follows", "followers", "follow", "shares", "share"})

# The platforms' names as shoppers know them (a code may be posted to Instagram, Meta's too).
PLATFORM_NAMES = {"meta": "Facebook", "instagram": "Instagram", "telegram": "Telegram", "vk": "VK"}
# As the marketer who connected the shop's apps knows them (the settings name them so too).
PLATFORM_LABELS = SETTINGS_PLATFORM_LABELS


def platform_name(platform: str) -> str:
    """The platform's name for shoppers ("Facebook"); an unknown one capitalised."""
    return PLATFORM_NAMES.get(platform, platform.capitalize())


def platform_label(platform: str) -> str:
    """The platform's name for the marketer ("Facebook / Instagram (Meta)")."""
    return PLATFORM_LABELS.get(platform, platform)


# Where a visit, an order or a posted code came from, as staff read it: a platform's tab or post,
# the shop's own site ("web", no platform), an e-mail, the brand's shop counter.
CHANNEL_NAMES = {"web": _l("Web shop"), "email": _l("E-mail"), "store": _l("In store")}


def channel_name(channel: str | None) -> str:
    """A channel ("meta", "web", "store") by name ("Facebook", "Web shop", "In store"); a tag the
    shop does not know, as it is."""
    if not channel:
        return ""
    if channel in CHANNEL_NAMES:
        return str(CHANNEL_NAMES[channel])
    return PLATFORM_NAMES.get(channel, channel)


def platform_audiences() -> Mapping[str, frozenset[str]]:
    """Which audiences each platform permits (setting OFFER_PLATFORM_AUDIENCES, else the table above)."""
    return current_app.config.get("OFFER_PLATFORM_AUDIENCES") or PLATFORM_AUDIENCES


def permits(platform: str, audience: str) -> bool:
    """Whether `platform`'s policy lets a shop offer something to `audience` through it."""
    return audience in platform_audiences().get(platform, frozenset())


def configured_platforms() -> list[str]:
    """The platforms of the configured apps (setting SOCIAL_APPS), each once, in the settings' order."""
    return list(dict.fromkeys(app.get("platform", "") for app in current_app.config.get("SOCIAL_APPS") or []
                              if app.get("platform")))


def configured_pages() -> list[tuple[str, str]]:
    """The pages whose tab can launch the shop, as (value "platform:page_id", label), from the
    setting SOCIAL_APPS: Meta's apps list their `pages`, a Telegram bot is its own page, a VK app
    its communities (`pages`) or else the app itself."""
    pages: dict[str, str] = {}
    for app in current_app.config.get("SOCIAL_APPS") or []:
        platform = app.get("platform", "")
        if platform == "telegram":
            ids = [app.get("bot")]
        elif platform == "vk":
            ids = list(app.get("pages") or []) or [app.get("app_id")]
        else:
            ids = list(app.get("pages") or [])
        for page_id in filter(None, ids):
            pages.setdefault(f"{platform}:{page_id}", f"{platform_label(platform)} · {page_id}")
    return list(pages.items())
