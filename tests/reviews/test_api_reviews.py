"""`/api/v1/reviews`: the same rules and error body as the pages, and in the OpenAPI document."""
from __future__ import annotations

import base64

import pytest
import sqlalchemy as sa

from reviews import moderation
from reviews.models import CollectionMethod, Review, ReviewVote, WithholdReason
from storefront.database import utcnow
from storefront.extensions import db
from tests.backoffice.conftest import sign_in
from tests.factories import make_order, make_product, make_user
from tests.reviews.factories import make_delivered_order, make_review
from tests.reviews.write_support import (XSS, assert_figures_exact, bomb_png, not_an_image, png, request_for,
                                         review_count)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def body_for(order, **fields) -> dict:
    body = {"token": request_for(order, now=utcnow()).token, "order_line_id": order.lines[0].id, "rating": 4,
            "body": "Warm and soft.", "language": "en"}
    body.update(fields)
    return {key: value for key, value in body.items() if value is not None}


def error_of(response) -> tuple:
    return response.status_code, response.json["error"]["code"], response.json["error"]["field"]


def test_a_review_posted_with_the_request_token_is_created_with_the_buyers_short_name(ctx, client):
    order = make_delivered_order()
    response = client.post("/api/v1/reviews", json=body_for(order, photos=[base64.b64encode(png()).decode()]))
    assert response.status_code == 201
    review = response.json
    assert (review["rating"], review["author_name"], review["collection_method"], review["status"]) == (
        4, "Anna B.", CollectionMethod.POST_FULFILLMENT, "published")
    assert review["verified"] is True and len(review["photos"]) == 1
    assert review["photos"][0]["url"].startswith("/media/reviews/")
    assert "reviewer_token" not in review and "email" not in review


def test_the_api_cannot_make_a_second_review_of_a_line(ctx, client):
    order = make_delivered_order()
    assert client.post("/api/v1/reviews", json=body_for(order)).status_code == 201
    assert error_of(client.post("/api/v1/reviews", json=body_for(order, rating=1))) == (409, "already_reviewed", None)
    assert review_count() == 1


@pytest.mark.parametrize("fields, expected", [
    ({"rating": 0}, (400, "invalid_review", "rating")),
    ({"rating": 6}, (400, "invalid_review", "rating")),
    ({"rating": "x"}, (400, "invalid_review", "rating")),
    ({"rating": 4.5}, (400, "invalid_review", "rating")),
    ({"rating": None}, (422, "invalid", "rating")),
    ({"title": "t" * 151}, (400, "invalid_review", "title")),
    ({"token": "unknown-token"}, (404, "review_link_not_found", None)),
    ({"photos": [base64.b64encode(bomb_png()).decode()]}, (413, "photo_too_large", "photos")),
    ({"photos": [base64.b64encode(not_an_image()).decode()]}, (400, "invalid_photo", "photos")),
    ({"photos": ["not base64!"]}, (400, "invalid_photo", "photos")),
    ({"photos": [base64.b64encode(png()).decode()] * 4}, (400, "too_many_photos", "photos")),
])
def test_bad_input_gets_the_error_body_and_writes_nothing(ctx, client, fields, expected):
    order = make_delivered_order()
    assert error_of(client.post("/api/v1/reviews", json=body_for(order, **fields))) == expected
    assert review_count() == 0


def test_an_expired_link_a_staff_buyer_and_an_undelivered_order_are_refused(ctx, client):
    old_order = make_delivered_order()
    body = body_for(old_order)
    request_for(old_order, now=utcnow(), days=0)  # the same link, now past its date
    assert error_of(client.post("/api/v1/reviews", json=body)) == (
        410, "review_link_expired", None)
    make_user("buyer@staff.example", role="support")
    staff_order = make_delivered_order(email="buyer@staff.example")
    assert error_of(client.post("/api/v1/reviews", json=body_for(staff_order)))[:2] == (403, "staff_cannot_review")
    undelivered = make_order()  # a link for an order that never reached the buyer
    assert error_of(client.post("/api/v1/reviews", json=body_for(undelivered)))[:2] == (409, "not_reviewable")
    assert review_count() == 0


