"""The product page's reviews: the figures, the order, the filters, the side-by-side pair, replies and
follow-ups, the badge's proof, and the same number of queries with 0 or 10,000 reviews."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from reviews import moderation, replies
from reviews.models import (Clock, InboxItem, Reply, ReplyVersion, Review, ReviewFollowUp, ReviewPhoto,
                            WithholdReason)
from reviews.service import add_follow_up
from storefront import page_cache
from storefront.catalog.models import Variant
from storefront.extensions import db
from tests.factories import make_category, make_product
from tests.reviews.factories import NOW, make_delivered_order, make_review, staff_member
from tests.reviews.read_support import (XSS, bulk_reviews, product_of, review_ids_in_order, side_by_side,
                                        text_of, unverified_review)


@pytest.fixture
def unverified_allowed(app, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEWS_ALLOW_UNVERIFIED", True)


def page_of(client, url: str, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def statements_for(client, count_queries, url: str) -> int:
    client.get(url)  # warm up: first-request work is not what we measure
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def everything_under_the_reviews(product) -> None:
    """Replies (one edited), photos, follow-ups and inbox items on the product's most helpful
    reviews, written straight into the tables like the reviews themselves."""
    top = list(db.session.scalars(sa.select(Review.id).where(Review.product_id == product.id)
                                  .order_by(Review.helpful_count.desc(), Review.id.desc()).limit(40)))
    db.session.execute(sa.insert(Reply), [
        {"review_id": rid, "body": f"Thank you {rid}", "language": "en", "created_at": NOW + dt.timedelta(hours=2),
         "edited_at": NOW + dt.timedelta(hours=3)} for rid in top])
    reply_ids = list(db.session.scalars(sa.select(Reply.id).where(Reply.review_id.in_(top))))
    db.session.execute(sa.insert(ReplyVersion), [
        {"reply_id": reply_id, "body": "First words", "written_at": NOW, "replaced_at": NOW + dt.timedelta(hours=3)}
        for reply_id in reply_ids])
    db.session.execute(sa.insert(ReviewPhoto), [
        {"review_id": rid, "filename": f"reviews/{rid}-{n}.jpg", "width": 40, "height": 30, "position": n}
        for rid in top for n in range(3)])
    db.session.execute(sa.insert(ReviewFollowUp), [
        {"review_id": rid, "body": "Better now", "previous_rating": 2, "new_rating": 4,
         "created_at": NOW + dt.timedelta(days=1)} for rid in top])
    low = list(db.session.scalars(sa.select(Review.id).where(Review.product_id == product.id, Review.rating <= 2)))
    db.session.execute(sa.insert(InboxItem), [
        {"kind": "negative_review", "review_id": rid, "arrived_at": NOW, "clock": Clock.CALENDAR,
         "due_at": NOW + dt.timedelta(hours=2),
         "first_response_at": NOW + dt.timedelta(minutes=30 + n % 90) if n % 4 else None}
        for n, rid in enumerate(low)])
    db.session.commit()


def test_the_product_page_runs_as_many_queries_with_10000_reviews_as_with_none(client, count_queries):
    category = make_category("Sweaters", slug="sweaters")
    make_product("Quiet", category=category, slug="quiet")
    busy = make_product("Busy", category=category, slug="busy")
    bulk_reviews(busy, 10_000)
    everything_under_the_reviews(busy)
    assert db.session.scalar(sa.select(sa.func.count(Review.id)).where(Review.product_id == busy.id)) == 10_000

    urls = ["/p/{}", "/p/{}/reviews", "/p/{}/reviews?rating=2", "/p/{}/reviews?fit=small&sort=newest",
            "/p/{}/reviews?rating=1&fit=large&sort=lowest&page=3", "/p/{}/reviews/ledger"]
    quiet = {url: statements_for(client, count_queries, url.format("quiet")) for url in urls}
    loud = {url: statements_for(client, count_queries, url.format("busy")) for url in urls}

    assert loud == quiet
    page = page_of(client, "/p/busy")
    assert "10000 reviews" in text_of(page) or "10,000 reviews" in text_of(page)
    assert "Official reply" in page and "Earlier version" in page and "Updated on" in page
    print(f"\nstatements per page, 0 reviews: {quiet}\n             10,000 reviews: {loud}")


def test_a_new_review_is_on_the_page_at_once_with_the_average_and_the_count(client, app):
    with app.test_request_context():
        order = make_delivered_order()
    product_slug = product_of(order).slug
    first = page_of(client, f"/p/{product_slug}")
    assert "No reviews yet" in first

    with app.test_request_context():
        make_review(order, 2, body="Itchy on the neck.")
    page = text_of(page_of(client, f"/p/{product_slug}"))
    assert "Average rating 2.0 out of 5" in page and "1 review" in page
    assert "2 stars: 1 review (100%)" in page

    with app.test_request_context():
        second = make_delivered_order(db.session.get(Variant, order.lines[0].variant_id))
        make_review(second, 5, body="Warm.")
    page = text_of(page_of(client, f"/p/{product_slug}"))
    assert "Average rating 3.5 out of 5" in page and "2 reviews" in page

    review_id = db.session.scalar(sa.select(Review.id).where(Review.rating == 5))
    moderation.withhold(review_id, WithholdReason.SPAM, actor=staff_member(), now=NOW + dt.timedelta(days=9))
    page = text_of(page_of(client, f"/p/{product_slug}"))
    assert "Average rating 2.0 out of 5" in page and "1 review" in page
    assert "Received 2, published 1, withheld 1 (spam: 1 rated 5★)" in page


@pytest.fixture
def listed(app, unverified_allowed):
    """Five English reviews with distinct helpful counts, dates and ratings."""
    product = make_product("Listed", slug="listed")
    specs = [  # rating, helpful, minutes after NOW
        (3, 4, 10), (5, 9, 20), (1, 0, 30), (4, 2, 40), (2, 7, 50)]
    ids = [unverified_review(product, rating, now=NOW + dt.timedelta(minutes=minutes), body=f"{rating} stars").id
           for rating, helpful, minutes in specs]
    for review_id, (rating, helpful, minutes) in zip(ids, specs):
        db.session.execute(sa.update(Review).where(Review.id == review_id).values(helpful_count=helpful))
    db.session.commit()
    return product, dict(zip([spec[0] for spec in specs], ids))


@pytest.mark.parametrize("sort, expected", [
    ("helpful", [5, 2, 3, 4, 1]),
    ("newest", [2, 4, 1, 5, 3]),
    ("lowest", [1, 2, 3, 4, 5]),
    ("highest", [5, 4, 3, 2, 1]),
])
def test_the_list_sorts_by_most_helpful_newest_lowest_and_highest(client, listed, sort, expected):
    product, by_rating = listed
    page = page_of(client, f"/p/listed/reviews?sort={sort}", **{"Accept-Language": "en"})
    assert review_ids_in_order(page) == [by_rating[stars] for stars in expected]
    assert 'aria-current="true">' + {"helpful": "Most helpful", "newest": "Newest", "lowest": "Lowest rating",
                                     "highest": "Highest rating"}[sort] in page


def test_the_histogram_bars_are_links_that_filter_and_say_what_they_count(client, listed):
    product, by_rating = listed
    page = page_of(client, "/p/listed")
    bar = re.search(r'<a class="histogram-row" href="([^"]+)"><span class="visually-hidden">([^<]+)</span>', page)
    assert bar.group(2) == "5 stars: 1 review (20%)"
    filtered = page_of(client, bar.group(1).replace("&amp;", "&"))
    assert review_ids_in_order(filtered) == [by_rating[5]]
    assert "1 star: 1 review (20%)" in page


def test_filters_by_stars_and_by_fit_together(client, app, unverified_allowed):
    product = make_product("Fitted", slug="fitted")
    wanted = unverified_review(product, 2, now=NOW, body="Too tight", fit="small")
    unverified_review(product, 2, now=NOW, body="Fine", fit="true")
    unverified_review(product, 4, now=NOW, body="Small but nice", fit="small")
    assert review_ids_in_order(page_of(client, "/p/fitted/reviews?rating=2&fit=small")) == [wanted.id]
    assert len(review_ids_in_order(page_of(client, "/p/fitted/reviews?fit=small"))) == 2
    assert len(review_ids_in_order(page_of(client, "/p/fitted/reviews?rating=2"))) == 2
    text = text_of(page_of(client, "/p/fitted"))
    assert "Most say: runs small" in text
    # A link edited by hand falls back to the defaults rather than failing.
    assert len(review_ids_in_order(page_of(client, "/p/fitted/reviews?rating=9&fit=huge&sort=x&page=-4"))) == 3


def test_the_fit_summary_shows_only_for_sized_products(client, unverified_allowed):
    product = make_product("Scarf", slug="scarf", option_names=(), variants=[{"options": {}}])
    unverified_review(product, 4, now=NOW, body="Long", fit="small")
    assert "Most say" not in page_of(client, "/p/scarf")


def test_reviews_in_the_shoppers_language_come_first_each_labelled(client, unverified_allowed):
    product = make_product("Polyglot", slug="polyglot")
    english = unverified_review(product, 5, now=NOW, language="en", body="Warm", name="Emma")
    latvian = unverified_review(product, 3, now=NOW - dt.timedelta(days=30), language="lv", body="Silts",
                                name="Anna")
    spanish = unverified_review(product, 4, now=NOW + dt.timedelta(days=1), language="es", body="Cálido",
                                name="Lucía")
    page = page_of(client, "/p/polyglot/reviews?sort=newest", **{"Accept-Language": "lv"})
    assert review_ids_in_order(page) == [latvian.id, spanish.id, english.id]
    page = page_of(client, "/p/polyglot/reviews?sort=newest", **{"Accept-Language": "en"})
    assert review_ids_in_order(page) == [english.id, spanish.id, latvian.id]
    assert "Written in Latvian" in page and "Written in Spanish" in page
    assert '<div class="review-body" lang="lv"><p>Silts</p></div>' in page


@pytest.mark.parametrize("lang, average, day", [("en", "4.5", "20 Nov 2024"), ("es", "4,5", "20 nov 2024"),
                                                 ("lv", "4,5", "2024. g. 20. nov.")])
def test_the_average_and_the_dates_are_written_as_the_shoppers_language_writes_them(
        client, unverified_allowed, lang, average, day):
    """A decimal comma in Spanish and Latvian; a Latvian day takes its ordinal point ("20. nov.")."""
    product = make_product("Decimal", slug="decimal")
    written = dt.datetime(2024, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
    unverified_review(product, 5, now=written, name="Emma", body="Warm")
    unverified_review(product, 4, now=written, name="Anna", body="Silts")
    for url in ("/p/decimal", "/p/decimal/reviews"):
        page = page_of(client, f"{url}?lang={lang}")
        assert f'<span class="reviews-average-number" aria-hidden="true">{average}</span>' in page, url
        said = re.search(r'aria-hidden="true">[^<]*</span>\s*<span class="visually-hidden">([^<]*)</span>', page)
        assert said and f" {average} " in said.group(1), url  # what a screen reader says of it
        assert day in page, url


@pytest.mark.parametrize("lang, bought", [("en", "Bought M / Oat"), ("es", "Comprado: M / Avena"),
                                           ("lv", "Pirkts: M / Auzu bēšs")])
def test_what_a_reviewer_bought_is_named_in_the_page_s_language(client, app, lang, bought):
    """The order wrote "M / Oat" in the shop's default language; a Latvian page names the colour as
    its colour picker does. The words around it are the page's own."""
    translations = {"es": {"title": "Jersey", "values": {"Colour": {"Oat": "Avena"}}},
                    "lv": {"title": "Džemperis", "values": {"Colour": {"Oat": "Auzu bēšs"}}}}
    product = make_product("Sweater", slug="oat-sweater", option_names=("Size", "Colour"), translations=translations,
                           variants=[{"options": {"Size": "M", "Colour": "Oat"}, "stock": 5}])
    make_review(make_delivered_order(product.variants[0]), 5, body="Warm.")
    page = text_of(page_of(client, f"/p/oat-sweater?lang={lang}"))
    assert bought in page
    assert "Oat" not in page or lang == "en"


