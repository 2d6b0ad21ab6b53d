"""Staff sessions end on the server: a kept cookie or remember token opens nothing once its
session is over (signed out, signed out everywhere, disabled, a new password, idle, expired)."""
from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime

import sqlalchemy as sa

from storefront.accounts.models import StaffSession, User
from storefront.accounts.service import reset_password, set_active
from storefront.audit.models import AuditEntry
from storefront.database import utcnow
from storefront.extensions import db
from tests.factories import make_user

PASSWORD = "correct horse battery"
NEW_PASSWORD = "seven quiet herons drift"


def sign_in(client, email="ana@example.com", password=PASSWORD, remember=False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post("/account/login", data=data)
    assert response.status_code == 302, response.status_code
    return response


def cookie(client, name):
    found = client.get_cookie(name)
    return found.value if found is not None else None


def opens_back_office(client) -> bool:
    response = client.get("/admin/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_a_kept_session_cookie_opens_nothing_after_signing_out(client, app):
    make_user("ana@example.com", "support", PASSWORD)
    sign_in(client)
    kept = cookie(client, "shop_session")
    assert opens_back_office(client)
    client.post("/account/logout")
    assert not opens_back_office(client)
    # The attacker's copy of the cookie, taken before the sign-out:
    replay = app.test_client()
    replay.set_cookie("shop_session", kept)
    assert not opens_back_office(replay)
    assert db.session.scalar(sa.select(StaffSession.ended_at)) is not None


def test_a_kept_remember_token_opens_nothing_after_signing_out(client, app):
    make_user("ana@example.com", "support", PASSWORD)
    sign_in(client, remember=True)
    remember = cookie(client, "remember_token")
    assert remember and not remember.startswith(str(db.session.scalar(sa.select(User.id))) + "|")
    token_only = app.test_client()
    token_only.set_cookie("remember_token", remember)
    assert opens_back_office(token_only)  # the remember cookie alone signs in while the session lives
    client.post("/account/logout")
    stale = app.test_client()
    stale.set_cookie("remember_token", remember)
    assert not opens_back_office(stale)


def test_the_remember_cookie_lasts_at_most_the_remember_setting(client, app):
    make_user("ana@example.com", "support", PASSWORD)
    response = sign_in(client, remember=True)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", header).group(1))
    days = app.config["STAFF_REMEMBER_DAYS"]
    assert days == 30
    assert expires <= utcnow() + dt.timedelta(days=days, minutes=1)
    session_row = db.session.scalar(sa.select(StaffSession))
    assert session_row.remember and session_row.expires_at <= utcnow() + dt.timedelta(days=days)


def test_a_remembered_session_past_its_limit_is_over(client, app):
    make_user("ana@example.com", "support", PASSWORD)
    sign_in(client, remember=True)
    db.session.execute(sa.update(StaffSession).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    db.session.commit()
    assert not opens_back_office(client)


def test_sign_out_everywhere_ends_the_sessions_of_every_browser(client, app):
    make_user("ana@example.com", "support", PASSWORD)
    laptop, phone = client, app.test_client()
    sign_in(laptop)
    sign_in(phone, remember=True)
    phone_token = cookie(phone, "remember_token")
    assert opens_back_office(laptop) and opens_back_office(phone)
    response = laptop.post("/admin/account/sign-out-everywhere")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert not opens_back_office(laptop)
    assert not opens_back_office(phone)
    again = app.test_client()
    again.set_cookie("remember_token", phone_token)
    assert not opens_back_office(again)
    assert "user.sign_out_everywhere" in db.session.scalars(sa.select(AuditEntry.action)).all()


def test_disabling_ends_every_session_and_enabling_does_not_revive_them(client, app):
    make_user("ana@example.com", "support", PASSWORD)
    sign_in(client, remember=True)
    kept_session, kept_remember = cookie(client, "shop_session"), cookie(client, "remember_token")
    set_active("ana@example.com", False)
    assert not opens_back_office(client)
    set_active("ana@example.com", True)
    for name, value in (("shop_session", kept_session), ("remember_token", kept_remember)):
        replay = app.test_client()
        replay.set_cookie(name, value)
        assert not opens_back_office(replay), name
    # Enabled again, the member signs in afresh.
    fresh = app.test_client()
    sign_in(fresh)
    assert opens_back_office(fresh)


def test_changing_the_password_keeps_this_browser_and_ends_the_others(client, app):
    make_user("ana@example.com", "support", PASSWORD)
    other = app.test_client()
    sign_in(client)
    sign_in(other)
    response = client.post("/admin/account", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert opens_back_office(client)
    assert not opens_back_office(other)
    client.post("/account/logout")
    assert client.post("/account/login", data={"email": "ana@example.com", "password": PASSWORD}).status_code == 401
    sign_in(client, password=NEW_PASSWORD)
    assert "user.password_change" in db.session.scalars(sa.select(AuditEntry.action)).all()


def test_a_password_reset_by_the_operator_ends_every_session(client, app):
    make_user("ana@example.com", "support", PASSWORD)
    sign_in(client, remember=True)
    reset_password("ana@example.com", NEW_PASSWORD)
    assert not opens_back_office(client)


def test_a_session_unused_for_the_idle_limit_ends_unless_kept_signed_in(client, app):
    make_user("ana@example.com", "support", PASSWORD)
    kept = app.test_client()
    sign_in(client)
    sign_in(kept, remember=True)
    assert app.config["STAFF_IDLE_HOURS"] == 8
    idle = utcnow() - dt.timedelta(hours=8, minutes=1)
    db.session.execute(sa.update(StaffSession).values(last_seen_at=idle))
    db.session.commit()
    assert not opens_back_office(client)
    assert opens_back_office(kept)


def test_a_session_in_use_is_not_idle(client, app):
    make_user("ana@example.com", "support", PASSWORD)
    sign_in(client)
    # Used seven hours ago, and now: its last use moves on, so it lives another eight hours.
    db.session.execute(sa.update(StaffSession).values(last_seen_at=utcnow() - dt.timedelta(hours=7)))
    db.session.commit()
    assert opens_back_office(client)
    db.session.expire_all()
    assert db.session.scalar(sa.select(StaffSession.last_seen_at)) > utcnow() - dt.timedelta(minutes=1)


def test_the_session_cookie_holds_a_session_token_not_the_user_id(client, app):
    user = make_user("ana@example.com", "support", PASSWORD)
    forged = app.test_client()
    with forged.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert not opens_back_office(forged)
