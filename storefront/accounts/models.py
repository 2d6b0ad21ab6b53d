from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import UTCDateTime, utcnow
from ..extensions import db


class Role(StrEnum):
    ADMIN = "admin"
    MARKETER = "marketer"
    SUPPORT = "support"


class Permission(StrEnum):
    """What a staff member may do. A route names exactly one; anything unnamed is denied."""

    ACCESS_BACKOFFICE = "access_backoffice"
    MANAGE_CATALOG = "manage_catalog"
    MANAGE_ORDERS = "manage_orders"
    VIEW_ORDERS = "view_orders"
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_OFFERS = "manage_offers"
    # Check a shopper's in-store QR code and mark it used (store staff; every role).
    REDEEM_IN_STORE = "redeem_in_store"
    ANSWER_CUSTOMERS = "answer_customers"
    VIEW_AUDIT_LOG = "view_audit_log"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MARKETER: frozenset({Permission.ACCESS_BACKOFFICE, Permission.MANAGE_OFFERS,
                              Permission.VIEW_ORDERS, Permission.REDEEM_IN_STORE}),
    Role.SUPPORT: frozenset({Permission.ACCESS_BACKOFFICE, Permission.ANSWER_CUSTOMERS,
                             Permission.VIEW_ORDERS, Permission.REDEEM_IN_STORE}),
}


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

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt with a random salt per password.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def can(self, permission: Permission) -> bool:
        try:
            return permission in ROLE_PERMISSIONS[Role(self.role)]
        except ValueError:
            return False

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
