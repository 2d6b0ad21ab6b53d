"""The e-mails that carry staff links: an invitation to join the back office, or a link to choose
a new password (`accounts.invitations`), written to the outbox in the transaction that made the
link (`accounts.signals.staff_link_issued`) and rendered by the worker in the link's language."""
from __future__ import annotations

import datetime as dt

from flask import render_template
from flask_babel import gettext as _

from ..accounts import signals
from ..accounts.invitations import link_token
from ..accounts.models import ROLE_LABELS, InvitationPurpose, StaffInvitation
from ..extensions import db
from .models import OutboundEmail
from .service import Rendered, public_url, queue_email, register

INVITATION_MAIL = "staff_invitation"
RESET_MAIL = "staff_password_reset"


def queue_link_mail(invitation: StaffInvitation, *, now: dt.datetime, **_) -> None:
    kind = RESET_MAIL if invitation.purpose == InvitationPurpose.RESET.value else INVITATION_MAIL
    queue_email(kind, recipient=invitation.email, locale=invitation.locale, now=now, ref_id=invitation.id,
                key=f"staff_link:{invitation.id}")


def render_link_mail(email: OutboundEmail) -> Rendered:
    invitation = db.session.get(StaffInvitation, email.ref_id)
    context = {"invitation": invitation, "role": ROLE_LABELS.get(invitation.role, invitation.role),
               "reset": invitation.purpose == InvitationPurpose.RESET.value,
               "link_url": public_url("accounts.accept_link", token=link_token(invitation), lang=invitation.locale)}
    subject = (_("Choose a new password for the back office") if context["reset"]
               else _("You are invited to the back office"))
    return Rendered(subject=subject, text=render_template("mail/accounts/staff_link.txt", **context),
                    html=render_template("mail/accounts/staff_link.html", **context))


def connect() -> None:
    """Register the renderers and write the mail when a link is issued (`mail.init_app`)."""
    register(INVITATION_MAIL, render_link_mail)
    register(RESET_MAIL, render_link_mail)
    signals.staff_link_issued.connect(queue_link_mail)
