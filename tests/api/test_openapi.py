"""The OpenAPI document: generated from the code, complete, and true to what the API sends."""
from __future__ import annotations

import importlib.util
import re

import pytest

from reviews.clock import ScheduleError
from storefront import create_app
from storefront.checkout.service import shipping_options
from storefront.delivery import DELIVERY_METHODS
from storefront.orders.models import PaymentMethod

EXPECTED_OPERATIONS = {
    "/api/v1/products": {"get"},
    "/api/v1/products/{product_id}": {"get"},
    "/api/v1/carts": {"post"},
    "/api/v1/carts/{token}": {"get"},
    "/api/v1/carts/{token}/lines": {"post"},
    "/api/v1/carts/{token}/lines/{variant_id}": {"patch", "delete"},
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    return response.json


def resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        prefix, _, path = node["$ref"].partition("/")
        assert prefix == "#", node["$ref"]
        node = document
        for part in path.split("/"):
            node = node[part]
    return node


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_document_is_openapi_3_and_lists_every_catalog_and_cart_endpoint(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] and document["info"]["version"] == "v1"
    found = {path: {m for m in item if m in HTTP_METHODS} for path, item in document["paths"].items()}
    for path, methods in EXPECTED_OPERATIONS.items():
        assert methods <= found.get(path, set()), path


def test_every_reference_resolves_and_the_document_validates(document):
    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                assert isinstance(resolve(document, node), dict), node["$ref"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    # Validate against the OpenAPI schema too where the validator happens to be installed.
    if importlib.util.find_spec("openapi_spec_validator"):
        from openapi_spec_validator import validate

        validate(document)


def test_every_operation_documents_its_answer_and_its_errors(document):
    for path, method, operation in operations(document):
        assert operation.get("summary"), (path, method)
        statuses = set(operation["responses"])
        assert statuses & {"200", "201"}, (path, method)
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")) or status == "default":
                schema = resolve(document, resolve(document, response)["content"]["application/json"]["schema"])
                assert set(resolve(document, schema["properties"]["error"])["properties"]) >= {
                    "code", "message", "field"}, (path, method, status)


def test_request_bodies_and_responses_are_described_by_schemas(document):
    schemas = document["components"]["schemas"]

    add_line = document["paths"]["/api/v1/carts/{token}/lines"]["post"]
    body = resolve(document, add_line["requestBody"]["content"]["application/json"]["schema"])
    assert set(body["properties"]) == {"sku", "variant_id", "quantity"}
    assert body["properties"]["quantity"]["type"] == "integer"
    assert {"201", "200", "400", "404", "409", "422"} <= set(add_line["responses"])

    change = document["paths"]["/api/v1/carts/{token}/lines/{variant_id}"]["patch"]
    assert set(resolve(document, change["requestBody"]["content"]["application/json"]["schema"])["properties"]) \
        == {"quantity"}

    cart = schemas["Cart"]["properties"]
    assert {"token", "lines", "totals"} <= set(cart)
    assert set(schemas["CartLine"]["properties"]) >= {"variant_id", "sku", "title", "options", "quantity",
                                                      "unit_price", "line_total", "image"}
    assert set(schemas["Totals"]["properties"]) >= {"items_subtotal", "discount", "shipping", "tax",
                                                    "tax_included", "total", "currency", "free_shipping_remaining"}

    listing = document["paths"]["/api/v1/products"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"page", "per_page", "category", "q", "sort"}
    page = resolve(document, listing["responses"]["200"]["content"]["application/json"]["schema"])
    assert set(page["properties"]) == {"items", "pagination"}
    assert set(schemas["Pagination"]["properties"]) == {"total", "page", "per_page", "pages"}
    assert set(schemas["Variant"]["properties"]) >= {"id", "sku", "options", "price", "compare_at_price",
                                                     "stock_state", "available", "image"}
    assert set(schemas["ProductDetail"]["properties"]) >= {"variants", "images", "category", "currency"}


def test_a_real_error_has_exactly_the_documented_shape(api, document):
    documented = set(document["components"]["schemas"]["ApiErrorDetail"]["properties"])

    sent = api.get("/api/v1/carts/no-such-cart").json

    assert set(sent) == {"error"}
    assert set(sent["error"]) <= documented


def test_the_order_body_lists_the_values_the_shop_accepts(app, document):
    body = document["components"]["schemas"]["PlaceOrder"]["properties"]
    method = re.compile(body["shipping_method"]["pattern"])
    assert all(method.match(code) for code in shipping_options(app.config))
    assert all(code in body["shipping_method"]["description"] for code in DELIVERY_METHODS)
    assert set(body["payment_method"]["enum"]) == {method.value for method in PaymentMethod}
    assert set(app.config["SHIP_TO_COUNTRIES"]) <= set(body["country"]["enum"])
    quote = document["paths"]["/api/v1/orders/quote"]["get"]
    assert next(p for p in quote["parameters"] if p["name"] == "shipping_method")["schema"]["pattern"] \
        == body["shipping_method"]["pattern"]


def test_placing_an_order_documents_its_idempotency_key_and_every_error_detail(document):
    place = document["paths"]["/api/v1/orders"]["post"]
    [key] = [p for p in place["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header" and not key.get("required") and key["schema"]["pattern"]
    assert {"400", "404", "409", "422", "429", "503"} <= set(place["responses"])
    detail = document["components"]["schemas"]["ApiErrorDetail"]["properties"]
    assert {"reason", "total", "variant_ids", "available"} <= set(detail)


def test_a_quantity_is_documented_as_a_whole_number_never_null(document):
    quantity = document["components"]["schemas"]["AddLine"]["properties"]["quantity"]
    assert quantity["type"] == "integer" and not quantity.get("nullable")


def test_a_method_an_address_does_not_take_is_a_405_naming_those_it_does(api):
    response = api.client.open("/api/v1/carts", method="TRACE")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"POST", "OPTIONS"}


def test_another_app_made_in_the_same_process_leaves_this_ones_document_whole(client, tmp_path):
    with pytest.raises(ScheduleError):  # an app that stops half-built, as a settings test makes
        create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://", "INBOX_CLOCK": "wall"})

    paths = client.get("/api/v1/openapi.json").json["paths"]

    assert set(EXPECTED_OPERATIONS) <= set(paths)
