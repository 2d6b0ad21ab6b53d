"""Fixtures for the JSON API tests: a client whose every request starts fresh, and a new cart."""
from __future__ import annotations

import pytest
from flask import g

from storefront.extensions import db


class ApiClient:
    """The test client, with each request in a clean session and `g`, as in production.

    The test's app context stays pushed, so Flask would otherwise reuse its session (and its
    identity map) and its `g` for every request: lazy loads would hit objects the test created and
    query counts would be flattered.
    """

    def __init__(self, client):
        self.client = client

    def _fresh(self):
        db.session.remove()
        for name in list(g):
            g.pop(name)

    def get(self, url, **kwargs):
        self._fresh()
        return self.client.get(url, **kwargs)

    def post(self, url, **kwargs):
        self._fresh()
        return self.client.post(url, **kwargs)

    def patch(self, url, **kwargs):
        self._fresh()
        return self.client.patch(url, **kwargs)

    def delete(self, url, **kwargs):
        self._fresh()
        return self.client.delete(url, **kwargs)


@pytest.fixture
def api(client):
    return ApiClient(client)


@pytest.fixture
def new_cart(api):
    """Create a cart through the API and return its token."""

    def create() -> str:
        response = api.post("/api/v1/carts")
        assert response.status_code == 201, response.json
        return response.json["token"]

    return create
