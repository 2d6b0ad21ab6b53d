from tests.reviews.factories import make_delivered_order, make_review
from reviews.models import ReviewStats
from storefront.extensions import db


def test_a_buyer_reviews_a_delivered_line_and_the_figures_count_it(app):
    with app.test_request_context():
        order = make_delivered_order()
        review = make_review(order, 2, body="Itchy.")
    stats = db.session.get(ReviewStats, review.product_id)
    assert (stats.review_count, stats.rating_sum, stats.rated_2) == (1, 2, 1)
