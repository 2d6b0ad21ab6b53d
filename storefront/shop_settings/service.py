"""Changing the settings: checked, written, audited and announced to every process.

`change_settings` is the one way to change them. In one write transaction it checks each value
against its rule (`registry`), writes the ones that differ from what is in force (a value equal to
the environment's default removes the override, as a reset does), records each change in the
audit log with its old and new value (secrets masked), and writes a new version. After the commit
it publishes that version (`runtime.publish`) and then bumps the page cache's, in that order: a
process that renders a page under the new page version has already seen the new settings' version.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import page_cache
from ..audit.service import record
from ..database import write_transaction
from ..errors import ConflictError
from ..extensions import db
from . import runtime
from .models import VERSION_KEY, ShopSetting
from .registry import InvalidSetting, Setting, settings_for, settle


class SettingsChangedMeanwhile(ConflictError):
    code = "settings_changed_meanwhile"
    default_message = _l("Someone else saved the settings meanwhile. Here they are as they are now: check them "
                         "and save again.")


@dataclass(frozen=True)
class SettingState:
    """A setting as the page shows it: its definition, the value in force, the environment's
    default, and whether (and by whom, when) an admin overrode it."""

    setting: Setting
    value: Any
    default: Any
    overridden: bool
    updated_at: dt.datetime | None = None
    updated_by: str | None = None


def registry() -> dict[str, Setting]:
    return settings_for(current_app.config["SHOP_CURRENCY"])


def settings_in_force() -> dict[str, SettingState]:
    """Every editable setting, as the database and the environment have it now (one query)."""
    app = current_app._get_current_object()
    rows = {row.key: row for row in db.session.scalars(sa.select(ShopSetting))}
    defaults = runtime.defaults(app)
    return {key: SettingState(setting, rows[key].value if key in rows else defaults[key], defaults[key],
                              key in rows, rows[key].updated_at if key in rows else None,
                              rows[key].updated_by if key in rows else None)
            for key, setting in registry().items()}


def last_change() -> ShopSetting | None:
    """The most recent change (its time and who made it), or None while all are the environment's."""
    return db.session.scalar(sa.select(ShopSetting).where(ShopSetting.key == VERSION_KEY))


def version_seen(last: ShopSetting | None) -> str:
    """What a form shown now says it was based on (see `change_settings`'s `based_on`)."""
    return str(last.value) if last is not None else ""


def change_settings(changes: dict[str, Any], actor, *, now: dt.datetime, reset: Iterable[str] = (),
                    based_on: str | None = None) -> list[str]:
    """Set each of `changes` (key → value, as `app.config` holds it) and put each key of `reset`
    back to the environment's default; return the keys that changed. `based_on` is the version
    (`version_seen`) of the settings the admin's form showed: a form of every setting, sent after
    another admin's change, would otherwise put that change back unseen.

    :raise InvalidSetting: for an unknown key or a value its rule refuses (nothing is written).
    :raise SettingsChangedMeanwhile: when another admin saved since `based_on`, or at the same moment.
    """
    app = current_app._get_current_object()
    settings = registry()
    reset = list(dict.fromkeys(reset))
    unknown = [key for key in [*changes, *reset] if key not in settings]
    if unknown:
        raise InvalidSetting(_l("There is no setting %(key)s.", key=unknown[0]))
    defaults = runtime.defaults(app)
    actor_email = getattr(actor, "email", None) or "system"
    version = runtime.new_version()
    changed: list[str] = []
    try:
        with write_transaction():
            # The version row first, locked: two admins saving at once take turns (SQLite's write
            # lock does this already).
            marker = db.session.scalar(sa.select(ShopSetting).where(ShopSetting.key == VERSION_KEY).with_for_update())
            if based_on is not None and based_on != version_seen(marker):
                raise SettingsChangedMeanwhile()
            rows = {row.key: row for row in db.session.scalars(
                sa.select(ShopSetting).where(ShopSetting.key.in_(settings)))}
            wanted = {key: None for key in reset}
            for key, value in changes.items():
                current = rows[key].value if key in rows else defaults[key]
                wanted[key] = settings[key].check(value, current=current, default=defaults[key])
            before = {key: rows[key].value if key in rows else defaults[key] for key in settings}
            after = {**before, **{key: defaults[key] if value is None else value for key, value in wanted.items()}}
            wanted.update(settle(before, after))
            for key, value in wanted.items():
                row = rows.get(key)
                old = row.value if row is not None else defaults[key]
                new = defaults[key] if value is None or value == defaults[key] else value
                if new == old and (row is None) == (new == defaults[key]):
                    continue
                if new == defaults[key]:
                    if row is not None:
                        db.session.delete(row)
                elif row is None:
                    db.session.add(ShopSetting(key=key, value=new, updated_at=now, updated_by=actor_email))
                else:
                    row.value, row.updated_at, row.updated_by = new, now, actor_email
                masked_old, masked_new = settings[key].audited(old, new)
                record(actor, "settings.change", "setting", key, old=masked_old, new=masked_new,
                       default=new == defaults[key])
                changed.append(key)
            if not changed:
                return []
            if marker is None:
                db.session.add(ShopSetting(key=VERSION_KEY, value=version, updated_at=now, updated_by=actor_email))
            else:
                marker.value, marker.updated_at, marker.updated_by = version, now, actor_email
            db.session.flush()
    except IntegrityError:
        raise SettingsChangedMeanwhile() from None
    runtime.publish(app, version)
    page_cache.bump(app)
    return changed


def reset_all(actor, *, now: dt.datetime) -> list[str]:
    """Every setting back to the environment's default."""
    return change_settings({}, actor, now=now, reset=registry())
