"""One adapter per platform that can open the shop as a tab: each verifies that platform's signed
launch message with its published algorithm and says who came, from which page, in what language.

`ADAPTERS` maps a platform's name to its module; every module exposes `verify(raw, *, apps, now,
max_age, skew) -> Launch` (raising `InvalidLaunch`) and a `sign(...)` used only by the demo page.
"""
from __future__ import annotations

from . import meta, telegram, vk
from .base import InvalidLaunch, Launch

ADAPTERS = {"meta": meta, "telegram": telegram, "vk": vk}

__all__ = ["ADAPTERS", "InvalidLaunch", "Launch", "meta", "telegram", "vk"]
