"""The shoppers' writing pages: the request link's page, the tracking page's review form, the
reviewer's own page, helpful votes and reports — as a browser posts them."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from reviews.models import CollectionMethod, Reply, Review, ReviewReport, ReviewStatus, ReviewVote
from storefront.database import utcnow
from storefront.extensions import db
from tests.backoffice.conftest import sign_in
from tests.factories import make_order, make_product, make_user
from tests.reviews.factories import make_delivered_order, make_review, staff_member
from tests.reviews.write_support import (XSS, bomb_png, delivered_order_of, form, not_an_image, photo_files, png,
                                         request_for, review_count, stored_files)

PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def assert_private(response) -> None:
    for name, value in PRIVATE.items():
        assert response.headers[name] == value, name


def link_of(order) -> str:
    return request_for(order, now=utcnow()).token


def post_line(client, token, line_id, files=None, **fields):
    data = form(f"line-{line_id}", **fields)
    if files:
        data.update({f"line-{line_id}-{name}": value for name, value in files.items()})
    return client.post(f"/reviews/write/{token}/{line_id}", data=data, content_type="multipart/form-data")


# --- the request link's page --------------------------------------------------------------------------

def test_the_link_page_lists_the_orders_lines_with_a_form_for_each(ctx, client):
    hat, socks = make_product("Hat", variants=[{"stock": 5}]), make_product("Socks", option_names=(), variants=[
        {"stock": 5, "options": {}}])
    order = delivered_order_of(hat.variants[0], socks.variants[0])
    response = client.get(f"/reviews/write/{link_of(order)}")
    assert response.status_code == 200
    assert_private(response)
    html = response.get_data(as_text=True)
    assert "Hat" in html and "Socks" in html
    for line in order.lines:
        assert f'name="line-{line.id}-rating"' in html
        assert f'action="/reviews/write/' in html
    assert 'value="Anna B."' in html and 'accept="image/*"' in html and "<legend>" in html
    # Fit is asked only for the sized product.
    hat_line, socks_line = (line.id for line in order.lines)
    assert f'name="line-{hat_line}-fit"' in html and f'name="line-{socks_line}-fit"' not in html
    assert "set-cookie" not in {k.lower() for k in response.headers.keys()}


def test_a_review_from_the_link_is_published_and_the_line_shows_as_done(ctx, client):
    order = make_delivered_order()
    token, line_id = link_of(order), order.lines[0].id
    response = post_line(client, token, line_id, rating="2", body="Itchy.",
                         files=photo_files(png()))
    assert response.status_code == 303
    assert_private(response)
    assert response.headers["Location"].endswith(f"/reviews/write/{token}?thanks={line_id}#line-{line_id}")
    review = db.session.scalar(sa.select(Review))
    assert (review.rating, review.body, review.collection_method, review.status) == (
        2, "Itchy.", CollectionMethod.POST_FULFILLMENT, ReviewStatus.PUBLISHED)
    assert len(review.photos) == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you for your review" in page and "data-reviewed" in page
    assert f"/reviews/mine/{review.reviewer_token}" in page and f'name="line-{line_id}-rating"' not in page


@pytest.mark.parametrize("fields, message", [
    ({"rating": "0"}, "Please choose a rating from 1 to 5 stars."),
    ({"rating": "6"}, "Please choose a rating from 1 to 5 stars."),
    ({"rating": "x"}, "Please choose a rating from 1 to 5 stars."),
    ({"rating": None}, "Please choose a rating from 1 to 5 stars."),
    ({"title": "t" * 151}, "The title can be at most 150 characters."),
    ({"author_name": ""}, "Please give the name to show with your review."),
])
def test_bad_input_shows_the_form_again_with_the_message_and_writes_nothing(ctx, client, fields, message):
    order = make_delivered_order()
    response = post_line(client, link_of(order), order.lines[0].id, **fields)
    assert response.status_code == 400
    assert_private(response)
    assert message in response.get_data(as_text=True)
    assert review_count() == 0


@pytest.mark.parametrize("uploads, status, message", [
    ([bomb_png()], 413, "Photo 1: Images can be at most 6000 pixels wide and high."),
    ([png(), not_an_image()], 400, "Photo 2: That file is not a JPEG, PNG, WebP or GIF image."),
    ([png(), png(), png(), png()], 400, "A review can have at most 3 photos."),
])
def test_bad_photos_are_refused_with_a_clear_message_and_nothing_is_written(ctx, app, client, uploads, status,
                                                                            message):
    order = make_delivered_order()
    before = stored_files(app.config["UPLOAD_FOLDER"])
    response = post_line(client, link_of(order), order.lines[0].id, files=photo_files(*uploads))
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert review_count() == 0 and stored_files(app.config["UPLOAD_FOLDER"]) == before


def test_an_oversize_photo_is_refused_with_the_size_limit(ctx, app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMAGE_BYTES", 1024 * 1024)
    order = make_delivered_order()
    big = png(40, 40) + b"\0" * (1024 * 1024)
    response = post_line(client, link_of(order), order.lines[0].id, files=photo_files(big))
    assert response.status_code == 413
    assert "Images can be at most 1.0 MB." in response.get_data(as_text=True)
    assert review_count() == 0


def test_an_unknown_or_expired_link_is_refused_clearly(ctx, client):
    order = make_delivered_order()
    assert client.get("/reviews/write/not-a-real-token").status_code == 404
    request = request_for(order, now=utcnow() - dt.timedelta(days=91), days=90)
    expired = client.get(f"/reviews/write/{request.token}")
    assert expired.status_code == 410 and "This review link has expired" in expired.get_data(as_text=True)
    assert_private(expired)  # the error page sits behind the secret link too
    assert post_line(client, request.token, order.lines[0].id).status_code == 410
    assert review_count() == 0


def test_a_second_review_of_a_line_is_refused_with_409(ctx, client):
    order = make_delivered_order()
    token = link_of(order)
    assert post_line(client, token, order.lines[0].id).status_code == 303
    again = post_line(client, token, order.lines[0].id, rating="1")
    assert again.status_code == 409 and "already been reviewed" in again.get_data(as_text=True)
    assert review_count() == 1


def test_a_line_of_another_order_cannot_be_reviewed_through_a_link(ctx, client):
    order, other = make_delivered_order(), make_delivered_order()
    assert post_line(client, link_of(order), other.lines[0].id).status_code == 404
    assert review_count() == 0


def test_a_signed_in_staff_member_cannot_review(ctx, client):
    order = make_delivered_order()
    sign_in(client, make_user("support@example.com", role="support"))
    response = post_line(client, link_of(order), order.lines[0].id)
    assert response.status_code == 403 and "Staff accounts cannot review" in response.get_data(as_text=True)
    assert review_count() == 0


def test_staff_holding_the_reviewers_link_cannot_edit_the_review_or_add_its_follow_up(ctx, client):
    # Every staff role can open an order's tracking page, which links to the reviewer's own page:
    # the link must not let staff change a shopper's words or rating.
    review = make_review(make_delivered_order(), 1, title="Shrank", body="Shrank in the wash.")
    db.session.add(Reply(review_id=review.id, author_id=staff_member().id, body="Sorry.", created_at=utcnow()))
    db.session.commit()
    sign_in(client, make_user("marketer@example.com", role="marketer"))
    url = f"/reviews/mine/{review.reviewer_token}"
    edited = client.post(url, data=form("", rating="5", title="Perfect", body="Best jumper ever"),
                         content_type="multipart/form-data")
    followed = client.post(f"{url}/follow-up", data={"new_rating": "5", "body": "Love it now."})
    assert (edited.status_code, followed.status_code) == (403, 403)
    assert "Staff cannot change a shopper" in edited.get_data(as_text=True)
    db.session.expire_all()
    kept = db.session.get(Review, review.id)
    assert (kept.rating, kept.title, kept.body, kept.follow_up, kept.versions) == (1, "Shrank", "Shrank in the wash.",
                                                                                   None, [])


def test_a_bot_filling_the_honeypot_is_answered_as_if_accepted_and_nothing_is_written(ctx, client):
    order = make_delivered_order()
    response = post_line(client, link_of(order), order.lines[0].id, website="http://spam.example")
    assert response.status_code == 303
    assert review_count() == 0


def test_the_posting_limit_counts_only_real_attempts(ctx, app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEW_POST_RATE_LIMIT", "2 per hour")
    order = make_delivered_order()
    token, line_id = link_of(order), order.lines[0].id
    for _ in range(5):  # forms sent back for correction cost nothing
        assert post_line(client, token, line_id, rating=None).status_code == 400
    assert post_line(client, token, line_id).status_code == 303
    assert post_line(client, token, line_id).status_code == 409  # reached the service: counts
    limited = post_line(client, token, line_id)
    assert limited.status_code == 429
    assert client.get(f"/reviews/write/{token}").status_code == 200  # the page itself is not limited


# --- the tracking page --------------------------------------------------------------------------------

def test_the_tracking_page_offers_a_review_per_line_once_delivered_and_then_the_edit_link(ctx, client):
    order = make_delivered_order()
    page = client.get(f"/orders/{order.tracking_token}").get_data(as_text=True)
    form_url = f"/orders/{order.tracking_token}/review/{order.lines[0].id}"
    assert "Review this item" in page and form_url in page
    form_page = client.get(form_url)
    assert form_page.status_code == 200
    assert_private(form_page)
    response = client.post(form_url, data=form(rating="5", body="Perfect."), content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{form_url}?thanks=1")
    review = db.session.scalar(sa.select(Review))
    assert review.collection_method == CollectionMethod.UNSOLICITED
    page = client.get(f"/orders/{order.tracking_token}").get_data(as_text=True)
    assert "You reviewed this item" in page and f"/reviews/mine/{review.reviewer_token}" in page
    assert "Review this item" not in page


def test_an_order_not_yet_delivered_offers_no_review_and_refuses_one(ctx, client):
    order = make_order()
    page = client.get(f"/orders/{order.tracking_token}").get_data(as_text=True)
    assert "Review this item" not in page
    form_url = f"/orders/{order.tracking_token}/review/{order.lines[0].id}"
    assert client.get(form_url).status_code == 409
    assert client.post(form_url, data=form(), content_type="multipart/form-data").status_code == 409
    assert review_count() == 0


# --- the reviewer's own page --------------------------------------------------------------------------

def test_the_reviewer_edits_and_the_earlier_version_is_shown(ctx, client):
    review = make_review(make_delivered_order(), 2, title="Itchy", body="Scratches.")
    url = f"/reviews/mine/{review.reviewer_token}"
    page = client.get(url)
    assert page.status_code == 200
    assert_private(page)
    assert 'value="Itchy"' in page.get_data(as_text=True)
    response = client.post(url, data=form(rating="4", title="Softer after washing", body="Better."),
                           content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{url}?done=edited")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your changes are saved." in html and "Softer after washing" in html
    assert "Earlier version" in html and "Itchy" in html


def test_after_our_reply_the_reviewer_adds_one_follow_up_with_a_new_rating(ctx, client):
    review = make_review(make_delivered_order(), 1, body="Shrank.")
    url = f"/reviews/mine/{review.reviewer_token}"
    assert "Add an update after our reply" not in client.get(url).get_data(as_text=True)
    db.session.add(Reply(review_id=review.id, author_id=staff_member().id, body="We are sorry — a new one is on its way.",
                         created_at=utcnow()))
    db.session.commit()
    assert "Add an update after our reply" in client.get(url).get_data(as_text=True)
    response = client.post(f"{url}/follow-up", data={"new_rating": "4", "body": "The new one fits."})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The new one fits." in html and "Add an update after our reply" not in html
    db.session.expire_all()
    assert db.session.get(Review, review.id).rating == 4
    assert client.post(f"{url}/follow-up", data={"new_rating": "5"}).status_code == 409


def test_an_unknown_reviewer_link_is_404(client):
    assert client.get("/reviews/mine/nope").status_code == 404


# --- stored XSS ---------------------------------------------------------------------------------------

def assert_escaped(html: str) -> None:
    assert '<script>alert("xss")</script>' not in html and "<img src=x onerror" not in html
    assert "&lt;script&gt;" in html


def test_hostile_text_is_escaped_on_the_form_the_reviewers_page_and_the_tracking_page(ctx, client):
    product = make_product(f"Hat {XSS}", variants=[{"stock": 5}])
    order = make_delivered_order(product.variants[0])
    token, line_id = link_of(order), order.lines[0].id
    refused = post_line(client, token, line_id, rating=None, title=XSS[:150], body=XSS, author_name=XSS[:80])
    assert refused.status_code == 400
    assert_escaped(refused.get_data(as_text=True))
    assert post_line(client, token, line_id, title=XSS[:150], body=XSS, author_name=XSS[:80]).status_code == 303
    review = db.session.scalar(sa.select(Review))
    assert review.body == XSS  # stored as written: escaping is the page's job
    for url in (f"/reviews/mine/{review.reviewer_token}", f"/reviews/write/{token}", f"/orders/{order.tracking_token}",
                f"/orders/{order.tracking_token}/review/{line_id}"):
        assert_escaped(client.get(url).get_data(as_text=True))


# --- helpful votes and reports ------------------------------------------------------------------------

def test_a_vote_answers_json_to_a_script_and_counts_once_per_shopper(ctx, client):
    review = make_review(make_delivered_order(), 4)
    headers = {"Accept": "application/json"}
    first = client.post(f"/reviews/{review.id}/helpful", headers=headers)
    assert first.status_code == 200 and first.json == {"review_id": review.id, "helpful_count": 1, "counted": True}
    assert "shop_session" in first.headers.get("Set-Cookie", "")  # the voter's key, made by the POST
    again = client.post(f"/reviews/{review.id}/helpful", headers=headers)
    assert again.json == {"review_id": review.id, "helpful_count": 1, "counted": False}
    assert db.session.scalar(sa.select(sa.func.count(ReviewVote.id))) == 1


def test_a_plain_vote_goes_back_to_the_product_page(ctx, client):
    review = make_review(make_delivered_order(), 4)
    slug = db.session.scalar(sa.text("SELECT slug FROM products WHERE id = :id"), {"id": review.product_id})
    response = client.post(f"/reviews/{review.id}/helpful")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/p/{slug}#review-{review.id}")
    assert client.post("/reviews/999999/helpful").status_code == 404


def test_a_report_is_taken_once_and_a_plain_form_gets_a_private_thank_you(ctx, client):
    review = make_review(make_delivered_order(), 5)
    page = client.post(f"/reviews/{review.id}/report", data={"reason": "Advert for another shop"})
    assert page.status_code == 200 and "Thank you for telling us" in page.get_data(as_text=True)
    assert_private(page)
    again = client.post(f"/reviews/{review.id}/report", headers={"Accept": "application/json"}, data={"reason": "x"})
    assert again.json == {"review_id": review.id, "counted": False}
    too_long = client.post(f"/reviews/{review.id}/report", data={"reason": "r" * 501})
    assert too_long.status_code == 400 and "at most 500 characters" in too_long.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Review, review.id).report_count == 1
    assert db.session.scalar(sa.select(ReviewReport.reason)) == "Advert for another shop"


def test_votes_past_the_limit_are_refused_with_429(ctx, app, client, monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_RATE_LIMIT", "2 per hour")
    review = make_review(make_delivered_order(), 4)
    headers = {"Accept": "application/json"}
    assert [client.post(f"/reviews/{review.id}/helpful", headers=headers).status_code for _ in range(3)] == [
        200, 200, 429]


def test_votes_and_reports_need_the_csrf_token_which_the_deferred_script_fetches(ctx, client, csrf_enabled):
    review = make_review(make_delivered_order(), 4)
    headers = {"Accept": "application/json"}
    assert client.post(f"/reviews/{review.id}/helpful", headers=headers).status_code == 400
    assert client.post(f"/reviews/{review.id}/report", headers=headers).status_code == 400
    token = client.get("/forms/token").json["csrf_token"]
    voted = client.post(f"/reviews/{review.id}/helpful", headers=headers, data={"csrf_token": token})
    assert voted.status_code == 200 and voted.json["counted"] is True


def test_the_review_form_carries_a_csrf_token_and_refuses_a_post_without_it(ctx, client, csrf_enabled):
    order = make_delivered_order()
    token = link_of(order)
    page = client.get(f"/reviews/write/{token}").get_data(as_text=True)
    assert re.search(rf'name="line-{order.lines[0].id}-csrf_token" type="hidden" value="[^"]+"', page)
    assert post_line(client, token, order.lines[0].id).status_code == 400
    assert review_count() == 0
