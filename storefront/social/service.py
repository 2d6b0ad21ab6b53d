"""Platform launches as use cases: verify a launch with its platform's adapter, start the tab
session it opens, and find where the deep link lands.

The platform's claims (who, which page, which language) are trusted only after the adapter has
checked the signature with the secret configured for that page (setting `SOCIAL_APPS`).

Replays. A launch message stays valid for `LAUNCH_MAX_AGE` seconds, and anyone who copies it (from
a shared screen, a proxy log, a browser extension) could start a tab session of their own with it
and be taken for a tab visitor or a signed-in member. So each launch that names a user is
remembered (`RememberedLaunch`) with the session it started, until it would be stale anyway; the
same session may use it again (a reload of the tab), any other is refused (reason "replayed").
The row is written in one transaction keyed by the launch, so of two clients racing with the
same copy exactly one gets the session.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, session

from promotions.service import offer_by_slug

from ..catalog.browse import is_on_sale
from ..database import conflict_insert, utcnow, write_transaction
from ..extensions import db
from .adapters import ADAPTERS, InvalidLaunch, Launch
from .models import RememberedLaunch

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


def start_tab_session(launch: Launch, *, now: datetime | None = None) -> None:
    """Remember a verified launch for the rest of the visit.

    The platform's locale becomes the shop's language only when the shop speaks it; the platform
    is the visit's channel, and the page it came from its campaign (last touch wins, so a launch
    replaces the UTM tags of an earlier shared link).
    :raise InvalidLaunch: (replayed) when the launch already started another session.
    """
    previous = session.get("launch")
    # The tab session's own random id: it survives later launches in the same session, so a
    # reload of the tab (the platform sends the same launch again) is recognised as this session.
    tab = previous.get("tab") if isinstance(previous, dict) and isinstance(previous.get("tab"), str) else None
    tab = tab or secrets.token_urlsafe(18)
    remember_launch(launch, tab=tab, now=now or utcnow())
    session["launch"] = {"platform": launch.platform, "page_id": launch.page_id, "user_id": launch.user_id,
                         "locale": launch.locale, "at": launch.issued_at.isoformat(), "tab": tab}
    if launch.locale in current_app.config["LANGUAGES"]:
        session["lang"] = launch.locale
    session["channel"] = launch.platform
    session["embedded"] = True
    session["utm_source"] = launch.platform[:UTM_LENGTH]
    session["utm_campaign"] = launch.page_id[:UTM_LENGTH]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def remember_launch(launch: Launch, *, tab: str, now: datetime) -> None:
    """Record that `launch` started the tab session `tab`, once per launch.

    A launch with no `nonce` (it names no user) cannot be told from another visitor's identical
    launch and is not remembered. The row lives until the launch is stale (`LAUNCH_MAX_AGE` after
    it was issued), when the freshness check refuses any copy by itself.
    :raise InvalidLaunch: (replayed) when the launch is remembered for another session.
    """
    if not launch.nonce:
        return
    key = _digest(launch.platform, launch.page_id, launch.nonce)
    mine = _digest(tab)
    expires_at = launch.issued_at + timedelta(seconds=current_app.config["LAUNCH_MAX_AGE"])
    with write_transaction():
        # One statement claims the launch: of two clients sending it at once, the database lets
        # one insert and the other's do nothing (on PostgreSQL it waits for the first to commit).
        # No page shows it: the page cache keeps its pages (`pages_unchanged`).
        claimed = db.session.execute(
            conflict_insert(RememberedLaunch).values(key=key, session_key=mine, expires_at=expires_at)
            .on_conflict_do_nothing().returning(RememberedLaunch.session_key)
            .execution_options(pages_unchanged=True)).first()
        owner = mine if claimed is not None else _launch_owner(key)
        if owner != mine:
            raise InvalidLaunch("replayed")


def _launch_owner(key: str) -> str | None:
    return db.session.scalar(sa.select(RememberedLaunch.session_key).where(RememberedLaunch.key == key)
                             .execution_options(populate_existing=True))


def forget_stale_launches(now: datetime) -> int:
    """Delete the remembered launches that are stale by now (no copy of them is accepted)."""
    with write_transaction():
        result = db.session.execute(sa.delete(RememberedLaunch).where(RememberedLaunch.expires_at < now)
                                    .execution_options(pages_unchanged=True))
    return result.rowcount


def landing_for(launch: Launch) -> tuple[str, dict]:
    """Where a launch opens: the deep-linked product ("p:<slug>") if it is on sale, the offer's
    page ("o:<slug>") if the offer exists and is not a draft, else home."""
    kind, _, value = launch.app_data.partition(":")
    if kind == "p" and value:
        return ("catalog.product", {"slug": value}) if is_on_sale(value[:200]) else ("catalog.home", {})
    if kind == "o" and value:
        offer = offer_by_slug(value[:80])
        if offer is not None:
            return "offers.show", {"slug": offer.slug}
    return "catalog.home", {}
