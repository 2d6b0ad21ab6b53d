"""Moderation that cannot censor: the same review at 1★ and at 5★ meets the same fate on every path,
the rules never receive the rating, staff cannot touch a shopper's words, and withholding and
publishing again keep the product's figures exact."""
from __future__ import annotations

import dataclasses
import datetime as dt
import inspect

import pytest
import sqlalchemy as sa

from reviews import moderation, service
from reviews.models import CollectionMethod, Review, ReviewStatus, WithholdReason
from storefront.audit.models import AuditEntry
from storefront.database import write_transaction
from storefront.extensions import db
from tests.factories import make_product, make_user
from tests.reviews.factories import make_delivered_order, staff_member
from tests.reviews.write_support import LATER, assert_figures_exact, figures

TEXT = {"title": "Mixed feelings", "body": "The colour is as shown. It took two weeks to arrive."}
SOON = LATER + dt.timedelta(hours=1)
LATER_STILL = LATER + dt.timedelta(hours=2)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def write(rating: int, *, product=None, fit: str | None = None) -> Review:
    variant = (product or make_product(variants=[{"stock": 50}])).variants[0]
    order = make_delivered_order(variant)
    draft = service.ReviewDraft(rating=rating, language="en", author_name="Anna B.", fit=fit, **TEXT)
    return service.write_verified_review(order.lines[0].id, draft, collection_method=CollectionMethod.UNSOLICITED,
                                         now=LATER)


def outcome(review_id: int) -> tuple:
    """What moderation decided about a review: everything but the review itself."""
    db.session.expire_all()
    review = db.session.get(Review, review_id)
    actions = [(entry.action, {k: v for k, v in entry.details.items() if k != "product_id"}) for entry in
               db.session.scalars(sa.select(AuditEntry).where(AuditEntry.target_type == "review",
                                                              AuditEntry.target_id == str(review_id))
                                  .order_by(AuditEntry.id))]
    return review.status, review.withheld_reason, review.published_at, review.moderated_at, actions


def both(run) -> tuple:
    """`run(review)` on the same review written at 1★ and at 5★; both outcomes."""
    low, high = write(1), write(5)
    run(low)
    run(high)
    return outcome(low.id), outcome(high.id)


# --- the rules never see the rating --------------------------------------------------------------------

def test_the_decisions_take_no_rating_and_their_subject_holds_none():
    assert {f.name for f in dataclasses.fields(moderation.ModerationSubject)} == {"review_id", "product_id", "status"}
    for function in (moderation.decide, moderation.status_for_new_review, moderation.status_after_edit,
                     moderation.withhold, moderation.publish, moderation.load_subject):
        parameters = set(inspect.signature(function).parameters)
        assert not {name for name in parameters if "rating" in name or "star" in name}, function.__name__


def test_the_subject_is_loaded_without_reading_the_rating(ctx, count_queries):
    review = write(2)
    review_id, product_id = review.id, review.product_id
    with write_transaction(), count_queries() as counter:
        subject = moderation.load_subject(review_id)
    assert subject == moderation.ModerationSubject(review_id, product_id, ReviewStatus.PUBLISHED)
    [select] = counter.statements
    assert "from reviews" in select.lower() and "rating" not in select.lower()