def test_a_colour_renamed_in_a_language_is_on_the_badges_at_the_next_request(client, app):
    """The reviews are stored apart from the page, and a product's edit writes none of their
    tables: the words the badges name the options with are part of what they are stored under."""
    from storefront.catalog.models import Product

    translations = {"lv": {"title": "Džemperis", "values": {"Colour": {"Oat": "Auzu bēšs"}}}}
    product = make_product("Sweater", slug="oat-sweater", option_names=("Size", "Colour"), translations=translations,
                           variants=[{"options": {"Size": "M", "Colour": "Oat"}, "stock": 5}])
    make_review(make_delivered_order(product.variants[0]), 5, body="Warm.")
    assert "Pirkts: M / Auzu bēšs" in text_of(page_of(client, "/p/oat-sweater?lang=lv"))
    row = db.session.get(Product, product.id)
    row.translations = {"lv": {"title": "Džemperis", "values": {"Colour": {"Oat": "Auzu krāsa"}}}}
    db.session.commit()
    assert "Pirkts: M / Auzu krāsa" in text_of(page_of(client, "/p/oat-sweater?lang=lv"))


def test_the_most_helpful_favourable_and_critical_reviews_stand_side_by_side_only_when_both_exist(
        client, app, unverified_allowed, monkeypatch):
    product = make_product("Pair", slug="pair")
    liked = unverified_review(product, 5, now=NOW, body="Lovely")
    more_liked = unverified_review(product, 4, now=NOW, body="Very nice")
    db.session.execute(sa.update(Review).where(Review.id == more_liked.id).values(helpful_count=3))
    db.session.commit()
    assert side_by_side(page_of(client, "/p/pair")) == []

    middling = unverified_review(product, 3, now=NOW, body="So-so")
    assert side_by_side(page_of(client, "/p/pair")) == [more_liked.id, middling.id]

    monkeypatch.setitem(app.config, "REVIEWS_CRITICAL_MAX", 2)  # 3★ is no longer critical
    page_cache.bump(app)  # a setting changed without a restart (a restart changes the pages' key)
    assert side_by_side(page_of(client, "/p/pair")) == []
    critical = unverified_review(product, 1, now=NOW, body="Shrank")
    page = page_of(client, "/p/pair")
    assert side_by_side(page) == [more_liked.id, critical.id]
    assert "Most helpful favourable review" in page and "Most helpful critical review" in page
    assert liked.id in review_ids_in_order(page)


