"""Staff account use cases: create, authenticate, load for Flask-Login."""
from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from ..audit.service import record
from ..database import utcnow
from ..errors import ConflictError, ShopError
from ..extensions import db
from .models import Role, User

MIN_PASSWORD_LENGTH = 10


class InvalidAccount(ShopError):
    code = "invalid_account"


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
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise ConflictError(_l("A user with that e-mail already exists."), field="email")
    user = User(email=email, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", "user", user.id, email=email, role=role)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Timing does not reveal which was wrong."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        # Hash anyway so a missing account costs the same time as a wrong password.
        User(email="", role="support").set_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    record(user, "user.login", "user", user.id)
    db.session.commit()
    return user


def load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