def test_every_decision_receives_only_the_subject_and_the_action(ctx, monkeypatch):
    seen = []
    real = moderation.decide

    def spy(*args, **kwargs):
        seen.append((args, kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(moderation, "decide", spy)
    low, high = write(1), write(5)
    for review in (low, high):
        moderation.withhold(review.id, WithholdReason.SPAM, actor=None, now=SOON)
        moderation.publish(review.id, actor=None, now=LATER_STILL)
    assert len(seen) == 4 and all(not kwargs for _, kwargs in seen)
    for args, _ in seen:
        assert [type(a) for a in args] == [moderation.ModerationSubject, moderation.Action]
    assert [args[0].status for args, _ in seen] == ["published", "withheld"] * 2


def test_no_moderation_function_can_change_what_a_shopper_wrote():
    functions = [f for _, f in inspect.getmembers(moderation, inspect.isfunction) if f.__module__ == moderation.__name__]
    for function in functions:
        assert not {"title", "body", "text", "author_name"} & set(inspect.signature(function).parameters), function


# --- the same text at 1★ and 5★: the same outcome on every path ----------------------------------------

def test_new_reviews_publish_alike_whatever_their_rating(ctx):
    low, high = both(lambda review: None)
    assert low == high and low[0] == ReviewStatus.PUBLISHED


def test_when_the_shop_holds_every_review_both_wait_alike(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEWS_HOLD_ALL", True)
    low, high = both(lambda review: None)
    assert low == high and low[0] == ReviewStatus.PENDING and low[2] is None


@pytest.mark.parametrize("reason", list(WithholdReason))
def test_withholding_for_each_reason_ends_alike(ctx, reason):
    low, high = both(lambda review: moderation.withhold(review.id, reason, actor=staff_member(), now=SOON))
    assert low == high
    assert low[:2] == (ReviewStatus.WITHHELD, reason.value)
    assert low[4] == [("review.withhold", {"from": "published", "to": "withheld", "reason": reason.value})]


def test_publishing_a_waiting_review_ends_alike(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEWS_HOLD_ALL", True)
    low, high = both(lambda review: moderation.publish(review.id, actor=staff_member(), now=SOON))
    assert low == high and low[0] == ReviewStatus.PUBLISHED and low[2] == SOON


def test_publishing_a_withheld_review_again_ends_alike(ctx):
    def withhold_then_publish(review):
        moderation.withhold(review.id, WithholdReason.OFF_TOPIC, actor=staff_member(), now=SOON)
        moderation.publish(review.id, actor=staff_member(), now=LATER_STILL)

    low, high = both(withhold_then_publish)
    assert low == high and low[:3] == (ReviewStatus.PUBLISHED, None, LATER)  # first publication kept


@pytest.mark.parametrize("hold_all", [False, True])
def test_an_edit_is_moderated_again_alike(ctx, app, monkeypatch, hold_all):
    def edit(review):
        monkeypatch.setitem(app.config, "REVIEWS_HOLD_ALL", hold_all)
        draft = service.ReviewDraft(rating=review.rating, language="en", author_name="Anna B.", title="Edited",
                                    body="Same for both.")
        service.edit_review(review.reviewer_token, draft, SOON)
        monkeypatch.setitem(app.config, "REVIEWS_HOLD_ALL", False)

    low, high = both(edit)
    assert low == high and low[0] == (ReviewStatus.PENDING if hold_all else ReviewStatus.PUBLISHED)


def test_a_withheld_review_edited_waits_again_alike(ctx):
    def withhold_then_edit(review):
        moderation.withhold(review.id, WithholdReason.ABUSE, actor=staff_member(), now=SOON)
        draft = service.ReviewDraft(rating=review.rating, language="en", author_name="Anna B.", body="Calmer.")
        service.edit_review(review.reviewer_token, draft, LATER_STILL)

    low, high = both(withhold_then_edit)
    assert low == high and low[:2] == (ReviewStatus.PENDING, None)


# --- the figures and the ledger stay exact ---------------------------------------------------------------

def test_withholding_and_publishing_again_keep_the_figures_exact(ctx):
    product = make_product(variants=[{"stock": 50}])
    reviews = [write(rating, product=product, fit=fit) for rating, fit in
               [(1, "small"), (2, None), (5, "true"), (5, "large"), (3, "true"), (4, None)]]
    assert assert_figures_exact(product.id) == (6, 20, 1, 1, 1, 1, 2, 1, 2, 1)
    actor = staff_member()
    moderation.withhold(reviews[0].id, WithholdReason.SPAM, actor=actor, now=SOON)
    moderation.withhold(reviews[2].id, WithholdReason.SPAM, actor=actor, now=SOON)
    assert assert_figures_exact(product.id) == (4, 14, 0, 1, 1, 1, 1, 0, 1, 1)
    moderation.publish(reviews[2].id, actor=actor, now=LATER_STILL)
    assert assert_figures_exact(product.id) == (5, 19, 0, 1, 1, 1, 2, 0, 2, 1)
    moderation.publish(reviews[0].id, actor=actor, now=LATER_STILL)
    assert assert_figures_exact(product.id) == (6, 20, 1, 1, 1, 1, 2, 1, 2, 1)
    statuses = db.session.execute(sa.select(Review.status, sa.func.count()).where(Review.product_id == product.id)
                                  .group_by(Review.status)).all()
    assert dict(statuses) == {"published": 6}


def test_a_refused_action_changes_nothing(ctx):
    review = write(4)
    with pytest.raises(moderation.ModerationRefused) as refused:
        moderation.publish(review.id, actor=staff_member(), now=SOON)
    assert refused.value.status == 409
    moderation.withhold(review.id, WithholdReason.SPAM, actor=staff_member(), now=SOON)
    with pytest.raises(moderation.ModerationRefused):
        moderation.withhold(review.id, WithholdReason.ABUSE, actor=staff_member(), now=SOON)
    with pytest.raises(moderation.InvalidWithholdReason):
        moderation.withhold(review.id, "too negative", actor=staff_member(), now=SOON)
    with pytest.raises(moderation.ReviewNotFound):
        moderation.publish(999_999, actor=staff_member(), now=SOON)
    assert outcome(review.id)[:2] == (ReviewStatus.WITHHELD, "spam")
    assert assert_figures_exact(review.product_id)[:2] == (0, 0)


def test_only_staff_who_answer_customers_may_moderate(ctx):
    review = write(1)
    marketer = make_user("marketer@example.com", role="marketer")
    with pytest.raises(moderation.ModerationNotAllowed) as refused:
        moderation.withhold(review.id, WithholdReason.SPAM, actor=marketer, now=SOON)
    assert refused.value.status == 403
    support = make_user("support@example.com", role="support")
    assert moderation.withhold(review.id, WithholdReason.SPAM, actor=support, now=SOON) == ReviewStatus.WITHHELD
    assert figures(review.product_id)[:2] == (0, 0)