def test_a_rating_only_review_is_shown_as_such_never_as_one_star(client, unverified_allowed):
    product = make_product("Quiet", slug="quiet-one")
    unverified_review(product, 4, now=NOW)
    text = text_of(page_of(client, "/p/quiet-one"))
    assert "Rated 4 out of 5 — no written review" in text
    assert "Average rating 4.0 out of 5" in text
    assert "4 stars: 1 review (100%)" in text and "1 star: 0 reviews (0%)" in text


def test_a_verified_review_shows_the_proof_and_others_say_what_they_are(client, app, monkeypatch):
    with app.test_request_context():
        order = make_delivered_order()
        make_review(order, 4, body="Warm", now=NOW + dt.timedelta(days=5))
    slug = product_of(order).slug
    text = text_of(page_of(client, f"/p/{slug}"))
    assert re.search(r"Verified purchase Bought size S · delivered 12 Mar( 2026)? · reviewed 15 Mar( 2026)?", text)

    monkeypatch.setitem(app.config, "REVIEWS_ALLOW_UNVERIFIED", True)
    product = product_of(order)
    unverified_review(product, 3, now=NOW, body="From a market stall")
    monkeypatch.setitem(app.config, "REVIEWS_ALLOW_STAFF", True)
    staff_member("knitter@example.com", role="support")
    unverified_review(product, 5, now=NOW, body="Our own", name="Knitter")  # knitter@example.com is staff
    gifted = unverified_review(product, 4, now=NOW, body="Got a scarf for it", name="Gift")
    db.session.execute(sa.update(Review).where(Review.id == gifted.id).values(incentivized=True))
    db.session.commit()
    text = text_of(page_of(client, f"/p/{slug}/reviews"))
    assert "Not verified" in text and "Staff review" in text
    assert "Not verified Received something in return for this review Reviewed" in text


