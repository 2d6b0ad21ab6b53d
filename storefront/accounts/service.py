"""Staff account use cases: create, authenticate, load for Flask-Login."""
from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..audit.service import record
from ..database import utcnow, write_transaction
from ..errors import ConflictError, ShopError
from ..extensions import db
from .models import Role, User

MIN_PASSWORD_LENGTH = 10


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


def normalise_email(email: str) -> str:
    """:raise InvalidAccount: if it is not an e-mail address."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidAccount(str(exc), field="email") from None


def create_user(email: str, password: str, role: str, *, actor=None) -> User:
    """Create a staff account and audit it.

    :raise InvalidAccount: for a bad e-mail, an unknown role or a short password.
    :raise ConflictError: if the e-mail is taken.
    """
    email = normalise_email(email)
    if role not in {r.value for r in Role}:
        raise InvalidAccount(_l("Unknown role."), field="role")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidAccount(_l("Passwords need at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
                             field="password")
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
    """The user with these credentials, or None. Timing does not reveal which was wrong.

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
    with write_transaction():
        user.last_login_at = utcnow()
        record(user, "user.login", "user", user.id)
    return user


def record_logout(user) -> None:
    with write_transaction():
        record(user, "user.logout", "user", user.id)


def set_active(email: str, active: bool, *, actor=None) -> User:
    """Enable or disable a staff account; a disabled one is signed out at its next request.

    :raise UnknownAccount:
    """
    with write_transaction():
        user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise UnknownAccount(field="email")
        user.active = active
        record(actor, "user.enable" if active else "user.disable", "user", user.id, email=user.email)
    return user


def load_user(user_id: str) -> User | None:
    """The signed-in staff member, or None, which signs out a disabled or deleted account."""
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None
