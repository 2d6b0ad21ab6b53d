"""Each platform adapter accepts exactly the launches its platform signs.

The vectors are built here, step by step from each platform's published algorithm, not with the
adapters' own `sign`, so a mistake in an adapter cannot agree with itself. Each platform's
published example vector is checked too.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest

from storefront.social.adapters import InvalidLaunch, meta, telegram, vk

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
TS = int(NOW.timestamp())
MAX_AGE, SKEW = 600, 60
APPS = [
    {"platform": "meta", "app_id": "meta-app", "secret": "meta-secret", "pages": ["1001", "1002"]},
    {"platform": "meta", "app_id": "other-meta-app", "secret": "other-meta-secret", "pages": ["2001"]},
    {"platform": "telegram", "bot": "ZiemeluVilnaBot", "secret": "123456:bot-token"},
    {"platform": "telegram", "bot": "OtherBot", "secret": "654321:other-token"},
    {"platform": "vk", "app_id": "51000001", "secret": "vk-secret"},
]


def rules(**changes):
    return {"apps": APPS, "now": NOW, "max_age": MAX_AGE, "skew": SKEW, **changes}


def refused(adapter, raw, **changes) -> str:
    with pytest.raises(InvalidLaunch) as caught:
        adapter.verify(raw, **rules(**changes))
    assert caught.value.status == 400 and caught.value.code == "invalid_launch"
    return caught.value.reason


# --- Meta signed_request -------------------------------------------------------------------------

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def facebook_signed_request(payload: dict | str, secret: str = "meta-secret") -> str:
    body = b64url((payload if isinstance(payload, str) else json.dumps(payload)).encode())
    signature = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return f"{b64url(signature)}.{body}"


def page_tab_payload(**changes) -> dict:
    payload = {"algorithm": "HMAC-SHA256", "issued_at": TS - 30, "user_id": "4242",
               "user": {"locale": "es_ES", "country": "es"}, "page": {"id": "1001", "liked": True},
               "app_data": "p:baltic-sweater"}
    payload.update(changes)
    return payload


def test_a_page_tab_launch_signed_with_the_app_secret_says_who_came_from_which_page():
    launch = meta.verify(facebook_signed_request(page_tab_payload()), **rules())
    assert (launch.platform, launch.page_id, launch.user_id, launch.locale, launch.app_data) == (
        "meta", "1001", "4242", "es", "p:baltic-sweater")
    assert launch.issued_at == NOW - timedelta(seconds=30)


def test_a_second_meta_app_verifies_with_its_own_secret_for_its_own_pages():
    raw = facebook_signed_request(page_tab_payload(page={"id": 2001}), "other-meta-secret")
    assert meta.verify(raw, **rules()).page_id == "2001"


def test_the_algorithm_name_is_compared_as_facebooks_sample_does_ignoring_case():
    assert meta.verify(facebook_signed_request(page_tab_payload(algorithm="hmac-sha256")), **rules()).page_id == "1001"


def test_a_page_tab_launch_without_a_user_or_deep_link_still_opens_the_shop():
    payload = page_tab_payload()
    del payload["user_id"], payload["user"], payload["app_data"]
    launch = meta.verify(facebook_signed_request(payload), **rules())
    assert (launch.user_id, launch.locale, launch.app_data) == ("", None, "")


def test_a_tampered_meta_payload_is_refused():
    signature, _ = facebook_signed_request(page_tab_payload()).split(".")
    forged_body = b64url(json.dumps(page_tab_payload(user_id="9999")).encode())
    assert refused(meta, f"{signature}.{forged_body}") == "bad_signature"


def test_a_meta_payload_re_encoded_differently_from_what_was_signed_is_refused():
    # The HMAC covers the payload segment as received: the same JSON with other spacing is another message.
    signature, _ = facebook_signed_request(json.dumps(page_tab_payload(), separators=(",", ":"))).split(".")
    spaced = b64url(json.dumps(page_tab_payload(), separators=(", ", ": ")).encode())
    assert refused(meta, f"{signature}.{spaced}") == "bad_signature"


def test_a_tampered_meta_signature_is_refused():
    signature, body = facebook_signed_request(page_tab_payload()).split(".")
    flipped = b64url(bytes([base64.urlsafe_b64decode(signature + "=")[0] ^ 1]) + base64.urlsafe_b64decode(signature + "=")[1:])
    assert refused(meta, f"{flipped}.{body}") == "bad_signature"


def test_a_meta_launch_signed_with_an_unknown_secret_is_refused():
    assert refused(meta, facebook_signed_request(page_tab_payload(), "guessed-secret")) == "bad_signature"


@pytest.mark.parametrize("algorithm", ["HMAC-SHA1", "none", "", None, 256])
def test_a_meta_launch_naming_another_algorithm_is_refused(algorithm):
    assert refused(meta, facebook_signed_request(page_tab_payload(algorithm=algorithm))) == "bad_algorithm"


@pytest.mark.parametrize("raw", [
    "", "no-dot-here", ".onlypayload", "onlysignature.", "a$b.c*d", "abc.a",
    b64url(b"x" * 32) + "." + "eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiJ9===",  # padding is not base64url
    None, 42, "x" * 9000,
])
def test_a_meta_launch_that_is_not_two_base64url_segments_is_refused_as_malformed(raw):
    assert refused(meta, raw) == "malformed"


@pytest.mark.parametrize("body", ["not json at all", "[1, 2, 3]", '"a string"', "\udcff"])
def test_a_meta_payload_that_is_not_a_json_object_is_refused(body):
    body_segment = b64url(body.encode("utf-8", "surrogateescape"))
    signature = hmac.new(b"meta-secret", body_segment.encode(), hashlib.sha256).digest()
    assert refused(meta, f"{b64url(signature)}.{body_segment}") == "malformed"


def test_a_stale_meta_launch_is_refused_and_one_just_inside_the_window_is_not():
    assert meta.verify(facebook_signed_request(page_tab_payload(issued_at=TS - MAX_AGE)), **rules())
    assert refused(meta, facebook_signed_request(page_tab_payload(issued_at=TS - MAX_AGE - 1))) == "stale"


def test_a_meta_launch_replayed_after_the_freshness_window_is_refused():
    raw = facebook_signed_request(page_tab_payload(issued_at=TS))
    assert meta.verify(raw, **rules()).page_id == "1001"
    assert refused(meta, raw, now=NOW + timedelta(seconds=MAX_AGE + 1)) == "stale"


def test_a_meta_launch_from_the_future_is_refused_beyond_the_clock_skew():
    assert meta.verify(facebook_signed_request(page_tab_payload(issued_at=TS + SKEW)), **rules())
    assert refused(meta, facebook_signed_request(page_tab_payload(issued_at=TS + SKEW + 1))) == "future"


def test_a_meta_launch_for_a_page_the_app_does_not_serve_is_refused():
    assert refused(meta, facebook_signed_request(page_tab_payload(page={"id": "2001"}))) == "unknown_app"
    assert refused(meta, facebook_signed_request(page_tab_payload(page={"id": "7777"}))) == "unknown_app"


@pytest.mark.parametrize("missing", ["issued_at", "page"])
def test_a_meta_launch_missing_a_required_field_is_refused(missing):
    payload = page_tab_payload()
    del payload[missing]
    assert refused(meta, facebook_signed_request(payload)) == "malformed"


@pytest.mark.parametrize("issued_at", ["yesterday", True, -5, 1.5, None])
def test_a_meta_launch_with_a_garbage_timestamp_is_refused(issued_at):
    assert refused(meta, facebook_signed_request(page_tab_payload(issued_at=issued_at))) == "malformed"


def test_facebooks_published_example_signed_request_verifies():
    # From Facebook's canvas/signed_request documentation: secret "secret", payload
    # {"algorithm":"HMAC-SHA256","0":"payload"}. It has no page or date, so it passes the
    # signature check and is then refused for what a page tab needs.
    example = "vlXgu64BQGFSQrY0ZcJBZASMvYvTHu9GQ0YM9rjPSso.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsIjAiOiJwYXlsb2FkIn0"
    apps = [{"platform": "meta", "app_id": "example", "secret": "secret", "pages": ["1"]}]
    assert refused(meta, example, apps=apps) == "malformed"
    assert refused(meta, example, apps=[{**apps[0], "secret": "not-secret"}]) == "bad_signature"


# --- Telegram initData ---------------------------------------------------------------------------

def telegram_init_data(fields: dict, bot_token: str = "123456:bot-token") -> str:
    data_check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret_key = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret_key, data_check_string.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def mini_app_fields(**changes) -> dict:
    fields = {"query_id": "AAHdF6IQAAAAAN0XohDhrOrc", "auth_date": str(TS - 10), "start_param": "p_baltic-sweater",
              "user": json.dumps({"id": 279058397, "first_name": "Līga", "language_code": "lv"}, ensure_ascii=False)}
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


def test_init_data_signed_with_the_bots_token_says_who_came_from_which_bot():
    launch = telegram.verify(telegram_init_data(mini_app_fields()), **rules())
    assert (launch.platform, launch.page_id, launch.user_id, launch.locale, launch.app_data) == (
        "telegram", "ZiemeluVilnaBot", "279058397", "lv", "p:baltic-sweater")


def test_init_data_of_the_second_bot_names_that_bot():
    assert telegram.verify(telegram_init_data(mini_app_fields(), "654321:other-token"), **rules()).page_id == "OtherBot"


def test_tampered_init_data_is_refused():
    raw = telegram_init_data(mini_app_fields()).replace("279058397", "279058398")
    assert refused(telegram, raw) == "bad_signature"


def test_init_data_with_a_changed_hash_is_refused():
    fields = mini_app_fields()
    raw = telegram_init_data(fields)
    digest = raw.rsplit("hash=", 1)[1]
    assert refused(telegram, raw.replace(digest, digest[:-1] + ("0" if digest[-1] != "0" else "1"))) == "bad_signature"
    assert refused(telegram, raw.replace(digest, "zz" * 32)) == "bad_signature"


def test_init_data_signed_with_an_unknown_bots_token_is_refused():
    # An unconfigured bot and a forgery look the same: no configured token signed it.
    assert refused(telegram, telegram_init_data(mini_app_fields(), "999:unknown-bot")) == "bad_signature"


def test_init_data_signed_with_the_token_itself_instead_of_the_webappdata_key_is_refused():
    fields = mini_app_fields()
    data_check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    wrong = hmac.new(b"123456:bot-token", data_check_string.encode(), hashlib.sha256).hexdigest()
    assert refused(telegram, urlencode({**fields, "hash": wrong})) == "bad_signature"


def test_stale_and_future_init_data_is_refused():
    assert refused(telegram, telegram_init_data(mini_app_fields(auth_date=str(TS - MAX_AGE - 1)))) == "stale"
    assert refused(telegram, telegram_init_data(mini_app_fields(auth_date=str(TS + SKEW + 1)))) == "future"


def test_init_data_replayed_after_the_freshness_window_is_refused():
    raw = telegram_init_data(mini_app_fields(auth_date=str(TS)))
    assert telegram.verify(raw, **rules()).user_id == "279058397"
    assert refused(telegram, raw, now=NOW + timedelta(seconds=MAX_AGE + 1)) == "stale"


@pytest.mark.parametrize("raw", ["", "hash", "a=1&&b=2", "%ff%fe=1&hash=ab", None])
def test_init_data_that_is_not_a_query_string_is_refused(raw):
    assert refused(telegram, raw) == "malformed"


def test_init_data_with_a_repeated_field_is_refused():
    raw = telegram_init_data(mini_app_fields()) + "&user=" + "%7B%22id%22%3A1%7D"
    assert refused(telegram, raw) == "malformed"


@pytest.mark.parametrize("changes", [{"auth_date": None}, {"auth_date": "soon"}, {"user": "not json"},
                                     {"user": "[1]"}])
def test_signed_init_data_with_missing_or_garbage_fields_is_refused(changes):
    assert refused(telegram, telegram_init_data(mini_app_fields(**changes))) == "malformed"


def test_init_data_without_a_hash_is_refused():
    assert refused(telegram, urlencode(mini_app_fields())) == "malformed"


def test_the_published_example_init_data_verifies_with_its_bot_token():
    # The example from the Telegram Mini Apps documentation (docs.telegram-mini-apps.com, init
    # data validation), dated 2022-09-10: its signature is good, so only its age refuses it.
    example = ("query_id=AAHdF6IQAAAAAN0XohDhrOrc"
               "&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22%3A%22Kibenko%22"
               "%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%7D"
               "&auth_date=1662771648&hash=c501b71e775f74ce10e377dea85a7ea24ecd640b223ea86dfe453e0eaed2e2b2")
    bot = [{"platform": "telegram", "bot": "example_bot", "secret": "5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8"}]
    launch = telegram.verify(example, **rules(apps=bot, now=datetime.fromtimestamp(1662771648 + 5, timezone.utc)))
    assert (launch.user_id, launch.locale, launch.page_id) == ("279058397", "ru", "example_bot")
    assert refused(telegram, example, apps=bot) == "stale"


# --- VK launch parameters ------------------------------------------------------------------------

def vk_launch(params: dict, secret: str = "vk-secret", extra: dict | None = None) -> str:
    signed = urlencode(sorted((key, value) for key, value in params.items() if key.startswith("vk_")))
    sign = base64.urlsafe_b64encode(hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest())
    return urlencode({**params, "sign": sign.decode().rstrip("="), **(extra or {})})


def vk_params(**changes) -> dict:
    params = {"vk_user_id": "494075", "vk_app_id": "51000001", "vk_is_app_user": "1", "vk_language": "es",
              "vk_platform": "mobile_web", "vk_access_token_settings": "friends,groups", "vk_ts": str(TS - 20),
              "vk_group_id": "218000001"}
    params.update(changes)
    return {key: value for key, value in params.items() if value is not None}


def test_vk_launch_parameters_signed_with_the_app_secret_say_who_came_from_which_community():
    launch = vk.verify(vk_launch(vk_params(), extra={"app_data": "p:baltic-sweater"}), **rules())
    assert (launch.platform, launch.page_id, launch.user_id, launch.locale, launch.app_data) == (
        "vk", "218000001", "494075", "es", "p:baltic-sweater")


def test_a_vk_launch_outside_a_community_names_the_app():
    assert vk.verify(vk_launch(vk_params(vk_group_id=None)), **rules()).page_id == "51000001"


def test_parameters_without_the_vk_prefix_are_not_signed_and_do_not_matter():
    raw = vk_launch(vk_params(), extra={"utm_source": "anything", "app_data": "o:WINTER"})
    assert vk.verify(raw, **rules()).app_data == "o:WINTER"


def test_a_tampered_vk_parameter_is_refused():
    assert refused(vk, vk_launch(vk_params()).replace("vk_user_id=494075", "vk_user_id=1")) == "bad_signature"


def test_an_added_vk_parameter_is_refused():
    assert refused(vk, vk_launch(vk_params()) + "&vk_is_favorite=1") == "bad_signature"


def test_a_tampered_vk_sign_is_refused():
    raw = vk_launch(vk_params())
    sign = raw.rsplit("sign=", 1)[1]
    assert refused(vk, raw.replace(sign, ("A" if sign[0] != "A" else "B") + sign[1:])) == "bad_signature"


def test_a_vk_launch_signed_with_another_secret_is_refused():
    assert refused(vk, vk_launch(vk_params(), "someone-elses-secret")) == "bad_signature"


def test_a_vk_launch_for_an_app_that_is_not_configured_is_refused():
    assert refused(vk, vk_launch(vk_params(vk_app_id="6736218"))) == "unknown_app"


def test_stale_and_future_vk_launches_are_refused():
    assert refused(vk, vk_launch(vk_params(vk_ts=str(TS - MAX_AGE - 1)))) == "stale"
    assert refused(vk, vk_launch(vk_params(vk_ts=str(TS + SKEW + 1)))) == "future"


def test_a_vk_launch_replayed_after_the_freshness_window_is_refused():
    raw = vk_launch(vk_params(vk_ts=str(TS)))
    assert vk.verify(raw, **rules()).user_id == "494075"
    assert refused(vk, raw, now=NOW + timedelta(seconds=MAX_AGE + 1)) == "stale"


@pytest.mark.parametrize("changes", [{"vk_ts": None}, {"vk_ts": "noon"}, {"vk_app_id": None}])
def test_a_signed_vk_launch_missing_its_date_or_app_is_refused(changes):
    assert refused(vk, vk_launch(vk_params(**changes))) == "malformed"


@pytest.mark.parametrize("raw", ["", "vk_app_id=51000001", "sign=abc", "vk_app_id=1&&sign=x", None])
def test_a_vk_launch_without_parameters_or_sign_is_refused(raw):
    assert refused(vk, raw) == "malformed"


def test_a_vk_launch_with_a_repeated_parameter_is_refused():
    assert refused(vk, vk_launch(vk_params()) + "&vk_user_id=1") == "malformed"


def test_vks_published_example_launch_parameters_verify():
    # VK's own example (github.com/VKCOM/vk-apps-launch-params, examples/python3.py): secret
    # "wvl68m4dR1UpLrVRli" for app 6736218. It predates vk_ts, so only its missing date refuses it.
    example = ("vk_user_id=494075&vk_app_id=6736218&vk_is_app_user=1&vk_are_notifications_enabled=1"
               "&vk_language=ru&vk_access_token_settings=&vk_platform=android&sign=htQFduJpLxz7ribXRZpDFUH-XEUhC9rBPTJkjUFEkRA")
    app = {"platform": "vk", "app_id": "6736218", "secret": "wvl68m4dR1UpLrVRli"}
    assert vk.expected_sign(dict(p.split("=", 1) for p in example.split("&")), app["secret"]) == \
        "htQFduJpLxz7ribXRZpDFUH-XEUhC9rBPTJkjUFEkRA"
    assert refused(vk, example, apps=[app]) == "malformed"
    assert refused(vk, example, apps=[{**app, "secret": "wrong"}]) == "bad_signature"


# --- The demo page's signers produce what the verifiers accept -----------------------------------

def test_each_adapters_signer_produces_a_launch_its_verifier_accepts():
    raw = meta.sign(secret="meta-secret", page_id="1001", issued_at=TS, user_id="7", locale="lv_LV", app_data="p:x")
    assert meta.verify(raw, **rules()).locale == "lv"
    raw = telegram.sign(bot_token="123456:bot-token", auth_date=TS, user={"id": 7, "language_code": "en"},
                        start_param="p:x")
    assert telegram.verify(raw, **rules()).app_data == "p:x"
    raw = vk.sign(secret="vk-secret", app_id="51000001", ts=TS, user_id="7", language="es", app_data="p:x")
    assert vk.verify(raw, **rules()).app_data == "p:x"
