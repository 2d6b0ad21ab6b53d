"""Staff accounts in the back office: admins invite by e-mail (a single-use, expiring link), set
roles and disable; everyone changes their own password under the password rule; all audited."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from storefront.accounts.models import StaffInvitation, User
from storefront.audit.models import AuditEntry
from storefront.database import utcnow
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.mail.service import render
from tests.backoffice.conftest import sign_in
from tests.concurrency import at_once
from tests.factories import make_user

PASSWORD = "correct horse battery"
NEW_PASSWORD = "seven quiet herons drift"


def actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def mailed_link(kind: str = "staff_invitation") -> str:
    """The link in the last mail of `kind` in the outbox, as the worker renders it."""
    db.session.expire_all()
    email = db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.kind == kind)
                               .order_by(OutboundEmail.id.desc())).first()
    assert email is not None, f"no {kind} mail"
    text = render(email).get_body(("plain",)).get_content()
    return re.search(r"http://shop\.test(/account/link/\S+)", text).group(1)


def test_an_admin_invites_by_email_and_the_link_sets_a_password_once(client, app):
    admin = make_user("admin@example.com", "admin", PASSWORD)
    sign_in(client, admin)
    response = client.post("/admin/staff", data={"email": "Mara@Example.com", "role": "marketer"})
    assert response.status_code == 302
    assert "mara@example.com" in client.get("/admin/staff").get_data(as_text=True)
    link = mailed_link()
    client.post("/account/logout")

    newcomer = app.test_client()
    page = newcomer.get(link)
    assert page.status_code == 200 and "mara@example.com" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = newcomer.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/login")
    member = db.session.scalar(sa.select(User).where(User.email == "mara@example.com"))
    assert member.role == "marketer" and member.check_password(NEW_PASSWORD)
    # Used once: the same link (a second click, or someone who saw the mail later) sets nothing.
    assert newcomer.get(link).status_code == 410
    assert newcomer.post(link, data={"password": "another fine phrase here", "confirm": "another fine phrase here"}
                         ).status_code == 410
    assert newcomer.post("/account/login", data={"email": "mara@example.com", "password": NEW_PASSWORD}
                         ).status_code == 302
    assert newcomer.get("/admin/offers/").status_code == 200
    assert ["user.invite", "user.create"] == [a for a in actions() if a in {"user.invite", "user.create"}]


def test_a_tampered_or_expired_link_is_refused(client, app):
    sign_in(client, make_user("admin@example.com", "admin", PASSWORD))
    client.post("/admin/staff", data={"email": "mara@example.com", "role": "support"})
    link = mailed_link()
    path = link.split("?")[0]
    assert client.get(path[:-2] + ("AA" if not path.endswith("AA") else "BB")).status_code == 404
    assert client.get("/account/link/not-a-link").status_code == 404
    db.session.execute(sa.update(StaffInvitation).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    db.session.commit()
    assert client.get(link).status_code == 410
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 410
    assert db.session.scalar(sa.select(User.id).where(User.email == "mara@example.com")) is None


def test_a_newer_invitation_withdraws_the_older_link(client):
    sign_in(client, make_user("admin@example.com", "admin", PASSWORD))
    client.post("/admin/staff", data={"email": "mara@example.com", "role": "support"})
    first = mailed_link()
    client.post("/admin/staff", data={"email": "mara@example.com", "role": "marketer"})
    assert client.get(first).status_code == 410
    assert client.get(mailed_link()).status_code == 200


@pytest.mark.parametrize("password, message", [
    ("short", "at least 10 characters"),
    ("password1234", "harder to guess"),
    ("mara.ozola2024", "harder to guess"),  # the member's own name
])
def test_a_guessable_password_is_refused_and_the_link_still_works(client, password, message):
    sign_in(client, make_user("admin@example.com", "admin", PASSWORD))
    client.post("/admin/staff", data={"email": "mara.ozola@example.com", "role": "support"})
    link = mailed_link()
    response = client.post(link, data={"password": password, "confirm": password})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User.id).where(User.email == "mara.ozola@example.com")) is None
    assert client.get(link).status_code == 200


def test_inviting_an_existing_account_or_a_bad_address_is_refused(client):
    sign_in(client, make_user("admin@example.com", "admin", PASSWORD))
    response = client.post("/admin/staff", data={"email": "admin@example.com", "role": "support"})
    assert response.status_code == 409 and "already exists" in response.get_data(as_text=True)
    assert client.post("/admin/staff", data={"email": "not an address", "role": "support"}).status_code == 400
    assert client.post("/admin/staff", data={"email": "x@example.com", "role": "owner"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(StaffInvitation.id))) == 0


def test_an_admin_sets_a_role_and_disables_an_account_and_all_is_audited(client):
    sign_in(client, make_user("admin@example.com", "admin", PASSWORD))
    member = make_user("mara@example.com", "support", PASSWORD)
    assert client.post(f"/admin/staff/{member.id}/role", data={"role": "marketer"}).status_code == 302
    assert client.post(f"/admin/staff/{member.id}/disable").status_code == 302
    db.session.expire_all()
    member = db.session.get(User, member.id)
    assert member.role == "marketer" and not member.active
    assert client.post(f"/admin/staff/{member.id}/enable").status_code == 302
    assert client.post(f"/admin/staff/{member.id}/sign-out").status_code == 302
    assert {"user.role", "user.disable", "user.enable", "user.sign_out_everywhere"} <= set(actions())


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(client):
    admin = make_user("admin@example.com", "admin", PASSWORD)
    sign_in(client, admin)
    response = client.post(f"/admin/staff/{admin.id}/disable")
    assert response.status_code == 409 and "at least one active admin" in response.get_data(as_text=True)
    assert client.post(f"/admin/staff/{admin.id}/role", data={"role": "support"}).status_code == 409
    db.session.expire_all()
    assert db.session.get(User, admin.id).active and db.session.get(User, admin.id).role == "admin"


def test_an_admin_mails_a_reset_link_that_ends_every_session(client, app):
    sign_in(client, make_user("admin@example.com", "admin", PASSWORD))
    member = make_user("mara@example.com", "support", PASSWORD)
    members_browser = app.test_client()
    sign_in(members_browser, member)
    assert client.post(f"/admin/staff/{member.id}/reset-link").status_code == 302
    link = mailed_link("staff_password_reset")
    assert members_browser.get("/admin/").status_code == 200  # the link alone changes nothing
    assert app.test_client().post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert members_browser.get("/admin/").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.id).check_password(NEW_PASSWORD)
    assert "user.password_reset" in actions()


@pytest.mark.parametrize("role", ["marketer", "support"])
def test_only_admins_manage_staff(client, role):
    member = make_user(f"{role}@example.com", role, PASSWORD)
    sign_in(client, member)
    assert client.get("/admin/staff").status_code == 403
    assert client.post(f"/admin/staff/{member.id}/role", data={"role": "admin"}).status_code == 403
    assert client.get("/admin/account").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, member.id).role == role


def test_changing_your_password_needs_the_current_one_and_a_strong_new_one(client):
    member = make_user("mara@example.com", "support", PASSWORD)
    sign_in(client, member)
    wrong = client.post("/admin/account", data={"current_password": "not it at all", "new_password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD})
    assert wrong.status_code == 400 and "not your current password" in wrong.get_data(as_text=True)
    weak = client.post("/admin/account", data={"current_password": PASSWORD, "new_password": "qwertyuiop12",
                                               "confirm": "qwertyuiop12"})
    assert weak.status_code == 400 and "harder to guess" in weak.get_data(as_text=True)
    mismatch = client.post("/admin/account", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 400 and "not the same" in mismatch.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, member.id).check_password(PASSWORD)
    assert "user.password_change" not in actions()


def test_two_clicks_on_one_link_at_once_create_one_account(app, live_server, client):
    sign_in(client, make_user("admin@example.com", "admin", PASSWORD))
    client.post("/admin/staff", data={"email": "mara@example.com", "role": "support"})
    link = mailed_link()

    def click():
        return app.test_client().post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code

    statuses = at_once([click] * 4)
    assert sorted(statuses) == [302, 410, 410, 410], statuses
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email == "mara@example.com")) == 1


@pytest.mark.parametrize("language, role", [("en", "Role"), ("es", "Rol"), ("lv", "Loma")])
def test_a_members_role_section_says_role_once_and_its_menu_keeps_that_name(client, language, role):
    sign_in(client, make_user("admin@example.com", "admin", PASSWORD))
    member = make_user("mara@example.com", "support", PASSWORD)

    page = client.get(f"/admin/staff/{member.id}?lang={language}").text

    section = page[page.index('aria-labelledby="role-title"'):]
    section = section[:section.index("</section>")]
    words = re.sub(r"<[^>]+>", " ", section)
    assert len(re.findall(rf"\b{role}\b", words)) == 1, words  # the heading, not a label under it too
    # The heading is the menu's label: the menu is announced by that name.
    label_for = re.search(r'<h2 id="role-title"><label for="([^"]+)">' + role + "</label></h2>", section)
    assert label_for and re.search(rf'<select[^>]* id="{label_for.group(1)}"', section)
