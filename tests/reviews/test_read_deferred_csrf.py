"""Post forms on cacheable pages: the page carries no token, the form fetches one when it is sent,
and without script it goes through a confirmation page instead of failing."""
from __future__ import annotations

import re
from urllib.parse import parse_qs

import pytest

from storefront.cart.models import Cart
from storefront.extensions import db
from tests.factories import make_product


@pytest.fixture
def hat():
    return make_product("Bobble Hat", slug="bobble-hat", variants=[{"sku": "BH-1", "stock": 5}])


def form_fields(page: str, form_class: str) -> tuple[str, dict[str, str], str]:
    """The form's plain action, its hidden fields, and its data-action."""
    form = re.search(rf'<form class="{form_class}"(.*?)</form>', page, re.S).group(0)
    action = re.search(r'action="([^"]+)"', form).group(1).replace("&amp;", "&")
    data_action = re.search(r'data-action="([^"]+)"', form).group(1)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    return action, hidden, data_action


def test_the_token_address_answers_a_private_token_and_starts_the_session(client, csrf_enabled):
    response = client.get("/forms/token")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.get_json()["csrf_token"]
    assert any(cookie.startswith("shop_session=") for cookie in response.headers.getlist("Set-Cookie"))


def test_the_product_page_has_no_token_and_the_fetched_one_adds_to_the_cart(client, csrf_enabled, hat):
    page = client.get("/p/bobble-hat").get_data(as_text=True)
    action, hidden, data_action = form_fields(page, "buy-form")
    assert hidden["csrf_token"] == "" and data_action == "/cart/add"
    token = client.get("/forms/token").get_json()["csrf_token"]
    response = client.post(data_action, data={"csrf_token": token, "variant_id": hat.variants[0].id,
                                              "quantity": "1", "product_id": hat.id})
    assert response.status_code == 303


def test_without_script_the_form_is_confirmed_on_a_page_of_its_own_and_then_works(client, csrf_enabled, hat):
    page = client.get("/p/bobble-hat").get_data(as_text=True)
    action, hidden, _ = form_fields(page, "buy-form")
    assert action == "/forms/confirm?to=/cart/add"
    hidden.update(variant_id=str(hat.variants[0].id), quantity="2")
    confirm = client.post(action, data=hidden)
    assert confirm.status_code == 200
    assert confirm.headers["Cache-Control"] == "private, no-store"
    assert db.session.query(Cart).count() == 0  # nothing done yet
    text = confirm.get_data(as_text=True)
    assert "Please confirm" in text and ">Add to cart</button>" in text
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', text, re.S)
    assert form.group(1) == "/cart/add"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    assert fields["csrf_token"] and fields["variant_id"] == str(hat.variants[0].id) and fields["quantity"] == "2"
    added = client.post("/cart/add", data=fields)
    assert added.status_code == 303


@pytest.mark.parametrize("target", ["https://evil.example/cart/add", "//evil.example/cart/add", "/admin/orders",
                                    "/cart/remove", "/nowhere", ""])
def test_the_confirmation_page_serves_only_the_listed_forms(client, target):
    assert client.post("/forms/confirm", query_string={"to": target}, data={"x": "1"}).status_code == 404


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}])
def test_a_post_from_another_site_is_refused_before_it_can_replace_the_shoppers_session(
        client, csrf_enabled, hat, headers):
    response = client.post("/forms/confirm?to=/cart/add", data={"variant_id": "1"}, headers=headers)
    assert response.status_code == 403
    assert "Set-Cookie" not in response.headers
    same_site = client.post("/forms/confirm?to=/cart/add", data={"variant_id": "1"},
                            headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"})
    assert same_site.status_code == 200


def test_the_confirmation_page_escapes_what_was_posted(client, hat):
    response = client.post("/forms/confirm?to=/cart/add", data={"quantity": '"><script>alert(1)</script>'})
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_the_script_is_a_file_the_strict_policy_allows(client, hat):
    response = client.get("/p/bobble-hat")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "unsafe-inline" not in policy
    assert '<script src="/static/js/deferred-csrf.js" defer></script>' in response.get_data(as_text=True)
    assert client.get("/static/js/deferred-csrf.js").status_code == 200


@pytest.fixture
def unverified_allowed(app, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEWS_ALLOW_UNVERIFIED", True)


@pytest.mark.parametrize("query", ["", "?lang=lv", "?lang=es&utm_source=telegram"])
@pytest.mark.parametrize("page", ["/p/bobble-hat", "/p/bobble-hat/reviews"])
def test_without_script_a_vote_and_a_report_reach_their_confirmation_in_any_language(
        client, csrf_enabled, hat, unverified_allowed, page, query):
    """A page asked for with `?lang=` adds it to every address it builds: the confirmation's
    address then has a query of its own, and the form's target goes inside it, not after a
    second "?" (which answered "Page not found")."""
    from reviews.models import Review
    from tests.reviews.factories import NOW
    from tests.reviews.read_support import unverified_review

    review = unverified_review(hat, 4, now=NOW, name="Ilze", body="Silts.")
    text = client.get(page + query).get_data(as_text=True)
    forms = re.findall(r'<form method="post" action="([^"]+)" data-action="([^"]+)"', text)
    targets = {data_action.split("?")[0] for _, data_action in forms}
    assert {f"/reviews/{review.id}/helpful", f"/reviews/{review.id}/report"} <= targets
    for action, data_action in forms:
        action = action.replace("&amp;", "&")
        path, _, query_string = action.partition("?")
        assert path == "/forms/confirm" and parse_qs(query_string)["to"] == [data_action.replace("&amp;", "&")]
        confirm = client.post(action, data={"next": page})
        assert confirm.status_code == 200, action
        target = re.search(r'<form method="post" action="([^"]+)">', confirm.get_data(as_text=True)).group(1)
        assert target == data_action.split("?")[0]  # the form's own address, nothing the page added
    if "lang=lv" in query:
        assert 'lang="lv"' in confirm.get_data(as_text=True)
    assert db.session.get(Review, review.id).helpful_count == 0  # confirming writes nothing
