"""The API against its own OpenAPI document, by Schemathesis: no 5xx, and every answer as documented.

`test_the_api_holds_to_its_document` runs Schemathesis's own runner (`st run`, every phase:
examples, coverage, fuzzing and the stateful chains it infers, e.g. from a new cart's `Location`)
against the shop served on loopback. It is bounded and repeatable (tests/api/schemathesis.toml:
deterministic generation, 20 examples per operation and mode, no shrinking, no failure cache):
1,753 cases in about 15 s here, the same count on every run and database. Generated data rarely
holds a real cart or order, so `test_an_order_placed_through_the_api_answers_as_documented` also
walks the deep paths with real data: a cart filled, quoted, ordered (with an idempotency key,
twice), looked up and paid for, each answer checked by the same checks.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis
from schemathesis.checks import (allow_header_conformance, content_type_conformance, ignored_auth,
                                 missing_required_header, negative_data_rejection, not_a_server_error,
                                 response_headers_conformance, response_schema_conformance,
                                 status_code_conformance, unsupported_method)

from storefront.extensions import db
from tests.factories import checkout_form, make_product

CONFIG = Path(__file__).with_name("schemathesis.toml")
RUNNER = Path(sys.executable).with_name("st")
# The checks of the run above that apply to one answer.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection, unsupported_method, missing_required_header,
          allow_header_conformance, ignored_auth]


@pytest.fixture
def knitwear():
    """Something to sell, so that generated carts and the stateful chains find a real variant."""
    product = make_product("Merino hat", variants=[{"sku": "WOOL-HAT-M", "stock": 500, "price": 2500}])
    db.session.commit()
    return product


def test_the_api_holds_to_its_document(live_server, knitwear, tmp_path):
    run = subprocess.run([str(RUNNER), "--config-file", str(CONFIG), "run", f"{live_server.url}/api/v1/openapi.json"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600)
    summary = run.stdout[run.stdout.find("SUMMARY"):] if "SUMMARY" in run.stdout else run.stdout[-3000:]
    print(summary)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-3000:]
    assert re.search(r"Tested: 18\b", run.stdout), summary
    assert re.search(r"(\d+) generated", run.stdout), summary


def test_an_order_placed_through_the_api_answers_as_documented(live_server, knitwear):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    variant_id = knitwear.variants[0].id

    def call(method: str, path: str, expected: int, **parts):
        case = schema[path][method].Case(**parts)
        response = case.call_and_validate(base_url=live_server.url, checks=CHECKS)
        assert response.status_code == expected, response.text
        return response.json()

    assert call("GET", "/api/v1/products", 200)["items"]
    call("GET", "/api/v1/products/{product_id}", 200, path_parameters={"product_id": knitwear.id})
    token = call("POST", "/api/v1/carts", 201)["token"]
    cart = {"token": token}
    call("POST", "/api/v1/carts/{token}/lines", 201, path_parameters=cart, body={"sku": "WOOL-HAT-M", "quantity": 3})
    line = cart | {"variant_id": variant_id}
    call("PATCH", "/api/v1/carts/{token}/lines/{variant_id}", 200, path_parameters=line, body={"quantity": 2})
    call("POST", "/api/v1/carts/{token}/lines", 200, path_parameters=cart,
         body={"variant_id": variant_id, "quantity": 1})
    call("GET", "/api/v1/carts/{token}", 200, path_parameters=cart)
    quote = call("GET", "/api/v1/orders/quote", 200, query={"cart_token": token, "shipping_method": "express"})
    refused = call("GET", "/api/v1/orders/quote", 422, query={"cart_token": token, "code": "NO-SUCH-CODE"})
    assert refused["error"]["reason"] == "unknown"

    body = checkout_form(cart_token=token, shipping_method="express", expected_total=quote["totals"]["total"])
    keyed = {"Idempotency-Key": "walk-1"}
    order = call("POST", "/api/v1/orders", 201, body=body, headers=keyed)
    assert call("POST", "/api/v1/orders", 201, body=body, headers=keyed) == order
    call("POST", "/api/v1/orders", 422, body=body | {"city": "Cēsis"}, headers=keyed)
    call("POST", "/api/v1/orders", 400, body=body)  # no key: the cart is empty now
    call("GET", "/api/v1/orders/{token}", 200, path_parameters={"token": order["tracking_token"]})
    # Without Stripe keys the shop takes no cards: the documented 409.
    call("POST", "/api/v1/orders/{token}/payment", 409, path_parameters={"token": order["tracking_token"]})
    call("DELETE", "/api/v1/carts/{token}/lines/{variant_id}", 404, path_parameters=line)
