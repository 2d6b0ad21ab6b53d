"""The write path's limits under real concurrency: gunicorn with four worker processes on the test
database (SQLite, or PostgreSQL with TEST_DATABASE_URL), requests released together by a barrier.

The server here is this module's own: the shared one runs with the shop's default rate limits,
which (rightly) would stop fifty reviews from one address within the hour. Here the limits are
raised so that only the database's rules decide.
"""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from reviews.models import Review, ReviewStats, ReviewVote
from storefront.database import utcnow
from storefront.extensions import db
from tests.concurrency import at_once, call
from tests.conftest import serving_with_gunicorn
from tests.factories import make_product
from tests.reviews.factories import make_delivered_order, make_review
from tests.reviews.write_support import assert_figures_exact, request_for


@pytest.fixture(scope="module")
def review_server(app, database_url):
    """The shop under gunicorn (4 processes × 4 threads) with the posting limits raised."""
    env = dict(DATABASE_URL=database_url, INSTANCE_PATH=app.instance_path,
               SECRET_KEY=app.config["SECRET_KEY"], TASKS_IMMEDIATE="true", HUEY_URL="memory://",
               UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"], SMTP_HOST="",
               REVIEW_POST_RATE_LIMIT="10000 per hour", VOTE_RATE_LIMIT="10000 per hour")
    with serving_with_gunicorn(["--workers", "4", "--threads", "4"], env) as url:
        yield url


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def review_body(order, rating: int) -> dict:
    return {"token": request_for(order, now=utcnow()).token, "order_line_id": order.lines[0].id,
            "rating": rating, "body": f"{rating} stars from order {order.number}", "language": "en"}


def test_ten_reviews_of_one_line_at_once_make_exactly_one(ctx, review_server):
    order = make_delivered_order()
    body = review_body(order, 4)
    results = at_once([lambda: call("POST", f"{review_server}/api/v1/reviews", body)] * 10)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 9, statuses
    assert {body["error"]["code"] for status, body in results if status == 409} == {"already_reviewed"}
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 1
    assert assert_figures_exact(order.lines[0].product_id)[:2] == (1, 4)


def test_twenty_helpful_votes_by_one_shopper_at_once_count_once(ctx, review_server):
    review = make_review(make_delivered_order(), 5)
    url = f"{review_server}/api/v1/reviews/{review.id}/helpful"
    results = at_once([lambda: call("POST", url, {"voter": "one-shopper-key"})] * 20)
    assert [status for status, _ in results] == [200] * 20
    assert sorted(body["counted"] for _, body in results) == [False] * 19 + [True]
    assert {body["helpful_count"] for _, body in results} == {1}
    db.session.commit()
    assert db.session.scalar(sa.select(Review.helpful_count).where(Review.id == review.id)) == 1
    assert db.session.scalar(sa.select(sa.func.count(ReviewVote.id))) == 1


def test_fifty_reviews_of_one_product_at_once_leave_the_count_and_average_exact(ctx, review_server):
    product = make_product(variants=[{"stock": 60}])
    orders = [make_delivered_order(product.variants[0]) for _ in range(50)]
    ratings = [1 + i % 5 for i in range(50)]  # ten of each: 150 stars over 50 reviews
    bodies = [review_body(order, rating) for order, rating in zip(orders, ratings)]
    started = time.monotonic()
    results = at_once([lambda body=body: call("POST", f"{review_server}/api/v1/reviews", body) for body in bodies])
    elapsed = time.monotonic() - started
    assert [status for status, _ in results] == [201] * 50, [b for s, b in results if s != 201][:3]
    figures = assert_figures_exact(product.id)
    assert figures[:7] == (50, 150, 10, 10, 10, 10, 10)
    stats = db.session.get(ReviewStats, product.id)
    assert round(stats.rating_sum / stats.review_count, 1) == 3.0
    print(f"\n50 concurrent reviews of one product across 4 processes: count 50, average 3.0, {elapsed:.2f} s")
