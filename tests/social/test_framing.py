"""Who may frame the shop, how its session cookie travels in a social page's frame, and what a
shopper is told when the browser keeps no cookie there at all."""
from __future__ import annotations

import re

import pytest

from storefront import create_app
from storefront.security import FrameAncestorsError
from tests.factories import make_product, make_user

PARENT = "http://127.0.0.1:5099"


@pytest.fixture
def parents(app):
    """The shop may be framed by the demo page's origin and a platform's."""
    saved = app.config["FRAME_ANCESTORS"]
    app.config["FRAME_ANCESTORS"] = [PARENT, "https://tab.example.com"]
    yield
    app.config["FRAME_ANCESTORS"] = saved


def directive(response, name: str) -> str:
    policy = response.headers["Content-Security-Policy"]
    found = [part.strip() for part in policy.split(";") if part.strip().startswith(name + " ")]
    assert len(found) == 1, policy
    return found[0][len(name) + 1:]


def set_cookie(response, name: str) -> str:
    found = [value for value in response.headers.getlist("Set-Cookie") if value.startswith(name + "=")]
    assert len(found) == 1, response.headers.getlist("Set-Cookie")
    return found[0]


def attributes(cookie: str) -> dict[str, str]:
    parts = [part.strip() for part in cookie.split(";")[1:]]
    return {p.split("=", 1)[0].lower(): (p.split("=", 1)[1] if "=" in p else "") for p in parts}


# --- framing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/cart/", "/search?q=hat", "/no-such-page"])
def test_storefront_pages_may_be_framed_by_exactly_the_configured_parents(client, parents, path):
    response = client.get(path)
    assert directive(response, "frame-ancestors") == f"'self' {PARENT} https://tab.example.com"
    assert "X-Frame-Options" not in response.headers
    assert "*" not in response.headers["Content-Security-Policy"]


def test_with_no_parents_configured_only_the_shop_itself_may_frame_it(client):
    assert directive(client.get("/"), "frame-ancestors") == "'self'"


@pytest.mark.parametrize("path", ["/account/login", "/admin/", "/admin/orders"])
def test_staff_pages_may_never_be_framed_whatever_the_parents(client, parents, path):
    response = client.get(path)
    assert directive(response, "frame-ancestors") == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_demo_social_page_plays_a_top_level_page_and_is_never_framed(client, parents):
    response = client.get("/demo/")
    assert directive(response, "frame-ancestors") == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_one_page_may_widen_where_its_forms_post_and_what_it_frames(app):
    from flask import Response

    from storefront.security import allow_sources, set_security_headers

    with app.test_request_context("/"):
        allow_sources("form-action", "http://localhost:5000")
        allow_sources("frame-src", "http://localhost:5000")
        response = set_security_headers(Response())
    assert directive(response, "form-action") == "'self' http://localhost:5000"
    assert directive(response, "frame-src") == "http://localhost:5000"


def test_the_script_policy_still_holds_next_to_the_framing_rule(client, parents):
    response = client.get("/")
    assert directive(response, "script-src") == "'self'"  # no inline script on a shared page
    assert directive(response, "object-src") == "'none'"


def build(tmp_path, **settings):
    return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "k",
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.db'}", **settings})


@pytest.mark.parametrize("entry", [
    "*", "https://*.example.com", "https:", "'self'", "example.com", "https://example.com/",
    "https://example.com/tab", "https://example.com?x=1", "ftp://example.com", "https://example.com:99999",
    "https://user@example.com", " https://example.com", "https://exa mple.com", "",
])
def test_a_frame_ancestor_that_is_not_an_exact_origin_stops_the_app_at_startup(tmp_path, entry):
    with pytest.raises(FrameAncestorsError, match="FRAME_ANCESTORS"):
        build(tmp_path, FRAME_ANCESTORS=["https://ok.example.com", entry])


def test_a_single_string_instead_of_a_list_is_a_configuration_error(tmp_path):
    with pytest.raises(FrameAncestorsError, match="list"):
        build(tmp_path, FRAME_ANCESTORS="https://tab.example.com")


def test_exact_origins_are_accepted_and_written_in_canonical_form(tmp_path):
    app = build(tmp_path, FRAME_ANCESTORS=["https://Tab.Example.com", "http://127.0.0.1:5001", "http://[::1]:8080"])
    assert app.config["FRAME_ANCESTORS"] == ["https://tab.example.com", "http://127.0.0.1:5001", "http://[::1]:8080"]
    response = app.test_client().get("/healthz")
    assert directive(response, "frame-ancestors") == (
        "'self' https://tab.example.com http://127.0.0.1:5001 http://[::1]:8080")


# --- cookies -----------------------------------------------------------------------------------

@pytest.fixture
def embedded_app(app):
    """The same shop and database, built with the one embedded-mode switch on."""
    embedded = create_app({**{key: app.config[key] for key in (
        "TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "UPLOAD_FOLDER", "WTF_CSRF_ENABLED",
        "TASKS_IMMEDIATE")}, "INSTANCE_PATH": app.instance_path, "EMBEDDED_COOKIES": True,
        "FRAME_ANCESTORS": [PARENT]})
    embedded.test_client_class = app.test_client_class
    return embedded


