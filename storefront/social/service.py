"""Platform launches as use cases: verify a launch with its platform's adapter, start the tab
session it opens, and find where the deep link lands.

The platform's claims (who, which page, which language) are trusted only after the adapter has
checked the signature with the secret configured for that page (setting `SOCIAL_APPS`).
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app, session

from promotions.service import offer_by_slug

from ..catalog.browse import ProductNotFound, get_product
from ..database import utcnow
from .adapters import ADAPTERS, InvalidLaunch, Launch

# Platform names and user ids are short; the Order's UTM columns hold 80 characters.
UTM_LENGTH = 80


def verify_launch(platform: str, raw, *, now: datetime | None = None) -> Launch:
    """Verify a platform's launch message with the configured apps and freshness window.

    :raise InvalidLaunch: with the adapter's reason (bad_signature, bad_algorithm, malformed,
        stale, future, unknown_app)
    """
    adapter = ADAPTERS.get(platform)
    if adapter is None:
        raise InvalidLaunch("unknown_app")
    config = current_app.config
    return adapter.verify(raw, apps=config["SOCIAL_APPS"], now=now or utcnow(),
                          max_age=config["LAUNCH_MAX_AGE"], skew=config["LAUNCH_CLOCK_SKEW"])


def start_tab_session(launch: Launch) -> None:
    """Remember a verified launch for the rest of the visit.

    The platform's locale becomes the shop's language only when the shop speaks it; the platform
    is the visit's channel, and the page it came from its campaign (last touch wins, so a launch
    replaces the UTM tags of an earlier shared link).
    """
    session["launch"] = {"platform": launch.platform, "page_id": launch.page_id, "user_id": launch.user_id,
                         "locale": launch.locale, "at": launch.issued_at.isoformat()}
    if launch.locale in current_app.config["LANGUAGES"]:
        session["lang"] = launch.locale
    session["channel"] = launch.platform
    session["embedded"] = True
    session["utm_source"] = launch.platform[:UTM_LENGTH]
    session["utm_campaign"] = launch.page_id[:UTM_LENGTH]


def landing_for(launch: Launch) -> tuple[str, dict]:
    """Where a launch opens: the deep-linked product ("p:<slug>") if it is on sale, the offer's
    page ("o:<slug>") if the offer exists and is not a draft, else home."""
    kind, _, value = launch.app_data.partition(":")
    if kind == "p" and value:
        try:
            product = get_product(value)
        except ProductNotFound:
            return "catalog.home", {}
        return "catalog.product", {"slug": product.slug}
    if kind == "o" and value:
        offer = offer_by_slug(value[:80])
        if offer is not None:
            return "offers.show", {"slug": offer.slug}
    return "catalog.home", {}
