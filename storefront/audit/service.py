"""Recording staff actions."""
from __future__ import annotations

from typing import Any

from ..extensions import db
from .models import AuditEntry


def record(actor, action: str, target_type: str, target_id: Any, *, ip_address: str | None = None,
           **details: Any) -> AuditEntry:
    """Add an audit entry to the current transaction; the caller's commit writes it with the action.

    `actor` is a staff `User` (or None for the system, e.g. a CLI command run by an operator).
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
    db.session.add(entry)
    return entry