def test_the_official_reply_says_how_long_it_took_and_keeps_its_earlier_versions(client, app):
    with app.test_request_context():
        order = make_delivered_order()
        review = make_review(order, 2, body="Pilled after one wash.", now=NOW + dt.timedelta(days=5))
    support = staff_member("support@example.com", role="support")
    reply = replies.reply_to_review(review.id, "Sorry! We will send a comb.", actor=support,
                                    now=review.created_at + dt.timedelta(hours=1, minutes=12))
    replies.edit_reply(reply.id, "Sorry! A comb is on its way.", actor=support,
                       now=review.created_at + dt.timedelta(hours=3))
    add_follow_up(review.reviewer_token, "The comb worked.", 4, NOW + dt.timedelta(days=8))
    page = page_of(client, f"/p/{product_of(order).slug}")
    text = text_of(page)
    # Its reply was edited before the update: it answers the original review, and says so.
    assert "Official reply to the original review · Ziemeļu Vilna · 1 h 12 min after the review" in text
    assert "Sorry! A comb is on its way." in text
    assert "Earlier version" in text and "Sorry! We will send a comb." in text
    assert re.search(r"Updated on 18 Mar( 2026)? · changed the rating from 2 to 4", text)
    assert "The comb worked." in text and "built-in method" not in page
    # The original stays readable: its rating, its words, the reply under them.
    assert 'aria-label="Original review"' in page
    assert re.search(r"Original review, 15 Mar( 2026)? ★★ ★★★ Rated 2 out of 5 Pilled after one wash\. Official reply", text)


