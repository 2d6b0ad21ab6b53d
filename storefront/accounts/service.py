"""Staff account use cases: create, authenticate, enable and disable, roles and passwords.

Signing in and out, and ending sessions, are in `sessions`; invitations and reset links in
`invitations`; the password rule in `passwords`. Everything that changes an account is audited,
and everything that must lock someone out (disabling, a new password) ends all their sessions.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..audit.service import record
from ..database import utcnow, write_transaction
from ..errors import ConflictError, NotFoundError, ShopError
from ..extensions import db
from . import passwords
from .models import Role, User, hash_password
from .sessions import end_all_sessions, load_session


class InvalidAccount(ShopError):
    code = "invalid_account"


class AccountDisabled(ShopError):
    code = "account_disabled"
    status = 403
    default_message = _l("This account is disabled. Ask an admin to enable it again.")


class UnknownAccount(ShopError):
    code = "unknown_account"
    status = 404
    default_message = _l("There is no staff account with that e-mail.")


class WrongPassword(ShopError):
    code = "wrong_password"
    status = 400
    default_message = _l("That is not your current password.")


class LastAdmin(ConflictError):
    code = "last_admin"
    default_message = _l("The shop needs at least one active admin: make someone else an admin first.")


def normalise_email(email: str) -> str:
    """:raise InvalidAccount: if it is not an e-mail address."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        # email_validator explains in English only ("…must have an @-sign."): staff read their language.
        raise InvalidAccount(_l("Enter an e-mail address such as anna@example.com."), field="email") from exc


def check_role(role: str) -> str:
    """:raise InvalidAccount: for a role the shop does not have."""
    if role not in {r.value for r in Role}:
        raise InvalidAccount(_l("Unknown role."), field="role")
    return role


def check_new_password(password: str, email: str, *, field: str = "password") -> None:
    """The shop's password rule (`accounts.passwords`) with its settings. :raise WeakPassword:"""
    config = current_app.config
    passwords.check_password(password, email=email, shop_name=config["SHOP_NAME"], field=field,
                             min_length=config["STAFF_PASSWORD_MIN_LENGTH"],
                             min_score=config["STAFF_PASSWORD_MIN_SCORE"])


def create_user(email: str, password: str, role: str, *, actor=None) -> User:
    """Create a staff account and audit it.

    :raise InvalidAccount: for a bad e-mail or an unknown role.
    :raise WeakPassword: for a password the rule refuses.
    :raise ConflictError: if the e-mail is taken.
    """
    email = normalise_email(email)
    check_role(role)
    check_new_password(password, email)
    user = User(email=email, role=role)
    user.set_password(password)  # slow on purpose: hashed before the write begins
    try:
        with write_transaction():
            if db.session.scalar(sa.select(User.id).where(User.email == email)):
                raise ConflictError(_l("A user with that e-mail already exists."), field="email")
            db.session.add(user)
            db.session.flush()
            record(actor, "user.create", "user", user.id, email=email, role=role)
    except IntegrityError:  # created by someone else between the check and the insert
        raise ConflictError(_l("A user with that e-mail already exists."), field="email") from None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user with these credentials, or None. Timing does not reveal which was wrong. Writes
    nothing: `sessions.begin_session` signs the user in.

    :raise AccountDisabled: when the password is right but the account is disabled (said only to
        someone who knows the password, so it reveals nothing to a guesser).
    """
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        # Hash anyway so a missing account costs the same time as a wrong password.
        User(email="", role="support").set_password(password)
        return None
    if not user.check_password(password):
        return None
    if not user.active:
        raise AccountDisabled()
    return user


def get_user(user_id: int) -> User:
    """:raise NotFoundError: when there is no such staff account."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFoundError()
    return user


def staff_members() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.email)))


def _other_active_admins(user_id: int) -> int:
    # FOR UPDATE on PostgreSQL: two admins demoting or disabling each other at once take turns,
    # so the second sees the first's change and one admin is always left (SQLite's write lock
    # serialises them already).
    admins = db.session.scalars(sa.select(User.id).where(User.role == Role.ADMIN.value, User.active.is_(True))
                                .with_for_update()).all()
    return len([admin for admin in admins if admin != user_id])


def set_active(email: str, active: bool, *, actor=None, now: dt.datetime | None = None,
               keep_an_admin: bool = True) -> User:
    """Enable or disable a staff account. Disabling ends every session it has (a kept cookie opens
    nothing); enabling lets it sign in again but revives none of them.

    :raise UnknownAccount:
    :raise LastAdmin: when it would disable the only active admin (unless `keep_an_admin` is off:
        the operator's command may lock out a compromised last admin and create another).
    """
    now = now or utcnow()
    with write_transaction():
        user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise UnknownAccount(field="email")
        if keep_an_admin and not active and user.role == Role.ADMIN.value and user.active \
                and _other_active_admins(user.id) == 0:
            raise LastAdmin()
        if user.active != active:
            user.active = active
            if not active:
                end_all_sessions(user.id, now=now)
            record(actor, "user.enable" if active else "user.disable", "user", user.id, email=user.email)
    return user


def set_role(user_id: int, role: str, *, actor) -> User:
    """Give a staff member another role; it applies from their next request.

    :raise InvalidAccount: for an unknown role. :raise NotFoundError:
    :raise LastAdmin: when it would leave the shop without an active admin.
    """
    check_role(role)
    with write_transaction():
        user = get_user(user_id)
        if user.role == Role.ADMIN.value and role != user.role and user.active \
                and _other_active_admins(user.id) == 0:
            raise LastAdmin(field="role")
        if user.role != role:
            record(actor, "user.role", "user", user.id, email=user.email, old=user.role, new=role)
            user.role = role
    return user


def change_own_password(user_id: int, current_password: str, new_password: str, *, now: dt.datetime) -> User:
    """A staff member chooses a new password, proving they know the current one. Every session
    they had ends (the caller signs this browser in again).

    :raise WrongPassword: (field current_password). :raise WeakPassword: (field new_password).
    """
    user = get_user(user_id)
    if not user.check_password(current_password):
        raise WrongPassword(field="current_password")
    check_new_password(new_password, user.email, field="new_password")
    if user.check_password(new_password):
        raise passwords.WeakPassword(_l("Choose a password other than your current one."), field="new_password")
    password_hash = hash_password(new_password)
    with write_transaction():
        user = get_user(user_id)
        user.password_hash = password_hash
        end_all_sessions(user.id, now=now)
        record(user, "user.password_change", "user", user.id)
    return user


def reset_password(email: str, new_password: str, *, actor=None, now: dt.datetime | None = None) -> User:
    """An operator sets a staff member's password (`flask users set-password`); every session of
    theirs ends. :raise UnknownAccount: :raise WeakPassword:"""
    now = now or utcnow()
    email = email.strip().lower()
    check_new_password(new_password, email)
    password_hash = hash_password(new_password)
    with write_transaction():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            raise UnknownAccount(field="email")
        user.password_hash = password_hash
        end_all_sessions(user.id, now=now)
        record(actor, "user.password_reset", "user", user.id, email=user.email)
    return user


def load_user(token: str) -> User | None:
    """Flask-Login's user loader: the staff member whose live session `token` names, or None,
    which signs out a session that ended, a disabled account or a deleted one."""
    return load_session(token, now=utcnow())