def test_a_signed_in_staff_members_browser_cannot_post_a_review_through_the_api(ctx, client):
    order = make_delivered_order()
    sign_in(client, make_user("admin@example.com", role="admin"))
    assert error_of(client.post("/api/v1/reviews", json=body_for(order)))[:2] == (403, "staff_cannot_review")
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


def test_the_list_shows_published_reviews_low_ones_included_never_withheld_ones(ctx, client):
    product = make_product(variants=[{"stock": 20}])
    kept = [make_review(make_delivered_order(product.variants[0]), rating, body=text)
            for rating, text in [(1, "Fell apart."), (5, XSS), (3, "Fine.")]]
    spam = make_review(make_delivered_order(product.variants[0]), 5, body="Buy followers at …")
    moderation.withhold(spam.id, WithholdReason.SPAM, actor=None, now=utcnow())
    response = client.get(f"/api/v1/reviews?product_id={product.id}&sort=lowest&per_page=2")
    assert response.status_code == 200
    assert [item["rating"] for item in response.json["items"]] == [1, 3]
    assert response.json["pagination"] == {"total": 3, "page": 1, "per_page": 2, "pages": 2}
    second = client.get(f"/api/v1/reviews?product_id={product.id}&sort=lowest&per_page=2&page=2").json
    assert [item["body"] for item in second["items"]] == [XSS]  # JSON carries text as data; pages escape it
    assert {item["id"] for item in response.json["items"] + second["items"]} == {r.id for r in kept}
    assert error_of(client.get("/api/v1/reviews?product_id=999999"))[:2] == (404, "product_not_found")
    assert error_of(client.get("/api/v1/reviews?product_id=x"))[:2] == (422, "invalid")


def test_a_vote_counts_once_per_voter_header_and_needs_one(ctx, client):
    review = make_review(make_delivered_order(), 4)
    url = f"/api/v1/reviews/{review.id}/helpful"
    first = client.post(url, headers={"X-Voter": "client-voter-1"})
    assert first.status_code == 200 and first.json == {"review_id": review.id, "helpful_count": 1, "counted": True}
    assert client.post(url, json={"voter": "client-voter-1"}).json["counted"] is False
    assert client.post(url, json={"voter": "client-voter-2"}).json["helpful_count"] == 2
    assert error_of(client.post(url, json={})) == (400, "invalid_feedback", "voter")
    assert error_of(client.post("/api/v1/reviews/999999/helpful", headers={"X-Voter": "client-voter-1"}))[:2] == (
        404, "review_not_found")
    assert db.session.scalar(sa.select(sa.func.count(ReviewVote.id))) == 2


def test_api_posts_share_the_pages_limit_and_only_valid_bodies_count(ctx, app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEW_POST_RATE_LIMIT", "1 per hour")
    order = make_delivered_order()
    for _ in range(3):
        assert client.post("/api/v1/reviews", json=body_for(order, rating=9)).status_code == 400
    assert client.post("/api/v1/reviews", json=body_for(order)).status_code == 201
    assert error_of(client.post("/api/v1/reviews", json=body_for(order)))[:2] == (429, "rate_limited")
    assert_figures_exact(db.session.scalar(sa.select(Review.product_id)))


def test_the_reviews_api_is_in_the_openapi_document_with_its_errors(client):
    document = client.get("/api/v1/openapi.json").json
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/reviews"])
    assert "post" in paths["/api/v1/reviews/{review_id}/helpful"]
    posting = paths["/api/v1/reviews"]["post"]
    assert {"201", "400", "403", "404", "409", "410", "413", "422", "429"} <= set(posting["responses"])
    voting = paths["/api/v1/reviews/{review_id}/helpful"]["post"]
    assert any(p.get("name") == "X-Voter" and p["in"] == "header" for p in voting.get("parameters", []))
