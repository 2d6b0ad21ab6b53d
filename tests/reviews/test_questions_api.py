"""The questions JSON API: the same rules as the pages, the API's one error body, and the OpenAPI
document describing all of it."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from reviews.models import Answer, AnswerVote, Question
from storefront.extensions import db
from tests.api.conftest import ApiClient
from tests.reviews.question_support import (XSS, answered, ask, brand_answer, buyer, invitations,
                                            stocked_product)

ASK = {"author_name": "Līga", "email": "liga@example.com", "body": "Is it itchy?", "language": "en"}


def real_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@pytest.fixture
def api(client):
    return ApiClient(client)


@pytest.fixture
def product(app):
    """A product with two buyers; its id read now (the API client ends the test's session)."""
    with app.test_request_context():
        product = stocked_product()
        buyer(product, "anna@example.com", days=1)
        buyer(product, "juris@example.com", days=2)
    product.id  # noqa: B018 - loaded before the session ends
    db.session.expunge(product)
    return product


def assert_error(response, status: int, code: str, field: str | None = None):
    assert response.status_code == status, response.json
    assert set(response.json) == {"error"}
    assert response.json["error"]["code"] == code and response.json["error"]["message"]
    assert response.json["error"]["field"] == field


def count(model) -> int:
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_listing_a_products_answered_questions_with_their_answers_the_brands_first(app, api, product):
    with app.test_request_context():
        question, answer = answered(product, answer_body="Not at all.")
        official = brand_answer(question, "Merino is soft.")
        ask(product, body="Unanswered?")
    question_id, answer_id, official_id = question.id, answer.id, official.id

    response = api.get("/api/v1/questions", query_string={"product_id": product.id})

    assert response.status_code == 200
    body = response.json
    assert body["pagination"] == {"total": 1, "page": 1, "per_page": 5, "pages": 1} and body["search"] == ""
    [item] = body["items"]
    assert (item["id"], item["product_id"], item["body"], item["author_name"]) == (
        question_id, product.id, "Does it shrink in the wash?", "Līga")
    assert "email" not in item
    assert [(a["id"], a["by_brand"], a["label"]) for a in item["answers"]] == [
        (official_id, True, "Official answer"), (answer_id, False, "Bought this item")]
    found = api.get("/api/v1/questions", query_string={"product_id": product.id, "q": "MERINO"}).json
    assert [i["id"] for i in found["items"]] == [question_id] and found["search"] == "MERINO"
    assert api.get("/api/v1/questions", query_string={"product_id": product.id, "q": "_"}).json["items"] == []


def test_listing_refuses_a_missing_or_unknown_product_and_bad_paging(api, product):
    assert_error(api.get("/api/v1/questions"), 422, "invalid", "product_id")
    assert_error(api.get("/api/v1/questions", query_string={"product_id": 999_999}), 404, "product_not_found")
    assert_error(api.get("/api/v1/questions", query_string={"product_id": product.id, "page": 0}), 422, "invalid",
                 "page")
    assert_error(api.get("/api/v1/questions", query_string={"product_id": "abc"}), 422, "invalid", "product_id")


def test_asking_through_the_api_invites_the_buyers(api, product):
    response = api.post("/api/v1/questions", json=dict(ASK, product_id=product.id))

    assert response.status_code == 201, response.json
    assert response.json["body"] == "Is it itchy?" and response.json["answers"] == []
    assert response.headers["Location"].endswith(f"/api/v1/questions?product_id={product.id}")
    question = db.session.scalar(sa.select(Question))
    assert [i.email for i in invitations(question.id)] == ["juris@example.com", "anna@example.com"]


@pytest.mark.parametrize("changes, status, code, field", [
    ({"body": ""}, 400, "invalid_question", "body"),
    ({"body": "x" * 1001}, 400, "invalid_question", "body"),
    ({"email": "nope"}, 400, "invalid_question", "email"),
    ({"author_name": "  "}, 400, "invalid_question", "author_name"),
    ({"language": "fr"}, 400, "invalid_question", "language"),
    ({"product_id": 999_999}, 404, "product_not_found", None),
    ({"product_id": "one"}, 422, "invalid", "product_id"),
    ({"body": None}, 422, "invalid", "body"),
    ({"surprise": 1}, 422, "invalid", "surprise"),
])
def test_a_bad_question_gets_a_clear_error_and_writes_nothing(api, product, changes, status, code, field):
    body = dict(ASK, product_id=product.id)
    body.update(changes)
    assert_error(api.post("/api/v1/questions", json=body), status, code, field)
    assert count(Question) == 0


def test_a_missing_field_is_named(api, product):
    body = dict(ASK, product_id=product.id)
    del body["email"]
    assert_error(api.post("/api/v1/questions", json=body), 422, "invalid", "email")
    assert_error(api.post("/api/v1/questions", data="not json", content_type="application/json"), 400,
                 "bad_request")


def test_answering_with_the_token_once(app, api, product):
    with app.test_request_context():
        question = ask(product, now=real_now())
    question_id = question.id
    token = invitations(question_id)[0].token
    answer = {"token": token, "author_name": "Juris", "body": "Not itchy at all.", "language": "lv"}

    created = api.post("/api/v1/questions/answers", json=answer)
    assert created.status_code == 201, created.json
    assert (created.json["by_brand"], created.json["label"], created.json["language"]) == (
        False, "Bought this item", "lv")
    assert_error(api.post("/api/v1/questions/answers", json=answer), 409, "already_answered")
    assert_error(api.post("/api/v1/questions/answers", json=dict(answer, token="nope")), 404, "invitation_not_found")
    assert_error(api.post("/api/v1/questions/answers", json=dict(answer, token="x" * 65)), 422, "invalid", "token")
    other = invitations(question_id)[1].token
    assert_error(api.post("/api/v1/questions/answers", json=dict(answer, token=other, body=" ")), 400,
                 "invalid_answer", "body")
    assert count(Answer) == 1


def test_an_expired_token_is_gone(app, api, product):
    with app.test_request_context():
        question = ask(product, now=real_now() - dt.timedelta(days=30, minutes=1))
    token = invitations(question.id)[0].token
    assert_error(api.post("/api/v1/questions/answers", json={"token": token, "author_name": "J", "body": "B"}),
                 410, "invitation_expired")
    assert count(Answer) == 0


def test_voting_through_the_api_counts_once_per_voter_key(app, api, product):
    with app.test_request_context():
        _, answer = answered(product)
    answer_id = answer.id
    url = f"/api/v1/questions/answers/{answer_id}/helpful"

    assert api.post(url, json={"voter_key": "shopper-one-key"}).json == {
        "answer_id": answer_id, "helpful_count": 1, "counted": True}
    assert api.post(url, json={"voter_key": "shopper-one-key"}).json["counted"] is False
    assert api.post(url, json={"voter_key": "shopper-two-key"}).json["helpful_count"] == 2
    assert_error(api.post(url, json={"voter_key": "short"}), 422, "invalid", "voter_key")
    assert_error(api.post(url, json={}), 422, "invalid", "voter_key")
    assert_error(api.post("/api/v1/questions/answers/999999/helpful", json={"voter_key": "shopper-one-key"}), 404,
                 "answer_not_found")
    assert count(AnswerVote) == 2


def test_the_api_returns_shoppers_text_as_data(app, api, product):
    with app.test_request_context():
        answered(product, body=XSS, answer_body=XSS)
    response = api.get("/api/v1/questions", query_string={"product_id": product.id})
    assert response.content_type == "application/json"
    assert response.json["items"][0]["body"] == XSS and response.json["items"][0]["answers"][0]["body"] == XSS


def test_the_openapi_document_describes_every_questions_operation_and_its_errors(client):
    document = client.get("/api/v1/openapi.json").json
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/questions"])
    assert "post" in paths["/api/v1/questions/answers"]
    assert "post" in paths["/api/v1/questions/answers/{answer_id}/helpful"]
    listing = paths["/api/v1/questions"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"product_id", "q", "language", "page", "per_page"}
    assert {"200", "404", "422"} <= set(listing["responses"])
    assert {"201", "400", "404", "422", "429"} <= set(paths["/api/v1/questions"]["post"]["responses"])
    assert {"201", "400", "404", "409", "410", "422"} <= set(paths["/api/v1/questions/answers"]["post"]["responses"])
    schemas = document["components"]["schemas"]
    assert set(schemas["NewQuestion"]["properties"]) == {"product_id", "author_name", "email", "body", "language"}
    assert set(schemas["NewAnswer"]["properties"]) == {"token", "author_name", "body", "language"}
    assert {"by_brand", "label", "helpful_count"} <= set(schemas["Answer"]["properties"])
    assert set(schemas["QuestionPage"]["properties"]) == {"items", "pagination", "search"}
