from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import UTCDateTime, utcnow
from ..extensions import db


class Role(StrEnum):
    ADMIN = "admin"
    MARKETER = "marketer"
    SUPPORT = "support"


# What staff read for each role (pages and mail).
ROLE_LABELS: dict[str, str] = {
    Role.ADMIN.value: _l("Admin"),
    Role.MARKETER.value: _l("Marketer"),
    Role.SUPPORT.value: _l("Support"),
}


class Permission(StrEnum):
    """What a staff member may do. A route names exactly one; anything unnamed is denied."""

    ACCESS_BACKOFFICE = "access_backoffice"
    MANAGE_CATALOG = "manage_catalog"
    MANAGE_ORDERS = "manage_orders"
    # Move orders along: record a manual payment, pack, ship, deliver, cancel, resend mail, notes.
    HANDLE_ORDERS = "handle_orders"
    # Give money back (admins; support too where SUPPORT_MAY_REFUND is set).
    REFUND_ORDERS = "refund_orders"
    VIEW_ORDERS = "view_orders"
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_OFFERS = "manage_offers"
    # Check a shopper's in-store QR code and mark it used (store staff; every role).
    REDEEM_IN_STORE = "redeem_in_store"
    ANSWER_CUSTOMERS = "answer_customers"
    VIEW_AUDIT_LOG = "view_audit_log"
    # Shoppers by e-mail (storefront.customers): see them; export or erase one's personal data.
    VIEW_CUSTOMERS = "view_customers"
    EXPORT_CUSTOMERS = "export_customers"
    ERASE_CUSTOMERS = "erase_customers"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MARKETER: frozenset({Permission.ACCESS_BACKOFFICE, Permission.MANAGE_OFFERS,
                              Permission.VIEW_ORDERS, Permission.REDEEM_IN_STORE}),
    Role.SUPPORT: frozenset({Permission.ACCESS_BACKOFFICE, Permission.ANSWER_CUSTOMERS,
                             Permission.VIEW_ORDERS, Permission.HANDLE_ORDERS, Permission.REDEEM_IN_STORE,
                             Permission.VIEW_CUSTOMERS}),
}


def hash_password(password: str) -> str:
    """Scrypt with a random salt per password, at PASSWORD_HASH_METHOD's cost (werkzeug's default
    unless configured; slow on purpose: hash before a write begins, not while holding its lock)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint("role IN ('admin', 'marketer', 'support')", name="role_known"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(20))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_login_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)
    # Bumped by everything that must end all of this member's sessions at once (sign out
    # everywhere, disabling, a new password): a session begun under an older value is over, and
    # nothing (re-enabling included) ever brings the old value back.
    sessions_epoch: so.Mapped[int] = so.mapped_column(default=0, server_default=sa.text("0"))

    # The sign-in this object was loaded for (`accounts.sessions`); not a column. Flask-Login keeps
    # `get_id()` in the cookie session and the remember cookie, so that is this revocable token,
    # never the user's id, which a kept cookie could replay after signing out.
    session_token = None
    staff_session_id = None  # that session's row, to mark "this browser" in the list of sessions
    session_remembered = False  # whether that sign-in ticked "keep me signed in"

    @property
    def role_label(self) -> str:
        """The role as staff read it, in the page's language."""
        return str(ROLE_LABELS.get(self.role, self.role))

    def get_id(self) -> str:
        """The staff session's token, which `accounts.sessions.load_session` accepts while the
        session lasts. A user not signed in through `begin_session` has none: what is returned
        then is no token, so a `login_user` that skipped it signs nobody in."""
        return self.session_token or f"no-session:{self.id}"

    # Two objects are the same member when they are the same account, whichever sign-in each
    # was loaded for (Flask-Login's UserMixin would compare the tokens).
    __hash__ = object.__hash__

    def __eq__(self, other):
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def can(self, permission: Permission) -> bool:
        try:
            role = Role(self.role)
        except ValueError:
            return False
        return permission in ROLE_PERMISSIONS[role] or (
            permission == Permission.REFUND_ORDERS and role == Role.SUPPORT
            and current_app.config["SUPPORT_MAY_REFUND"])

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class StaffSession(db.Model):
    """One sign-in of a staff member, on one browser: what the cookie's token opens, until it ends.

    It ends when its owner signs out, at `expires_at` (the remember-me limit), after
    `STAFF_IDLE_HOURS` unused when it was not remembered, or when the user's `sessions_epoch`
    moves past `epoch`. Only a hash of the token is stored: the table alone opens nothing.
    """

    __tablename__ = "staff_sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    epoch: so.Mapped[int] = so.mapped_column()
    remember: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime)
    ended_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)
    ip_address: so.Mapped[str] = so.mapped_column(sa.String(45), default="")
    user_agent: so.Mapped[str] = so.mapped_column(sa.String(200), default="")

    user: so.Mapped[User] = so.relationship()


class InvitationPurpose(StrEnum):
    INVITE = "invite"  # a new staff member chooses their first password
    RESET = "reset"  # an admin sent an existing member a link to choose a new one


class StaffInvitation(db.Model):
    """A single-use, expiring link e-mailed to (future) staff: accepting it sets a password.

    The link is the id and `nonce`, signed with the shop's secret key (`accounts.invitations`), so
    the mail can be written later by the worker without the table holding a usable token.
    """

    __tablename__ = "staff_invitations"
    __table_args__ = (
        sa.CheckConstraint("role IN ('admin', 'marketer', 'support')", name="role_known"),
        sa.CheckConstraint("purpose IN ('invite', 'reset')", name="purpose_known"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    purpose: so.Mapped[str] = so.mapped_column(sa.String(10), default=InvitationPurpose.INVITE.value)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    role: so.Mapped[str] = so.mapped_column(sa.String(20))
    # The account a reset link is for (an invitation has none until it is accepted).
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    nonce: so.Mapped[str] = so.mapped_column(sa.String(43))
    locale: so.Mapped[str] = so.mapped_column(sa.String(5), default="en")
    invited_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime)
    used_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)

    def is_open(self, now: dt.datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at
