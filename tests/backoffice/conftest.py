"""Helpers for back-office tests: staff members of each role, signed in on the test client."""
from __future__ import annotations

import datetime as dt
import io
import secrets
import time

import pytest
import sqlalchemy as sa
from PIL import Image

from storefront.accounts.models import StaffSession
from storefront.accounts.sessions import token_hash
from storefront.audit.models import AuditEntry
from storefront.database import utcnow
from storefront.extensions import db
from tests.factories import make_user


def sign_in(client, user) -> None:
    """Sign `user` in on `client` as the sign-in page does (a server-side staff session, its token
    in the cookie session), without the rate-limited POST and its audit entry."""
    token, now = secrets.token_urlsafe(32), utcnow()
    db.session.add(StaffSession(user_id=user.id, token_hash=token_hash(token), epoch=user.sessions_epoch,
                                remember=False, created_at=now, last_seen_at=now, expires_at=now + dt.timedelta(days=1)))
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True


@pytest.fixture
def admin(client):
    user = make_user("admin@example.com", "admin")
    sign_in(client, user)
    return user


@pytest.fixture
def staff(client):
    """`staff("marketer")` signs in a new staff member with that role."""

    def make(role: str):
        user = make_user(f"{role}@example.com", role)
        sign_in(client, user)
        return user

    return make


def audit_actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def image_bytes(fmt: str = "PNG", size=(40, 30), colour=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def wait_for_import(client, job_id: int, timeout: float = 60.0) -> dict:
    """Poll the progress endpoint, as the page does, until the job has finished."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        # The test client's requests share the test's app context and so its session: end its
        # transaction, or SQLite keeps showing the snapshot from the first poll.
        db.session.remove()
        progress = client.get(f"/admin/catalog/import/{job_id}/progress").json
        seen.append(progress["percent"])
        if progress["finished"]:
            progress["seen_percents"] = seen
            return progress
        time.sleep(0.05)
    raise AssertionError(f"import {job_id} did not finish in {timeout}s (progress {seen[-5:]})")
