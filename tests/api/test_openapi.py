"""The OpenAPI document: generated from the code, complete, and true to what the API sends."""
from __future__ import annotations

import importlib.util

import pytest

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
