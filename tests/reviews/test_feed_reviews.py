"""The product reviews feed for Google Merchant Center: well-formed XML in their schema's order, every
published review whatever its stars, withheld spam flagged as spam, and a fixed number of queries."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from reviews import moderation
from reviews.models import WithholdReason
from tests.factories import make_category, make_product
from tests.reviews.factories import NOW, make_delivered_order, make_review, staff_member
from tests.reviews.read_support import XSS, bulk_reviews, product_of, unverified_review

REVIEW_ORDER = ["review_id", "reviewer", "is_verified_purchase", "is_incentivized_review", "review_timestamp",
                "title", "content", "review_language", "review_url", "reviewer_images", "ratings", "products",
                "is_spam", "collection_method", "transaction_id"]


@pytest.fixture(autouse=True)
def unverified_allowed(app, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEWS_ALLOW_UNVERIFIED", True)


def feed(client) -> ET.Element:
    response = client.get("/feeds/product-reviews.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    return ET.fromstring(response.data)  # raises on anything that is not well-formed


def reviews_by_id(root: ET.Element) -> dict[str, ET.Element]:
    return {review.findtext("review_id"): review for review in root.iter("review")}


def test_the_feed_is_well_formed_and_follows_the_schemas_order(client, app):
    with app.test_request_context():
        order = make_delivered_order()
        verified = make_review(order, 2, title="Pilled", body="After one wash.", language="lv")
    root = feed(client)
    assert root.tag == "feed" and root.findtext("version") == "2.4"
    assert root.get("{http://www.w3.org/2001/XMLSchema-instance}noNamespaceSchemaLocation") == \
        "http://www.google.com/shopping/reviews/schema/product/2.4/product_reviews.xsd"
    assert root.findtext("publisher/name") == "Ziemeļu Vilna"
    review = reviews_by_id(root)[str(verified.id)]
    tags = [child.tag for child in review]
    assert tags == [tag for tag in REVIEW_ORDER if tag in tags]
    assert review.findtext("reviewer/name") == "Anna K."
    assert review.findtext("is_verified_purchase") == "true"
    assert review.findtext("is_incentivized_review") == "false"
    assert review.findtext("review_timestamp") == "2026-03-15T09:00:00Z"
    assert review.findtext("review_language") == "lv"
    assert review.find("ratings/overall").attrib == {"min": "1", "max": "5"}
    assert review.findtext("ratings/overall") == "2"
    product = product_of(order)
    assert [sku.text for sku in review.iter("sku")] == [variant.sku for variant in product.variants]
    assert review.findtext("products/product/product_url") == f"http://shop.test/p/{product.slug}"
    assert review.findtext("review_url") == f"http://shop.test/p/{product.slug}/reviews#review-{verified.id}"
    assert review.findtext("is_spam") == "false"
    assert review.findtext("collection_method") == "post_fulfillment"
    assert review.findtext("transaction_id") == order.number


def test_every_published_review_goes_in_and_withheld_spam_is_flagged(client):
    product = make_product("Pullover", slug="pullover")
    moderator = staff_member("support@example.com", role="support")
    low = unverified_review(product, 1, now=NOW, body="Fell apart")
    high = unverified_review(product, 5, now=NOW, body="Perfect")
    spam = unverified_review(product, 5, now=NOW, body="Cheap watches here")
    abuse = unverified_review(product, 1, now=NOW, body="Rude words")
    rating_only = unverified_review(product, 3, now=NOW)
    moderation.withhold(spam.id, WithholdReason.SPAM, actor=moderator, now=NOW)
    moderation.withhold(abuse.id, WithholdReason.ABUSE, actor=moderator, now=NOW)

    reviews = reviews_by_id(feed(client))

    assert set(reviews) == {str(low.id), str(high.id), str(spam.id)}
    assert reviews[str(spam.id)].findtext("is_spam") == "true"
    assert reviews[str(low.id)].findtext("is_spam") == "false"
    assert reviews[str(low.id)].findtext("is_verified_purchase") == "false"
    assert reviews[str(low.id)].findtext("collection_method") == "unsolicited"
    assert reviews[str(low.id)].find("transaction_id") is None
    assert str(rating_only.id) not in reviews  # <content> is required: no words are invented


def test_text_is_escaped_and_characters_xml_cannot_carry_are_dropped(client):
    product = make_product("Pull<over> & co", slug="pullover")
    review = unverified_review(product, 2, now=NOW, body=XSS + "\x01\x0b\ufffe end", title="<b>]]></b>",
                               name="Eve & <Mallory>")
    reviews = reviews_by_id(feed(client))
    shown = reviews[str(review.id)]
    assert shown.findtext("content") == XSS + " end"
    assert shown.findtext("title") == "<b>]]></b>"
    assert shown.findtext("reviewer/name") == "Eve & <Mallory>"
    assert shown.findtext("products/product/product_name") == "Pull<over> & co"


def test_the_feed_runs_as_many_queries_with_2000_reviews_as_with_3(client, count_queries):
    category = make_category("Knitwear")
    few = make_product("Few", category=category)
    bulk_reviews(few, 3)

    def statements() -> int:
        client.get("/feeds/product-reviews.xml")
        with count_queries() as counter:
            response = client.get("/feeds/product-reviews.xml")
        assert response.status_code == 200
        return counter.count

    small = statements()
    for n in range(4):
        bulk_reviews(make_product(f"Many {n}", category=category), 500)
    assert statements() == small
    assert len(reviews_by_id(feed(client))) == 2003


def test_the_feed_answers_not_modified_to_its_etag(client):
    product = make_product("Pullover", slug="pullover")
    unverified_review(product, 4, now=NOW, body="Nice")
    first = client.get("/feeds/product-reviews.xml")
    assert first.headers["Cache-Control"] == "public, max-age=300"
    again = client.get("/feeds/product-reviews.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    unverified_review(product, 1, now=NOW + dt.timedelta(minutes=1), body="Bad")
    assert client.get("/feeds/product-reviews.xml",
                      headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
