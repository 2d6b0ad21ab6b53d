"""E-mailed, single-use, expiring links: an admin invites a new staff member, or sends an existing
one a link to choose a new password.

The link carries the invitation's id and nonce, signed with the shop's SECRET_KEY
(itsdangerous), so the worker can write the mail after the commit and the table alone opens
nothing. It is used once: accepting it is a conditional `UPDATE … WHERE used_at IS NULL`, so two
clicks at once set one password. It lapses after `STAFF_INVITATION_HOURS`, and a newer link for
the same e-mail revokes the older ones.
"""
from __future__ import annotations

import datetime as dt
import hmac
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from ..audit.service import record
from ..database import write_transaction
from ..errors import ConflictError, NotFoundError, ShopError
from ..extensions import db
from .models import InvitationPurpose, StaffInvitation, User, hash_password
from .service import check_new_password, check_role, get_user, normalise_email
from .sessions import end_all_sessions
from .signals import staff_link_issued

SALT = "staff-link"


class LinkNotValid(NotFoundError):
    code = "link_not_valid"
    default_message = _l("This link is not valid. Check that you copied all of it.")


class LinkUsedOrExpired(ShopError):
    code = "link_used_or_expired"
    status = 410
    default_message = _l("This link has expired or was already used. Ask an admin for a new one.")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def link_token(invitation: StaffInvitation) -> str:
    """What the e-mailed link carries for `invitation`."""
    return _serializer().dumps([invitation.id, invitation.nonce])


def _expiry(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(hours=current_app.config["STAFF_INVITATION_HOURS"])


def _revoke_open_links(email: str, now: dt.datetime) -> None:
    db.session.execute(sa.update(StaffInvitation).where(StaffInvitation.email == email,
                                                        StaffInvitation.used_at.is_(None),
                                                        StaffInvitation.revoked_at.is_(None))
                       .values(revoked_at=now))


def invite(email: str, role: str, *, actor: User, now: dt.datetime, locale: str) -> StaffInvitation:
    """Invite `email` to join the staff with `role`: a link is e-mailed (in `locale`).

    :raise InvalidAccount: for a bad e-mail or role. :raise ConflictError: if the e-mail has an account.
    """
    email = normalise_email(email)
    check_role(role)
    with write_transaction():
        if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
            raise ConflictError(_l("A user with that e-mail already exists."), field="email")
        _revoke_open_links(email, now)
        invitation = StaffInvitation(purpose=InvitationPurpose.INVITE.value, email=email, role=role,
                                     nonce=secrets.token_urlsafe(32), locale=locale, invited_by_id=actor.id,
                                     created_at=now, expires_at=_expiry(now))
        db.session.add(invitation)
        db.session.flush()
        record(actor, "user.invite", "user_invitation", invitation.id, email=email, role=role)
        staff_link_issued.send(invitation, now=now)
    return invitation


def send_reset_link(user_id: int, *, actor: User, now: dt.datetime, locale: str) -> StaffInvitation:
    """E-mail a staff member a link to choose a new password. :raise NotFoundError:"""
    with write_transaction():
        user = get_user(user_id)
        _revoke_open_links(user.email, now)
        invitation = StaffInvitation(purpose=InvitationPurpose.RESET.value, email=user.email, role=user.role,
                                     user_id=user.id, nonce=secrets.token_urlsafe(32), locale=locale,
                                     invited_by_id=actor.id, created_at=now, expires_at=_expiry(now))
        db.session.add(invitation)
        db.session.flush()
        record(actor, "user.reset_link", "user", user.id, email=user.email)
        staff_link_issued.send(invitation, now=now)
    return invitation


def revoke(invitation_id: int, *, actor: User, now: dt.datetime) -> None:
    """Withdraw a link that has not been used. :raise NotFoundError:"""
    with write_transaction():
        invitation = db.session.get(StaffInvitation, invitation_id)
        if invitation is None:
            raise NotFoundError()
        if invitation.used_at is None and invitation.revoked_at is None:
            invitation.revoked_at = now
            record(actor, "user.invitation_revoke", "user_invitation", invitation.id, email=invitation.email)


def open_link(token: str, *, now: dt.datetime) -> StaffInvitation:
    """The invitation a link names, if it can still be used.

    :raise LinkNotValid: for a token that is not ours (tampered, mistyped).
    :raise LinkUsedOrExpired: for one used, revoked or past its time.
    """
    try:
        invitation_id, nonce = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise LinkNotValid() from None
    invitation = db.session.get(StaffInvitation, invitation_id) if isinstance(invitation_id, int) else None
    if invitation is None or not isinstance(nonce, str) or not hmac.compare_digest(invitation.nonce, nonce):
        raise LinkNotValid()
    if not invitation.is_open(now):
        raise LinkUsedOrExpired()
    return invitation


def pending_invitations(now: dt.datetime) -> list[StaffInvitation]:
    """Invitations to new staff that can still be accepted, newest first."""
    return list(db.session.scalars(
        sa.select(StaffInvitation).where(StaffInvitation.purpose == InvitationPurpose.INVITE.value,
                                         StaffInvitation.used_at.is_(None), StaffInvitation.revoked_at.is_(None),
                                         StaffInvitation.expires_at > now)
        .order_by(StaffInvitation.created_at.desc())))


def accept(token: str, password: str, *, now: dt.datetime) -> User:
    """Use a link once: an invitation creates the account with its role and this password; a reset
    link sets the password and ends every session of the account.

    :raise LinkNotValid: :raise LinkUsedOrExpired: (also when another click used it first)
    :raise WeakPassword: (field password) :raise ConflictError: if the e-mail got an account meanwhile.
    """
    invitation = open_link(token, now=now)
    check_new_password(password, invitation.email)
    password_hash = hash_password(password)  # before the write: slow on purpose
    invitation_id = invitation.id
    try:
        with write_transaction():
            used = db.session.execute(
                sa.update(StaffInvitation).where(StaffInvitation.id == invitation_id,
                                                 StaffInvitation.used_at.is_(None),
                                                 StaffInvitation.revoked_at.is_(None),
                                                 StaffInvitation.expires_at > now)
                .values(used_at=now)).rowcount
            if used != 1:
                raise LinkUsedOrExpired()
            invitation = db.session.get(StaffInvitation, invitation_id)
            if invitation.purpose == InvitationPurpose.RESET.value:
                user = get_user(invitation.user_id)
                user.password_hash = password_hash
                end_all_sessions(user.id, now=now)
                record(user, "user.password_reset", "user", user.id, email=user.email, by_link=invitation_id)
            else:
                if db.session.scalar(sa.select(User.id).where(User.email == invitation.email)) is not None:
                    raise ConflictError(_l("A user with that e-mail already exists."), field="password")
                user = User(email=invitation.email, role=invitation.role, password_hash=password_hash, created_at=now)
                db.session.add(user)
                db.session.flush()
                record(user, "user.create", "user", user.id, email=user.email, role=user.role,
                       invitation=invitation_id, invited_by=invitation.invited_by_id)
    except IntegrityError:
        raise ConflictError(_l("A user with that e-mail already exists."), field="password") from None
    return user
