"""The write path's rules, called as the pages and the API call them: who may review, photos,
edits kept and moderated again, the follow-up after a reply, votes and reports."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from reviews import feedback, links, photos, service, signals
from reviews.models import (CollectionMethod, Reply, Review, ReviewFollowUp, ReviewReport, ReviewStatus,
                            ReviewVersion, ReviewVote, WithholdReason)
from reviews.moderation import withhold
from storefront.extensions import db
from tests.factories import make_order, make_product, make_user
from tests.reviews.factories import NOW, make_delivered_order, make_review, staff_member
from tests.reviews.write_support import (LATER, assert_figures_exact, bomb_png, figures, not_an_image, png,
                                         request_for, review_count, stored_files)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def draft(rating=4, **fields) -> service.ReviewDraft:
    return service.ReviewDraft(**dict({"rating": rating, "language": "en", "author_name": "Anna B."}, **fields))


def write(order, rating=4, line_index=0, **fields) -> Review:
    return service.write_verified_review(order.lines[line_index].id, draft(rating, **fields),
                                         collection_method=CollectionMethod.UNSOLICITED, now=LATER)


def give_reply(review: Review, *, now=LATER + dt.timedelta(hours=1)) -> Reply:
    reply = Reply(review_id=review.id, author_id=staff_member().id, body="Sorry about that.", created_at=now)
    db.session.add(reply)
    db.session.commit()
    return reply


# --- who may review what ----------------------------------------------------------------------------

def test_a_buyer_reviews_a_delivered_line_with_the_proof_copied_from_the_order(ctx):
    order = make_delivered_order()
    review = write(order, 5, body="Warm.", fit="true")
    assert review.verified and not review.by_staff and review.status == ReviewStatus.PUBLISHED
    assert review.order_line_id == order.lines[0].id and review.variant_label == order.lines[0].variant_label
    assert review.delivered_at == NOW + dt.timedelta(days=2) and review.fit == "true"
    assert review.original_rating == 5 and review.published_at == LATER
    assert figures(review.product_id)[:2] == (1, 5)


def test_fit_is_kept_only_for_sized_products(ctx):
    product = make_product(option_names=("Colour",), variants=[{"options": {"Colour": "Blue"}, "stock": 5}])
    review = write(make_delivered_order(product.variants[0]), 4, fit="small")
    assert review.fit is None


def test_a_second_review_of_a_line_is_refused_and_writes_nothing(ctx):
    order = make_delivered_order()
    write(order, 4)
    with pytest.raises(service.AlreadyReviewed) as refused:
        write(order, 1)
    assert refused.value.status == 409
    assert review_count() == 1


def test_a_line_of_an_order_not_yet_delivered_cannot_be_reviewed(ctx):
    order = make_order(now=NOW)
    with pytest.raises(service.NotReviewable):
        write(order, 3)
    assert review_count() == 0


def test_a_staff_account_cannot_review_unless_the_shop_allows_it_and_then_it_is_labelled(ctx, app, monkeypatch):
    make_user("staff.buyer@example.com", role="support")
    order = make_delivered_order(email="Staff.Buyer@example.com")
    with pytest.raises(service.StaffCannotReview) as refused:
        write(order, 5)
    assert refused.value.status == 403 and review_count() == 0
    monkeypatch.setitem(app.config, "REVIEWS_ALLOW_STAFF", True)
    assert write(order, 5).by_staff is True


def test_a_signed_in_staff_member_is_refused_even_with_a_shoppers_order(ctx):
    order = make_delivered_order()
    with pytest.raises(service.StaffCannotReview):
        service.write_verified_review(order.lines[0].id, draft(5), collection_method=CollectionMethod.UNSOLICITED,
                                      now=LATER, by_staff=True)
    assert review_count() == 0


def test_unverified_reviews_exist_only_where_the_shop_allows_them_and_say_so(ctx, app, monkeypatch):
    product = make_product()
    with pytest.raises(service.UnverifiedNotAllowed):
        service.write_unverified_review(product.id, draft(2), email="walker@example.com", now=LATER)
    monkeypatch.setitem(app.config, "REVIEWS_ALLOW_UNVERIFIED", True)
    review = service.write_unverified_review(product.id, draft(2), email="walker@example.com", now=LATER)
    assert (review.verified, review.order_line_id, review.collection_method) == (False, None, "unsolicited")
    assert figures(product.id)[:2] == (1, 2)


def test_a_review_link_opens_its_own_order_only_and_not_after_it_expires(ctx):
    order, other = make_delivered_order(), make_delivered_order()
    request = request_for(order, now=NOW, days=90)
    with pytest.raises(service.ReviewNotFound):
        links.write_review_from_link(request.token, other.lines[0].id, draft(), now=LATER)
    with pytest.raises(links.ReviewLinkExpired) as expired:
        links.write_review_from_link(request.token, order.lines[0].id, draft(), now=NOW + dt.timedelta(days=91))
    assert expired.value.status == 410
    with pytest.raises(links.ReviewLinkNotFound):
        links.write_review_from_link("no-such-token", order.lines[0].id, draft(), now=LATER)
    assert review_count() == 0
    review = links.write_review_from_link(request.token, order.lines[0].id, draft(), now=LATER)
    assert review.collection_method == CollectionMethod.POST_FULFILLMENT


@pytest.mark.parametrize("fields, field", [
    ({"rating": 0}, "rating"), ({"rating": 6}, "rating"), ({"rating": "x"}, "rating"), ({"rating": None}, "rating"),
    ({"rating": True}, "rating"), ({"title": "t" * 151}, "title"), ({"body": "b" * 5001}, "body"),
    ({"author_name": "  "}, "author_name"), ({"language": "de"}, "language"), ({"fit": "tight"}, "fit"),
])
def test_a_bad_draft_is_refused_naming_its_field_and_writes_nothing(ctx, fields, field):
    order = make_delivered_order()
    values = {"rating": 4, "language": "en", "author_name": "Anna B."} | fields
    with pytest.raises(service.InvalidReview) as refused:
        service.write_verified_review(order.lines[0].id, service.ReviewDraft(**values),
                                      collection_method=CollectionMethod.UNSOLICITED, now=LATER)
    assert refused.value.field == field and refused.value.status == 400
    assert review_count() == 0


# --- photos -------------------------------------------------------------------------------------------

def test_photos_are_checked_by_pillow_and_stored_under_the_upload_folder(ctx, app):
    review = write(make_delivered_order(), 5, photos=[png(40, 30), png(10, 20)])
    db.session.refresh(review)
    assert [(p.width, p.height, p.position) for p in review.photos] == [(40, 30, 0), (10, 20, 1)]
    names = stored_files(app.config["UPLOAD_FOLDER"])
    assert {p.filename.split("/")[-1] for p in review.photos} <= names
    assert all(p.filename.startswith("reviews/") and p.filename.endswith(".png") for p in review.photos)


@pytest.mark.parametrize("uploads, error, status", [
    ([bomb_png()], photos.PhotoTooLarge, 413),
    ([not_an_image()], photos.InvalidPhoto, 400),
    ([png(), png(), png(), png()], photos.TooManyPhotos, 400),
])
def test_bombs_non_images_and_a_fourth_photo_are_refused_and_nothing_is_written(ctx, app, uploads, error, status):
    before = stored_files(app.config["UPLOAD_FOLDER"])
    with pytest.raises(error) as refused:
        write(make_delivered_order(), 3, photos=uploads)
    assert refused.value.status == status and refused.value.field == "photos"
    assert review_count() == 0 and stored_files(app.config["UPLOAD_FOLDER"]) == before


def test_a_photo_over_the_size_limit_is_refused_with_the_limit_in_the_message(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMAGE_BYTES", 200)
    with pytest.raises(photos.PhotoTooLarge) as refused:
        write(make_delivered_order(), 3, photos=[png(300, 300, (1, 2, 3)) + b"\0" * 300])
    assert "MB" in str(refused.value.message) and review_count() == 0


def test_a_review_rolled_back_after_its_photos_were_written_leaves_no_file(ctx, app):
    def explode(sender, **kwargs):
        raise RuntimeError("a receiver failed")

    before = stored_files(app.config["UPLOAD_FOLDER"])
    order = make_delivered_order()
    with signals.review_submitted.connected_to(explode), pytest.raises(RuntimeError):
        write(order, 4, photos=[png()])
    assert review_count() == 0 and stored_files(app.config["UPLOAD_FOLDER"]) == before


# --- the reviewer's edit and follow-up ----------------------------------------------------------------

def test_an_edit_keeps_the_earlier_text_and_moves_the_figures(ctx):
    review = write(make_delivered_order(), 2, title="Itchy", body="Scratches.")
    edited = []

    def heard(sender, **kw):
        edited.append((sender.id, kw["now"]))

    with signals.review_edited.connected_to(heard):
        service.edit_review(review.reviewer_token, draft(4, title="Better after washing", body="Softer now."),
                            LATER + dt.timedelta(days=1))
    db.session.expire_all()
    review = db.session.get(Review, review.id)
    assert (review.rating, review.original_rating, review.title) == (4, 4, "Better after washing")
    assert review.edited_at == LATER + dt.timedelta(days=1) and review.status == ReviewStatus.PUBLISHED
    [version] = review.versions
    assert (version.rating, version.title, version.body, version.written_at) == (2, "Itchy", "Scratches.", LATER)
    assert edited == [(review.id, LATER + dt.timedelta(days=1))]
    assert assert_figures_exact(review.product_id)[:7] == (1, 4, 0, 0, 0, 1, 0)


def test_an_edit_waits_for_a_look_when_the_shop_holds_every_review(ctx, app, monkeypatch):
    review = write(make_delivered_order(), 5)
    monkeypatch.setitem(app.config, "REVIEWS_HOLD_ALL", True)
    service.edit_review(review.reviewer_token, draft(5, body="Still great."), LATER + dt.timedelta(days=1))
    db.session.expire_all()
    assert db.session.get(Review, review.id).status == ReviewStatus.PENDING
    assert assert_figures_exact(review.product_id)[:2] == (0, 0)


def test_a_withheld_review_edited_goes_back_to_waiting_never_straight_to_the_page(ctx):
    review = write(make_delivered_order(), 1, body="Call me on +371 2000 0000")
    withhold(review.id, WithholdReason.PERSONAL_DATA, actor=staff_member(), now=LATER + dt.timedelta(hours=1))
    service.edit_review(review.reviewer_token, draft(1, body="Call me maybe"), LATER + dt.timedelta(hours=2))
    db.session.expire_all()
    review = db.session.get(Review, review.id)
    assert (review.status, review.withheld_reason) == (ReviewStatus.PENDING, None)
    assert assert_figures_exact(review.product_id)[:2] == (0, 0)


def test_edit_photos_add_to_those_the_review_has_up_to_the_limit(ctx):
    review = write(make_delivered_order(), 4, photos=[png(), png()])
    with pytest.raises(photos.TooManyPhotos):
        service.edit_review(review.reviewer_token, draft(4, photos=[png(), png()]), LATER)
    service.edit_review(review.reviewer_token, draft(4, photos=[png(7, 7)]), LATER)
    db.session.expire_all()
    assert [p.position for p in db.session.get(Review, review.id).photos] == [0, 1, 2]


def test_the_follow_up_comes_after_a_reply_once_and_moves_the_rating_that_counts(ctx):
    review = write(make_delivered_order(), 1, body="Shrank in the wash.")
    with pytest.raises(service.FollowUpNotAllowed):
        service.add_follow_up(review.reviewer_token, "Thanks", 4, LATER)
    give_reply(review)
    service.add_follow_up(review.reviewer_token, "They replaced it, fits now.", 4, LATER + dt.timedelta(days=3))
    with pytest.raises(service.FollowUpExists):
        service.add_follow_up(review.reviewer_token, "Again", 5, LATER + dt.timedelta(days=4))
    db.session.expire_all()
    review = db.session.get(Review, review.id)
    assert (review.rating, review.original_rating) == (4, 1)
    assert (review.follow_up.previous_rating, review.follow_up.new_rating) == (1, 4)
    assert assert_figures_exact(review.product_id)[:7] == (1, 4, 0, 0, 0, 1, 0)
    with pytest.raises(service.ReviewLocked):
        service.edit_review(review.reviewer_token, draft(5), LATER + dt.timedelta(days=5))
    assert db.session.scalar(sa.select(sa.func.count(ReviewFollowUp.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(ReviewVersion.id))) == 0


def test_a_follow_up_rating_out_of_range_is_refused(ctx):
    review = write(make_delivered_order(), 2)
    give_reply(review)
    for bad in (0, 6, "5", None):
        with pytest.raises(service.InvalidReview):
            service.add_follow_up(review.reviewer_token, "", bad, LATER)
    assert db.session.scalar(sa.select(sa.func.count(ReviewFollowUp.id))) == 0


def test_an_unknown_reviewer_token_opens_nothing(ctx):
    with pytest.raises(service.ReviewNotFound):
        service.edit_review("not-a-token", draft(), LATER)


# --- votes and reports --------------------------------------------------------------------------------

def test_a_helpful_vote_counts_once_per_shopper_and_a_repeat_is_a_no_op(ctx):
    review = make_review(make_delivered_order(), 4)
    first = feedback.vote_helpful(review.id, "shopper-key-1", LATER)
    again = feedback.vote_helpful(review.id, "shopper-key-1", LATER)
    other = feedback.vote_helpful(review.id, "shopper-key-2", LATER)
    assert (first.counted, again.counted, other.counted) == (True, False, True)
    assert (first.helpful_count, again.helpful_count, other.helpful_count) == (1, 1, 2)
    assert db.session.scalar(sa.select(sa.func.count(ReviewVote.id))) == 2


def test_votes_need_a_well_formed_key_and_a_published_review(ctx):
    review = make_review(make_delivered_order(), 4)
    with pytest.raises(feedback.InvalidFeedback):
        feedback.vote_helpful(review.id, "short", LATER)
    withhold(review.id, WithholdReason.SPAM, actor=None, now=LATER)
    with pytest.raises(service.ReviewNotFound):
        feedback.vote_helpful(review.id, "shopper-key-1", LATER)


def test_a_report_is_recorded_once_sends_the_signal_and_leaves_the_review_published(ctx):
    review = make_review(make_delivered_order(), 5)
    heard = []

    def listen(sender, **kw):
        heard.append((sender.id, kw["report"].reason))

    with signals.review_reported.connected_to(listen):
        assert feedback.report_review(review.id, "reporter-key", "Looks fake", LATER).counted
        assert not feedback.report_review(review.id, "reporter-key", "Still fake", LATER).counted
    db.session.expire_all()
    review = db.session.get(Review, review.id)
    assert (review.report_count, review.status) == (1, ReviewStatus.PUBLISHED)
    assert heard == [(review.id, "Looks fake")]
    assert db.session.scalar(sa.select(sa.func.count(ReviewReport.id))) == 1
    with pytest.raises(feedback.InvalidFeedback):
        feedback.report_review(review.id, "reporter-key-2", "r" * 501, LATER)
