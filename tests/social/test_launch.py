"""A shopper sent by a social platform's page lands in the shop with a tab session; a launch that
cannot be trusted gets a clear page in the shopper's own language and no session.

Launch messages are built here with each platform's published algorithm, signed with the demo
apps' secrets (the default setting SOCIAL_APPS).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest

from storefront.social import service
from tests.factories import make_product

META_SECRET, META_PAGE = "demo-meta-secret", "1001"
BOT_TOKEN = "123456:demo-telegram-bot-token"
VK_APP, VK_SECRET = "51000001", "demo-vk-secret"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_request(*, locale="es_ES", app_data="", issued_at=None, page=META_PAGE, secret=META_SECRET, **extra):
    payload = {"algorithm": "HMAC-SHA256", "issued_at": int(time.time()) if issued_at is None else issued_at,
               "user_id": "4242", "user": {"locale": locale}, "page": {"id": page}, **extra}
    if app_data:
        payload["app_data"] = app_data
    body = b64url(json.dumps(payload).encode())
    return b64url(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()) + "." + body


def init_data(*, language="lv", start_param="", auth_date=None, token=BOT_TOKEN):
    fields = {"auth_date": str(int(time.time()) if auth_date is None else auth_date),
              "user": json.dumps({"id": 777, "first_name": "Līga", "language_code": language}, ensure_ascii=False)}
    if start_param:
        fields["start_param"] = start_param
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    key = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return urlencode({**fields, "hash": hmac.new(key, check.encode(), hashlib.sha256).hexdigest()})


def vk_query(*, language="en", ts=None, secret=VK_SECRET, extra=None):
    params = {"vk_app_id": VK_APP, "vk_user_id": "555", "vk_group_id": "218000001", "vk_language": language,
              "vk_platform": "desktop_web", "vk_ts": str(int(time.time()) if ts is None else ts)}
    signed = urlencode(sorted(params.items()))
    sign = b64url(hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest())
    return urlencode({**params, "sign": sign, **(extra or {})})


def session_of(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def assert_no_launch(client, app):
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]) is None
    assert "launch" not in session_of(client) and "channel" not in session_of(client)


def test_a_page_tab_post_opens_the_shop_in_the_shoppers_language(client):
    response = client.post("/tab", data={"signed_request": signed_request(locale="es_ES")})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    session = session_of(client)
    assert session["launch"]["platform"] == "meta" and session["launch"]["page_id"] == META_PAGE
    assert session["launch"]["user_id"] == "4242" and session["launch"]["locale"] == "es"
    assert (session["lang"], session["channel"], session["embedded"]) == ("es", "meta", True)
    assert (session["utm_source"], session["utm_campaign"]) == ("meta", META_PAGE)
    assert 'lang="es"' in client.get("/").get_data(as_text=True)


def test_a_page_tab_post_needs_no_csrf_token(client, csrf_enabled):
    assert client.post("/tab", data={"signed_request": signed_request()}).status_code == 303


def test_a_telegram_launch_in_the_query_string_opens_the_shop_in_latvian(client):
    response = client.get("/tab/telegram", query_string={"tgWebAppData": init_data(language="lv")})
    assert response.status_code == 303
    session = session_of(client)
    assert (session["launch"]["platform"], session["launch"]["page_id"], session["lang"]) == (
        "telegram", "ZiemeluVilnaBot", "lv")
    assert session["launch"]["user_id"] == "777"


def test_a_telegram_launch_posted_by_the_launch_pages_script_opens_the_shop(client, csrf_enabled):
    assert client.post("/tab/telegram", data={"init_data": init_data()}).status_code == 303
    assert session_of(client)["channel"] == "telegram"


def test_a_telegram_launch_posted_as_json_opens_the_shop(client):
    assert client.post("/tab/telegram", json={"init_data": init_data(language="en")}).status_code == 303
    assert session_of(client)["lang"] == "en"


def test_telegram_without_launch_data_serves_the_page_that_reads_it_from_the_fragment(client):
    response = client.get("/tab/telegram")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "js/telegram-launch.js" in html and 'action="/tab/telegram"' in html
    assert_no_launch(client, client.application)


def test_a_vk_launch_opens_the_shop(client):
    response = client.get(f"/tab/vk?{vk_query(language='en')}")
    assert response.status_code == 303
    session = session_of(client)
    assert (session["launch"]["platform"], session["launch"]["page_id"], session["lang"]) == ("vk", "218000001", "en")


def test_a_launch_in_a_language_the_shop_does_not_speak_keeps_the_shops_choice(client):
    assert client.post("/tab", data={"signed_request": signed_request(locale="ru_RU")}).status_code == 303
    session = session_of(client)
    assert session["launch"]["locale"] == "ru" and "lang" not in session


@pytest.mark.parametrize("launch", ["meta", "telegram", "vk"])
def test_a_deep_link_opens_that_product(client, launch):
    make_product("Baltic sweater", slug="baltic-sweater")
    if launch == "meta":
        response = client.post("/tab", data={"signed_request": signed_request(app_data="p:baltic-sweater")})
    elif launch == "telegram":
        response = client.get("/tab/telegram", query_string={"tgWebAppData": init_data(start_param="p_baltic-sweater")})
    else:
        response = client.get(f"/tab/vk?{vk_query(extra={'app_data': 'p:baltic-sweater'})}")
    assert response.status_code == 303 and response.headers["Location"] == "/p/baltic-sweater"


@pytest.mark.parametrize("slug", ["no-such-thing", "retired-sweater"])
def test_a_deep_link_to_a_product_that_is_not_on_sale_opens_the_home_page(client, slug):
    make_product("Retired sweater", slug="retired-sweater", active=False)
    response = client.post("/tab", data={"signed_request": signed_request(app_data=f"p:{slug}")})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def bad_launches():
    now = int(time.time())
    good = signed_request()
    signature, body = good.split(".")
    return {
        "meta tampered": ("post", "/tab", {"signed_request": signature + "." + b64url(b'{"algorithm":"HMAC-SHA256"}')}),
        "meta wrong key": ("post", "/tab", {"signed_request": signed_request(secret="guess")}),
        "meta wrong algorithm": ("post", "/tab", {"signed_request": signed_request(algorithm="HMAC-SHA1")}),
        "meta bad base64": ("post", "/tab", {"signed_request": "!!!." + body}),
        "meta not json": ("post", "/tab", {"signed_request": b64url(hmac.new(META_SECRET.encode(), b64url(b"nope").encode(), hashlib.sha256).digest()) + "." + b64url(b"nope")}),
        "meta stale": ("post", "/tab", {"signed_request": signed_request(issued_at=now - 3600)}),
        "meta future": ("post", "/tab", {"signed_request": signed_request(issued_at=now + 3600)}),
        "meta unknown page": ("post", "/tab", {"signed_request": signed_request(page="9999")}),
        "meta missing": ("post", "/tab", {}),
        "telegram tampered": ("get", "/tab/telegram?" + urlencode({"tgWebAppData": init_data().replace("777", "778")}), None),
        "telegram unknown bot": ("get", "/tab/telegram?" + urlencode({"tgWebAppData": init_data(token="1:other")}), None),
        "telegram stale": ("get", "/tab/telegram?" + urlencode({"tgWebAppData": init_data(auth_date=now - 3600)}), None),
        "telegram garbage post": ("post", "/tab/telegram", {"init_data": "%%%"}),
        "vk tampered": ("get", "/tab/vk?" + vk_query().replace("vk_user_id=555", "vk_user_id=1"), None),
        "vk future": ("get", "/tab/vk?" + vk_query(ts=now + 3600), None),
        "vk no params": ("get", "/tab/vk", None),
    }


@pytest.mark.parametrize("case", list(bad_launches()))
def test_a_bad_launch_gets_a_clear_page_in_the_browsers_language_and_no_session(client, app, case):
    method, url, form = bad_launches()[case]
    headers = {"Accept-Language": "es-ES,es;q=0.9"}
    if method == "post":
        response = client.post(url, data=form, headers=headers)
    else:
        response = client.get(url, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "data-launch-error" in html and 'lang="es"' in html and "Carrito" in html
    assert_no_launch(client, app)


def test_the_launchs_claimed_language_does_not_choose_the_error_pages_language(client, app):
    # A forged launch claims Latvian; the refusal speaks the browser's language.
    response = client.post("/tab", data={"signed_request": signed_request(locale="lv_LV", secret="forged")},
                           headers={"Accept-Language": "en-GB"})
    assert response.status_code == 400 and 'lang="en"' in response.get_data(as_text=True)
    assert "not signed by the social platform" in response.get_data(as_text=True)
    assert_no_launch(client, app)


def test_a_launch_replayed_after_its_freshness_window_is_refused(client, app, monkeypatch):
    raw = signed_request()
    later = datetime.now(timezone.utc) + timedelta(seconds=app.config["LAUNCH_MAX_AGE"] + 5)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    response = client.post("/tab", data={"signed_request": raw})
    assert response.status_code == 400 and 'data-launch-error="stale"' in response.get_data(as_text=True)
    assert_no_launch(client, app)


def test_a_refused_launch_answers_json_clients_with_its_reason(client):
    response = client.post("/tab", data={"signed_request": "x.y"}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_launch" and response.get_json()["error"]["reason"] == "malformed"


def test_an_unsigned_deeply_nested_payload_is_refused_before_it_is_parsed(client):
    import base64

    payload = base64.urlsafe_b64encode(b"[" * 3000).rstrip(b"=").decode()
    signature = base64.urlsafe_b64encode(b"x" * 32).rstrip(b"=").decode()
    response = client.post("/tab", data={"signed_request": f"{signature}.{payload}"})
    assert response.status_code == 400
