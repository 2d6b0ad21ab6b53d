"""Staff sign-in: who gets in, who is refused, and how guessing is slowed down."""
from __future__ import annotations

import re

import sqlalchemy as sa

from storefront.accounts.models import User
from storefront.audit.models import AuditEntry
from storefront.extensions import db
from tests.factories import make_user

PASSWORD = "correct horse battery"


def sign_in_form(client, email, password, next_url=None):
    url = "/account/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def test_sign_in_page_is_a_styled_form_that_is_never_framed(client):
    response = client.get("/account/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Staff sign-in" in page and 'name="password"' in page
    assert "/static/css/admin.css" in page
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_staff_member_signs_in_and_reaches_the_dashboard(client):
    make_user("ana@example.com", "admin", PASSWORD)
    response = sign_in_form(client, "Ana@Example.com ", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200
    assert db.session.scalar(sa.select(AuditEntry.action)) == "user.login"
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.last_login_at)) is not None


def test_wrong_password_is_refused_with_a_clear_message(client):
    make_user("ana@example.com", "admin", PASSWORD)
    response = sign_in_form(client, "ana@example.com", "not the password")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_unknown_account_gets_the_same_answer_as_a_wrong_password(client):
    response = sign_in_form(client, "nobody@example.com", "whatever it is")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.get_data(as_text=True)


def test_many_wrong_passwords_are_rate_limited_with_a_clear_429(client, app):
    make_user("ana@example.com", "admin", PASSWORD)
    limit = int(re.match(r"\d+", app.config["LOGIN_RATE_LIMIT"]).group())
    statuses = [sign_in_form(client, "ana@example.com", f"guess {n}").status_code for n in range(limit)]
    assert statuses == [401] * limit
    blocked = sign_in_form(client, "ana@example.com", "guess again")
    assert blocked.status_code == 429
    assert "Too many sign-in attempts" in blocked.get_data(as_text=True)
    # Even the right password waits until the window has passed.
    assert sign_in_form(client, "ana@example.com", PASSWORD).status_code == 429
    assert client.get("/admin/").status_code == 302


def test_disabled_account_is_refused_even_with_the_right_password(client):
    user = make_user("ana@example.com", "admin", PASSWORD)
    user.active = False
    db.session.commit()
    response = sign_in_form(client, "ana@example.com", PASSWORD)
    assert response.status_code == 403
    assert "This account is disabled" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_disabling_an_account_signs_it_out_at_its_next_request(client):
    user = make_user("ana@example.com", "admin", PASSWORD)
    sign_in_form(client, "ana@example.com", PASSWORD)
    assert client.get("/admin/").status_code == 200
    user.active = False
    db.session.commit()
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_after_sign_in_only_same_site_addresses_are_followed(client):
    make_user("ana@example.com", "admin", PASSWORD)
    response = sign_in_form(client, "ana@example.com", PASSWORD, next_url="//evil.example/phish")
    assert response.headers["Location"].endswith("/admin/")
    client.post("/account/logout")
    response = sign_in_form(client, "ana@example.com", PASSWORD, next_url="/admin/products")
    assert response.headers["Location"].endswith("/admin/products")


def test_sign_out_is_a_post(client):
    make_user("ana@example.com", "admin", PASSWORD)
    sign_in_form(client, "ana@example.com", PASSWORD)
    assert client.get("/account/logout").status_code == 405
    assert client.get("/admin/").status_code == 200
    response = client.post("/account/logout")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302
    assert "user.logout" in db.session.scalars(sa.select(AuditEntry.action)).all()


def test_sign_out_without_the_csrf_token_is_refused_and_changes_nothing(client, csrf_enabled):
    make_user("ana@example.com", "admin", PASSWORD)
    page = client.get("/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/account/login", data={"email": "ana@example.com", "password": PASSWORD, "csrf_token": token})
    response = client.post("/account/logout")
    assert response.status_code == 400
    assert "Please reload the page" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200
    dashboard = client.get("/admin/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', dashboard).group(1)
    assert client.post("/account/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_behind_a_proxy_each_client_has_its_own_sign_in_limit(database_url, tmp_path):
    from storefront import create_app
    from storefront.extensions import limiter

    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                      "PROXY_FIX_HOPS": 1, "LOGIN_RATE_LIMIT": "2 per minute"})
    client = app.test_client()
    with app.app_context():
        limiter.reset()
        wrong = {"email": "nobody@example.com", "password": "wrong password!"}
        for _ in range(2):
            assert client.post("/account/login", data=wrong, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 401
        assert client.post("/account/login", data=wrong, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
        # Another shopper behind the same proxy is not locked out.
        assert client.post("/account/login", data=wrong, headers={"X-Forwarded-For": "198.51.100.9"}).status_code == 401
        limiter.reset()
