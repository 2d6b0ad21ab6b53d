"""Each process's settings: the environment's values, with the database's overrides applied to
`app.config`, reloaded when the settings' version changes.

The version is a random number written on every change, after the commit, to the page cache's
store (Redis, the SQLite file every worker of a machine opens, or memory) and to the version row
in the database, which is read only when the page cache is off. Whenever the app is entered (an
app context is pushed: every request, every task, since `tasks.task_context` pushes one for each,
a CLI command) and before the page cache's middleware looks a page up, a process reads that one
number; only when it differs from the one it applied does it read the settings' rows and update
its config. The number is read before the rows, so a process never keeps older rows under a newer
version. A database that cannot answer (away, or not migrated yet) leaves the settings as they
were and is tried again next time: the request meets the failure where it is handled.

An override replaces the config's value; the environment's value is remembered, so a setting
reset to its default gets it back. A key no admin ever changed is left alone (tests set some
directly).
"""
from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask, appcontext_pushed, has_app_context
from sqlalchemy.exc import SQLAlchemyError

from .. import page_cache
from ..extensions import db
from .models import VERSION_KEY, ShopSetting
from .registry import KEYS

log = logging.getLogger(__name__)
MARKER = "shop_settings"
_NEVER = object()  # the version of a process that has not read the settings yet


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    version: Any = _NEVER
    defaults: dict[str, Any] = field(default_factory=dict)  # the environment's value of each overridden key


def init_app(app: Flask) -> None:
    if "shop_settings" in app.extensions:
        return
    app.extensions["shop_settings"] = _State()
    appcontext_pushed.connect(_entered, app)
    page_cache.before_lookup(app, refresh)


def _entered(app: Flask, **extra) -> None:
    """An app context of `app` was pushed: before anything in it reads the config."""
    state = app.extensions.get("shop_settings")
    if state is None:
        return
    try:
        _refresh(app, state)
    except SQLAlchemyError:
        db.session.rollback()
        if _not_migrated_yet():  # `flask db upgrade` on a new database: nothing to apply, nothing wrong
            return
        log.warning("could not read the shop's settings; keeping those in force", exc_info=True)


def _not_migrated_yet() -> bool:
    try:
        return not sa.inspect(db.engine).has_table(ShopSetting.__tablename__)
    except SQLAlchemyError:
        return False  # the database itself is away: that is worth the warning


def new_version() -> int:
    return secrets.randbits(62)


def applied_version(app: Flask) -> Any:
    """The settings' version this process applied to its config (what a copy made from the config
    is kept under), without asking the store."""
    state = app.extensions.get("shop_settings")
    return state.version if state is not None else None


def published_version(app: Flask) -> Any:
    """The settings' version every process compares with its own (a number, or None before the first change)."""
    store = app.extensions.get("page_cache")
    if store is not None:
        try:
            return store.read_marker(MARKER)
        except page_cache.StoreError:
            log.warning("page cache store unavailable; reading the settings' version from the database")
    return db.session.scalar(sa.select(ShopSetting.value).where(ShopSetting.key == VERSION_KEY))


def publish(app: Flask, version: int) -> None:
    """Tell every process (through the page cache's store) that the settings changed. Called after
    the commit: a process that saw the number before could read the rows before they change."""
    store = app.extensions.get("page_cache")
    if store is None:
        return  # the processes read the version row, committed with the change
    try:
        store.write_marker(MARKER, version)
    except page_cache.StoreError:
        log.exception("could not publish the settings' version; other processes keep the old settings "
                      "until the store is back and the next change")


def stored_overrides() -> dict[str, Any]:
    """Every setting an admin changed, by key."""
    rows = db.session.execute(sa.select(ShopSetting.key, ShopSetting.value).where(ShopSetting.key.in_(KEYS)))
    return {key: value for key, value in rows}


def refresh(app: Flask) -> None:
    """Apply the stored settings to `app.config` if their version changed since this process last did."""
    state = app.extensions.get("shop_settings")
    if state is None:
        return
    if has_app_context():
        _refresh(app, state)
        return
    # Before Flask (the page cache's lookup): a cached page's answer costs one read of the number;
    # only a changed one enters the app, which reads the rows (`_entered`).
    store = app.extensions.get("page_cache")
    if store is not None:
        try:
            if store.read_marker(MARKER) == state.version:
                return
        except page_cache.StoreError:
            pass
    with app.app_context():
        pass


def _refresh(app: Flask, state: _State) -> None:
    version = published_version(app)
    if version == state.version:
        return
    with state.lock:
        if version == state.version:
            return
        apply(app, state, stored_overrides())
        state.version = version


def apply(app: Flask, state: _State, overrides: dict[str, Any]) -> None:
    """Make `app.config` the environment's values with `overrides` on top, in one update."""
    values = {}
    for key in KEYS:
        if key in overrides:
            state.defaults.setdefault(key, app.config.get(key))
            values[key] = overrides[key]
        elif key in state.defaults:
            values[key] = state.defaults.pop(key)
    app.config.update(values)


def defaults(app: Flask) -> dict[str, Any]:
    """The environment's value of every editable setting."""
    state = app.extensions.get("shop_settings") or _State()
    return {key: state.defaults[key] if key in state.defaults else app.config.get(key) for key in KEYS}


def forget(app: Flask) -> None:
    """Put the environment's values back, then the stored ones, as a process that starts now
    would have them (tests: a test that changed settings ends this way)."""
    state = app.extensions.get("shop_settings")
    if state is None:
        return
    with state.lock:
        apply(app, state, {})
        state.version = _NEVER
    refresh(app)
