"""The product's JSON-LD carries its rating and the reviews the page shows, and nothing a review says
can break out of the script block."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.factories import make_product
from tests.reviews.factories import NOW
from tests.reviews.read_support import XSS, json_ld, json_ld_blocks, review_ids_in_order, unverified_review


@pytest.fixture(autouse=True)
def unverified_allowed(app, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEWS_ALLOW_UNVERIFIED", True)


def test_a_product_without_reviews_has_no_rating_in_its_json_ld(client):
    make_product("New", slug="new")
    data = json_ld(client.get("/p/new").get_data(as_text=True))
    assert data["@type"] == "Product"
    assert "aggregateRating" not in data and "review" not in data


def test_the_json_ld_rating_and_reviews_are_what_the_page_shows(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEWS_PAGE_SIZE", 2)
    product = make_product("Rated", slug="rated")
    unverified_review(product, 5, now=NOW, body="Warm", title="Lovely", language="en", name="Emma")
    unverified_review(product, 2, now=NOW + dt.timedelta(minutes=1), body="Itchy", language="en", name="Ivo")
    unverified_review(product, 4, now=NOW + dt.timedelta(minutes=2), language="lv", name="Liga")  # rating only
    page = client.get("/p/rated").get_data(as_text=True)
    data = json_ld(page)

    assert data["aggregateRating"] == {"@type": "AggregateRating", "ratingValue": "3.7", "reviewCount": 3,
                                       "bestRating": 5, "worstRating": 1}
    # The list's first page (two, English first) and the side-by-side pair: Emma's and Ivo's.
    assert len(review_ids_in_order(page)) == 2
    assert sorted(review["author"]["name"] for review in data["review"]) == ["Emma", "Ivo"]
    emma = next(review for review in data["review"] if review["author"]["name"] == "Emma")
    assert emma == {"@type": "Review", "author": {"@type": "Person", "name": "Emma"},
                    "datePublished": "2026-03-10", "inLanguage": "en", "name": "Lovely", "reviewBody": "Warm",
                    "reviewRating": {"@type": "Rating", "ratingValue": 5, "bestRating": 5, "worstRating": 1}}
    assert "Organization" not in json.dumps(data)


def test_a_review_saying_script_cannot_end_the_json_ld_block(client):
    product = make_product("Target", slug="target")
    unverified_review(product, 1, now=NOW, body="</script><script>alert(1)</script>", title=XSS[:150],
                      name="<!--")
    page = client.get("/p/target").get_data(as_text=True)
    blocks = json_ld_blocks(page)
    assert len(blocks) == 1  # the block still ends where it should
    raw = blocks[0]
    assert "<" not in raw and ">" not in raw and "&" not in raw.replace("\\u0026", "")
    data = json.loads(raw)
    assert any(review.get("reviewBody") == "</script><script>alert(1)</script>" for review in data["review"])
    assert any(review["author"]["name"] == "<!--" for review in data["review"])
