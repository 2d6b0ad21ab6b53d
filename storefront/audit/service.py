"""Recording staff actions."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..extensions import db
from .models import AuditEntry


def record(actor, action: str, target_type: str, target_id: Any, *, ip_address: str | None = None,
           when: dt.datetime | None = None, **details: Any) -> AuditEntry:
    """Add an audit entry to the current transaction; the caller's commit writes it with the action.

    `actor` is a staff `User` (or None for the system, e.g. a CLI command run by an operator).
    `when`: the moment the use case acted at (its `now`), so the entry agrees with the record's own
    timeline (an order's events); the clock's by default.
    """
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None) or "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details=details,
        ip_address=ip_address,
    )
    if when is not None:
        entry.created_at = when
    db.session.add(entry)
    return entry