def test_stored_script_in_every_field_is_shown_as_text(client, app, unverified_allowed):
    product = make_product("Target", slug="target")
    review = unverified_review(product, 1, now=NOW, title=XSS[:150], body=XSS, name="Eve<script>")
    support = staff_member("support@example.com", role="support")
    reply = replies.reply_to_review(review.id, "Re: " + XSS, actor=support, now=NOW + dt.timedelta(hours=1))
    replies.edit_reply(reply.id, "Again " + XSS, actor=support, now=NOW + dt.timedelta(hours=2))
    add_follow_up(review.reviewer_token, "Follow " + XSS, 2, NOW + dt.timedelta(days=1))
    for url in ("/p/target", "/p/target/reviews", "/p/target/reviews?rating=2", "/p/target/reviews/ledger"):
        page = page_of(client, url)
        assert "<script>alert(1)</script>" not in page, url
        assert "<img src=x" not in page, url
        assert "Eve<script>" not in page, url
    page = page_of(client, "/p/target")
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Eve&lt;script&gt;" in page


@pytest.mark.parametrize("url", ["/p/quiet-page", "/p/quiet-page/reviews", "/p/quiet-page/reviews?rating=5",
                                 "/p/quiet-page/reviews/ledger", "/reviews/how-they-work",
                                 "/feeds/product-reviews.xml"])
def test_an_anonymous_visit_sets_no_cookie_and_writes_nothing(client, unverified_allowed, count_queries, url):
    product = make_product("Quiet page", slug="quiet-page")
    unverified_review(product, 5, now=NOW, body="Lovely")
    client.get(url)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    assert response.headers.getlist("Set-Cookie") == []
    writes = [s for s in counter.statements if s.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert "csrf_token" not in response.get_data(as_text=True) or 'name="csrf_token" value=""' in \
        response.get_data(as_text=True)