def test_in_embedded_mode_the_session_cookie_survives_a_cross_site_frame(embedded_app):
    response = embedded_app.test_client().get("/forms/token")  # a form being sent starts the session
    cookie = attributes(set_cookie(response, "shop_session"))
    assert cookie["samesite"] == "None"
    assert {"secure", "partitioned", "httponly"} <= cookie.keys()


def test_outside_embedded_mode_the_session_cookie_stays_first_party(client):
    cookie = attributes(set_cookie(client.get("/forms/token"), "shop_session"))
    assert cookie["samesite"] == "Lax"
    assert "httponly" in cookie
    assert "secure" not in cookie and "partitioned" not in cookie


def test_in_embedded_mode_staff_keep_a_first_party_remember_cookie(embedded_app):
    with embedded_app.app_context():
        make_user("staff@example.com", password="correct horse battery")
    response = embedded_app.test_client().post("/account/login", data={
        "email": "staff@example.com", "password": "correct horse battery", "remember": "y"})
    assert response.status_code == 302
    remember = attributes(set_cookie(response, "remember_token"))
    assert remember["samesite"] == "Lax"  # staff pages are never framed: it never needs to be third-party
    assert "secure" in remember and "partitioned" not in remember
    assert attributes(set_cookie(response, "shop_session"))["samesite"] == "None"


# --- no cookie at all in the frame ---------------------------------------------------------------

FRAMED = {"Sec-Fetch-Dest": "iframe", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate"}


@pytest.fixture
def hat():
    return make_product("Bobble Hat", slug="bobble-hat", variants=[{"sku": "BH-RED", "price": 2900}])


def add_to_cart_without_a_cookie(client, hat, *, headers, referrer="http://localhost/p/bobble-hat"):
    client._cookies.clear()  # the browser kept none
    return client.post("/cart/add", data={"variant_id": hat.variants[0].id, "quantity": 1},
                       headers={**headers, "Referer": referrer})


def new_tab_link(response) -> str:
    found = re.search(r'href="([^"]+)"[^>]*data-open-in-new-tab', response.get_data(as_text=True))
    assert found, "no 'Open the shop in a new tab' button"
    return found.group(1)


def test_a_framed_form_post_without_any_cookie_says_plainly_to_continue_in_a_new_tab(client, csrf_enabled, hat):
    response = add_to_cart_without_a_cookie(client, hat, headers=FRAMED)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your browser blocks cookies inside this page" in page
    assert "CSRF" not in page and "reload" not in page.lower()
    button = re.search(r'<a [^>]*data-open-in-new-tab[^>]*>([^<]+)</a>', page)
    assert button.group(1) == "Open the shop in a new tab"
    assert 'target="_blank"' in button.group(0)
    assert 'href="/p/bobble-hat?lang=en"' in button.group(0)
    assert "Location" not in response.headers  # answered once: nothing sends the shopper round again


def test_following_the_new_tab_button_opens_the_page_the_shopper_was_on(client, csrf_enabled, hat):
    response = add_to_cart_without_a_cookie(client, hat, headers=FRAMED)
    href = new_tab_link(response)
    page = client.get(href, headers={"Sec-Fetch-Dest": "document"})
    assert page.status_code == 200
    assert "Bobble Hat" in page.get_data(as_text=True)


def test_the_new_tab_button_never_leads_to_another_site(client, csrf_enabled, hat):
    page = add_to_cart_without_a_cookie(client, hat, headers=FRAMED, referrer="https://evil.example/p/x")
    assert new_tab_link(page) == "/?lang=en"


def test_the_new_tab_button_keeps_the_shoppers_language(client, csrf_enabled, hat):
    client._cookies.clear()
    response = client.post("/cart/add?lang=es", data={"variant_id": hat.variants[0].id, "quantity": 1},
                           headers={**FRAMED, "Referer": "http://localhost/p/bobble-hat?lang=es"})
    assert response.status_code == 400
    assert new_tab_link(response) == "/p/bobble-hat?lang=es"


def test_at_top_level_a_post_without_a_cookie_is_an_ended_session_and_a_reload_mends_it(
        client, csrf_enabled, hat):
    response = add_to_cart_without_a_cookie(client, hat, headers={"Sec-Fetch-Dest": "document"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your session expired or the form was already sent. Please reload the page and try again." in page
    assert "data-open-in-new-tab" not in page


def test_an_expired_form_with_a_working_cookie_gets_the_usual_answer(client, csrf_enabled, hat):
    client.get("/forms/token")  # the browser holds the session cookie
    response = client.post("/cart/add", data={"variant_id": hat.variants[0].id, "quantity": 1}, headers=FRAMED)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your session expired or the form was already sent" in page
    assert "data-cookies-blocked" not in page


def test_the_json_api_keeps_its_json_errors(client, csrf_enabled):
    response = client.post("/cart/add", headers={**FRAMED, "Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
