"""Settings without a restart, across processes: two separate servers on one database; a change
saved through the settings page of one is in the very next cart answered by the other."""
from __future__ import annotations

import http.client
import json
import re
from contextlib import ExitStack, contextmanager
from urllib.parse import urlencode, urlsplit

import pytest

from storefront.database import utcnow
from storefront.extensions import db
from storefront.shop_settings import runtime, service
from tests.backoffice.test_settings import settings_form
from tests.conftest import serving_with_gunicorn
from tests.factories import make_product, make_user

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def environment_settings(app):
    yield
    db.session.rollback()
    service.reset_all(None, now=utcnow())
    runtime.forget(app)


@contextmanager
def app_server(env: dict[str, str]):
    """One app server: gunicorn with one worker process, on a free loopback port, with more
    patience for stopping on a loaded machine."""
    with serving_with_gunicorn(["--workers", "1", "--threads", "2"], env, stop_timeout=60) as url:
        yield url


class Browser:
    """Keeps its cookies, like a browser, across requests to one server."""

    def __init__(self, url: str):
        self.url, self.cookies = url, {}

    def send(self, path: str, method: str = "GET", form: dict | None = None,
             body: dict | None = None) -> tuple[int, str]:
        parts = urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        data = None
        if form is not None:
            data = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return response.status, text

    def token(self, path: str) -> str:
        status, page = self.send(path)
        assert status == 200, (path, status)
        found = CSRF.search(page)
        return found.group(1) or found.group(2)


@pytest.mark.parametrize("page_cache", ["shared file", "off"])
def test_a_rate_changed_on_one_server_is_in_the_next_cart_on_the_other(app, database_url, page_cache):
    variant = make_product(title="Jūras cardigan", variants=[{"price": 2500, "stock": 9}]).variants[0]
    make_user("admin@example.com", "admin", PASSWORD)
    db.session.commit()
    env = dict(DATABASE_URL=database_url, INSTANCE_PATH=app.instance_path, SECRET_KEY=app.config["SECRET_KEY"],
               TASKS_IMMEDIATE="true", HUEY_URL="memory://", UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"], SMTP_HOST="",
               RATELIMIT_STORAGE_URI="memory://", SOCIAL_APPS=json.dumps(app.config["SOCIAL_APPS"]),
               # Both servers open the page cache's file (as `make run`'s workers do), or neither
               # has a cache and the settings' version is read from the database.
               PAGE_CACHE_URL=app.config["PAGE_CACHE_URL"] if page_cache == "shared file" else "off")
    with ExitStack() as servers:
        first = servers.enter_context(app_server(env))
        second = servers.enter_context(app_server(env))
        shopper = Browser(second)
        status, created = shopper.send("/api/v1/carts", "POST", body={})
        assert status == 201
        cart = json.loads(created)["token"]
        status, added = shopper.send(f"/api/v1/carts/{cart}/lines", "POST",
                                     body={"variant_id": variant.id, "quantity": 1})
        # The environment's rate, which the second server has read and keeps.
        assert status == 201 and json.loads(added)["totals"]["shipping"] == 495

        admin = Browser(first)
        token = admin.token("/account/login")
        assert admin.send("/account/login", "POST", {"csrf_token": token, "email": "admin@example.com",
                                                      "password": PASSWORD})[0] == 302
        token = admin.token("/admin/settings")
        saved = admin.send("/admin/settings", "POST", settings_form(csrf_token=token, SHIPPING_FLAT_RATE="7.25"))
        assert saved[0] == 302

        status, answer = shopper.send(f"/api/v1/carts/{cart}")
        assert status == 200 and json.loads(answer)["totals"]["shipping"] == 725
        # And back: a reset on the first server is the second's next answer too.
        token = admin.token("/admin/settings")
        assert admin.send("/admin/settings/reset/SHIPPING_FLAT_RATE", "POST", {"csrf_token": token})[0] == 302
        assert json.loads(shopper.send(f"/api/v1/carts/{cart}")[1])["totals"]["shipping"] == 495
