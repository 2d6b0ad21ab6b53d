"""`flask users …`: operators create, disable and enable staff accounts, set a password and sign a
member out everywhere, from the shell."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from storefront.accounts.models import User
from storefront.accounts.passwords import WeakPassword
from storefront.accounts.service import create_user
from storefront.audit.models import AuditEntry
from storefront.errors import ConflictError
from storefront.extensions import db
from tests.factories import make_user


def run(app, *args):
    return app.test_cli_runner().invoke(args=["users", *args])


def test_operator_creates_a_staff_account_with_a_role(app):
    result = run(app, "create", "Mara@Example.com", "--role", "marketer", "--password", "a long enough secret")
    assert result.exit_code == 0, result.output
    assert "Created marketer mara@example.com" in result.output
    user = db.session.scalar(sa.select(User).where(User.email == "mara@example.com"))
    assert user.role == "marketer" and user.active
    assert user.password_hash.startswith("scrypt:") and user.check_password("a long enough secret")
    assert db.session.scalar(sa.select(AuditEntry.action)) == "user.create"


def test_the_password_is_asked_for_when_not_given(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "sam@example.com", "--role", "support"],
                                          input="a long enough secret\na long enough secret\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User.role).where(User.email == "sam@example.com")) == "support"


def test_unknown_role_short_password_bad_email_and_taken_email_are_refused(app):
    make_user("taken@example.com")
    cases = [
        (("new@example.com", "--role", "owner", "--password", "a long enough secret"), "Invalid value for '--role'"),
        (("new@example.com", "--role", "admin", "--password", "short"), "at least 10 characters"),
        (("not-an-email", "--role", "admin", "--password", "a long enough secret"), "@"),
        (("taken@example.com", "--role", "admin", "--password", "a long enough secret"), "already exists"),
    ]
    for args, message in cases:
        result = run(app, "create", *args)
        assert result.exit_code != 0
        assert message in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_operator_disables_and_enables_an_account(app):
    make_user("ana@example.com")
    assert run(app, "disable", "ana@example.com").exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.active)) is False
    assert run(app, "enable", "ana@example.com").exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.active)) is True
    result = run(app, "disable", "nobody@example.com")
    assert result.exit_code != 0 and "no staff account" in result.output


@pytest.mark.parametrize("email, password, refusal", [
    ("taken@example.com", "a long enough secret", ConflictError),
    ("new@example.com", "short", WeakPassword),
    ("new@example.com", "password123456", WeakPassword),
])
def test_a_refused_account_leaves_no_user_and_no_audit_entry(app, email, password, refusal):
    make_user("taken@example.com")
    with pytest.raises(refusal):
        create_user(email, password, "admin")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


def test_operator_sets_a_new_password_and_every_session_of_the_member_ends(app, client):
    make_user("ana@example.com", "support", "correct horse battery")
    assert client.post("/account/login", data={"email": "ana@example.com", "password": "correct horse battery",
                                               "remember": "y"}).status_code == 302
    assert client.get("/admin/").status_code == 200
    weak = run(app, "set-password", "ana@example.com", "--password", "password1234")
    assert weak.exit_code != 0 and "harder to guess" in weak.output
    assert client.get("/admin/").status_code == 200
    result = run(app, "set-password", "ana@example.com", "--password", "seven quiet herons drift")
    assert result.exit_code == 0, result.output
    assert client.get("/admin/").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(User)).check_password("seven quiet herons drift")
    assert "user.password_reset" in db.session.scalars(sa.select(AuditEntry.action)).all()


def test_operator_signs_a_member_out_everywhere(app, client):
    make_user("ana@example.com", "support", "correct horse battery")
    client.post("/account/login", data={"email": "ana@example.com", "password": "correct horse battery"})
    assert client.get("/admin/").status_code == 200
    assert run(app, "sign-out", "ana@example.com").exit_code == 0
    assert client.get("/admin/").status_code == 302
    assert run(app, "sign-out", "nobody@example.com").exit_code != 0
