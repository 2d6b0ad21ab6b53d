def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_every_page_carries_a_csp_without_inline_script_and_frame_rules(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp  # a page shared by every visitor holds no per-response nonce
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'self'" in csp


def test_a_page_that_asks_for_a_nonce_gets_it_in_its_policy_only(app):
    from flask import render_template_string

    from storefront.security import set_security_headers

    with app.test_request_context("/"):
        body = render_template_string('<script nonce="{{ csp_nonce() }}"></script>')
        response = set_security_headers(app.response_class(body))
    nonce = body.split('"')[1]
    assert f"script-src 'self' 'nonce-{nonce}'" in response.headers["Content-Security-Policy"]


def test_staff_pages_can_never_be_framed(client):
    response = client.get("/account/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_unknown_page_is_a_friendly_404_in_the_shoppers_language(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    assert "text/html" in response.content_type


def test_api_errors_are_json_with_code_message_field(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert set(response.json["error"]) >= {"code", "message", "field"}


def test_a_price_too_large_for_any_number_is_a_value_error_not_a_crash():
    import pytest

    from storefront.money import parse_major

    for text in ("1e999999", "99999999999", "NaN", "-1", "1.234"):
        with pytest.raises(ValueError):
            parse_major(text, "EUR")
