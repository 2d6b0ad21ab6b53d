"""A launch copied while it is still fresh starts no second tab session: the shop remembers each
launch that names a user, with the session it opened, until the launch would be stale anyway."""
from __future__ import annotations

import http.client
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa

from storefront.extensions import db
from storefront.social.models import RememberedLaunch
from storefront.social.service import forget_stale_launches
from tests.concurrency import at_once
from tests.factories import make_product
from tests.social.test_launch import assert_no_launch, init_data, session_of, signed_request, vk_query


def launch(client, platform: str, raw: str):
    if platform == "meta":
        return client.post("/tab", data={"signed_request": raw})
    if platform == "telegram":
        return client.get("/tab/telegram", query_string={"tgWebAppData": raw})
    return client.get(f"/tab/vk?{raw}")


LAUNCHES = {"meta": lambda: signed_request(), "telegram": lambda: init_data(), "vk": lambda: vk_query()}


@pytest.mark.parametrize("platform", LAUNCHES)
def test_a_launch_replayed_by_another_client_starts_no_second_session(app, platform):
    raw = LAUNCHES[platform]()
    shopper, copier, visitor = app.test_client(), app.test_client(), app.test_client()
    product = make_product()
    visitor.get(f"/p/{product.slug}")

    assert launch(shopper, platform, raw).status_code == 303
    # Remembering the launch changed nothing a page shows: shared pages stay in the cache.
    assert visitor.get(f"/p/{product.slug}").headers["X-Cache"] == "HIT"
    refused = launch(copier, platform, raw)
    assert refused.status_code == 400
    assert "already used in another browser" in refused.get_data(as_text=True)
    assert_no_launch(copier, app)
    # The shopper's own tab may send it again (a reload) and keeps its session.
    assert launch(shopper, platform, raw).status_code == 303
    assert session_of(shopper)["launch"]["platform"] == platform


def test_a_refused_replay_tells_json_clients_why(app):
    raw = signed_request()
    assert app.test_client().post("/tab", data={"signed_request": raw}).status_code == 303
    response = app.test_client().post("/tab", data={"signed_request": raw}, headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"]["reason"] == "replayed"


def test_a_session_that_launched_before_may_open_the_shop_from_a_new_launch(app):
    shopper = app.test_client()
    assert launch(shopper, "meta", signed_request(issued_at=int(time.time()) - 5)).status_code == 303
    tab = session_of(shopper)["launch"]["tab"]
    assert launch(shopper, "meta", signed_request()).status_code == 303
    assert session_of(shopper)["launch"]["tab"] == tab  # the same tab session throughout


def test_a_launch_that_names_no_user_cannot_be_told_from_another_and_is_not_remembered(app):
    # Two visitors who are not signed in, in the same second, send the same signed bytes.
    raw = signed_request(user_id=None)
    assert launch(app.test_client(), "meta", raw).status_code == 303
    assert launch(app.test_client(), "meta", raw).status_code == 303
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RememberedLaunch)) == 0


def test_remembered_launches_are_forgotten_once_stale(app):
    assert launch(app.test_client(), "vk", vk_query()).status_code == 303
    now = datetime.now(timezone.utc)
    assert forget_stale_launches(now) == 0
    later = now + timedelta(seconds=app.config["LAUNCH_MAX_AGE"] + 1)
    assert forget_stale_launches(later) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RememberedLaunch)) == 0


def post_launch(base_url: str, raw: str) -> int:
    """A client with no cookies posting a page-tab launch; the status, without following the 303."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        connection.request("POST", "/tab", body=urlencode({"signed_request": raw}),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_one_launch_sent_by_many_clients_at_once_opens_one_session(gunicorn_server):
    raw = signed_request()
    statuses = at_once([lambda: post_launch(gunicorn_server, raw) for _ in range(8)])
    assert sorted(statuses) == [303] + [400] * 7
