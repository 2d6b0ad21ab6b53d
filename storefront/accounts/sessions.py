"""Staff sessions the server can end: one `StaffSession` per sign-in.

The cookie session (and the remember cookie, when "keep me signed in" was ticked) holds a random
token; the table holds its hash. Each staff request loads the session and its user in one query
(`load_session`, Flask-Login's user loader) and refuses it when it has ended:

- signed out (`end_session`): that session only;
- sign out everywhere, disabled, a new password (`end_all_sessions`): the user's `sessions_epoch`
  moves on, so every session begun before is over, and re-enabling the account does not bring
  them back (the epoch never goes back);
- past `expires_at` (`STAFF_REMEMBER_DAYS` after sign-in), or, when not remembered, unused for
  `STAFF_IDLE_HOURS` (`last_seen_at` is written at most every `SEEN_EVERY`, so the idle limit
  holds to within that).

A kept cookie or remember token therefore opens nothing once its session has ended.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app

from ..audit.service import record
from ..database import write_transaction
from ..extensions import db
from .models import StaffSession, User

# How often a session's last use is written: a staff page costs no write in between.
SEEN_EVERY = dt.timedelta(minutes=5)
# Ended and expired sessions are kept this long for the owner's list, then deleted at a sign-in.
KEEP_ENDED = dt.timedelta(days=30)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def remember_limit() -> dt.timedelta:
    return dt.timedelta(days=current_app.config["STAFF_REMEMBER_DAYS"])


def idle_limit() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["STAFF_IDLE_HOURS"])


def is_live(staff_session: StaffSession, user: User, now: dt.datetime) -> bool:
    """Whether `staff_session` still opens the back office at `now`."""
    return (staff_session.ended_at is None and user.active and staff_session.epoch == user.sessions_epoch
            and now < staff_session.expires_at
            and (staff_session.remember or now - staff_session.last_seen_at < idle_limit()))


def begin_session(user: User, *, remember: bool, now: dt.datetime, ip_address: str = "",
                  user_agent: str = "") -> str:
    """Sign `user` in on one browser: a new session, the sign-in time and its audit entry.

    Returns the token for the cookie (also set as `user.session_token`, which Flask-Login stores).
    The session takes the user's current epoch inside the write, so a "sign out everywhere" that
    commits first is never undone by a sign-in that started before it.
    """
    token = secrets.token_urlsafe(32)
    user_id = user.id
    with write_transaction():
        epoch = db.session.scalar(sa.select(User.sessions_epoch).where(User.id == user_id))
        db.session.execute(sa.delete(StaffSession).where(
            StaffSession.user_id == user_id,
            sa.or_(StaffSession.ended_at < now - KEEP_ENDED, StaffSession.expires_at < now - KEEP_ENDED)))
        db.session.add(StaffSession(user_id=user_id, token_hash=token_hash(token), epoch=epoch, remember=remember,
                                    created_at=now, last_seen_at=now, expires_at=now + remember_limit(),
                                    ip_address=(ip_address or "")[:45], user_agent=(user_agent or "")[:200]))
        db.session.execute(sa.update(User).where(User.id == user_id).values(last_login_at=now))
        record(user, "user.login", "user", user_id, ip_address=ip_address or None, remember=remember)
    user.session_token = token
    return token


def load_session(token: str, *, now: dt.datetime) -> User | None:
    """The staff member whose live session `token` names, or None (which signs the browser out).

    One query for the session and its user; a write of `last_seen_at` at most every `SEEN_EVERY`.
    """
    if not token or len(token) > 100:
        return None
    row = db.session.execute(sa.select(StaffSession, User).join(User, StaffSession.user_id == User.id)
                             .where(StaffSession.token_hash == token_hash(token))).first()
    if row is None or not is_live(*row, now):
        return None
    staff_session, user = row
    if now - staff_session.last_seen_at >= SEEN_EVERY:
        _note_seen(staff_session.id, now)
    user.session_token = token
    user.staff_session_id = staff_session.id
    user.session_remembered = staff_session.remember
    return user


def _note_seen(session_id: int, now: dt.datetime) -> None:
    # The loader runs where the request first asks who is signed in, normally before any use
    # case; inside one (a write already open) the touch waits for the next request instead.
    session = db.session()
    if session.info.get("writing") or session.info.get("wrote") or session.new or session.dirty or session.deleted:
        return
    with write_transaction():
        db.session.execute(sa.update(StaffSession).where(StaffSession.id == session_id,
                                                         StaffSession.last_seen_at < now)
                           .values(last_seen_at=now))


def end_session(token: str, *, actor: User, now: dt.datetime) -> None:
    """Sign out one browser: its session ends on the server, whatever cookies it kept."""
    with write_transaction():
        db.session.execute(sa.update(StaffSession).where(StaffSession.token_hash == token_hash(token),
                                                         StaffSession.ended_at.is_(None))
                           .values(ended_at=now))
        record(actor, "user.logout", "user", actor.id)


def end_all_sessions(user_id: int, *, now: dt.datetime) -> None:
    """Inside the caller's write: every session of `user_id` is over, now and for good."""
    db.session.execute(sa.update(User).where(User.id == user_id)
                       .values(sessions_epoch=User.sessions_epoch + 1))
    db.session.execute(sa.update(StaffSession).where(StaffSession.user_id == user_id,
                                                     StaffSession.ended_at.is_(None))
                       .values(ended_at=now))


def sign_out_everywhere(user_id: int, *, actor: User | None, now: dt.datetime) -> None:
    """End every session of `user_id` (their own button, or an admin's), audited."""
    with write_transaction():
        end_all_sessions(user_id, now=now)
        record(actor, "user.sign_out_everywhere", "user", user_id)


def live_sessions(user_id: int, *, now: dt.datetime) -> list[StaffSession]:
    """The sessions of `user_id` that are still open, most recently used first."""
    rows = db.session.execute(sa.select(StaffSession, User).join(User, StaffSession.user_id == User.id)
                              .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
                              .order_by(StaffSession.last_seen_at.desc())).all()
    return [staff_session for staff_session, user in rows if is_live(staff_session, user, now)]
