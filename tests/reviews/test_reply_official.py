"""The brand's official reply: one per review, it stops the inbox clock, the reviewer hears of it in
their language (over real SMTP), edits keep the earlier text, and two staff replying at once
through the back office get one reply and one clear refusal."""
from __future__ import annotations

import datetime as dt
import threading
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from reviews import inbox, moderation, replies, signals
from reviews.models import InboxItem, Reply, ReplyVersion, WithholdReason
from storefront.accounts.models import User
from storefront.audit.models import AuditEntry
from storefront.extensions import db
from tests.backoffice.conftest import sign_in
from tests.concurrency import at_once, in_own_context
from tests.reviews.inbox_support import Team, events_of, item_of, mails, review_at, riga, sweater

ARRIVED = riga(2026, 3, 23, 10, 0)   # a Monday morning


@pytest.fixture
def shop(app):
    with app.test_request_context():
        team = Team()
        variant = sweater()
        review = review_at(variant, 2, ARRIVED, body="Shrank in the wash.", language="lv")
    return team, review


def test_a_reply_stops_the_clock_and_queues_the_reviewers_email_in_their_language(app, shop):
    team, review = shop
    heard = []

    def listener(reply, **kwargs):
        heard.append((reply.review_id, kwargs["actor"].email, kwargs["now"]))

    with signals.review_replied.connected_to(listener):
        reply = replies.reply_to_review(review.id, "  Atvainojamies! Sūtiet to atpakaļ.  ", actor=team.sofia,
                                        now=ARRIVED + dt.timedelta(minutes=72))
    assert heard == [(review.id, "sofia@example.com", ARRIVED + dt.timedelta(minutes=72))]
    db.session.expire_all()
    reply = db.session.get(Reply, reply.id)
    assert (reply.body, reply.language, reply.author_id) == ("Atvainojamies! Sūtiet to atpakaļ.", "lv", team.sofia.id)
    item = item_of(review=review)
    assert (item.first_response_at, item.response_kind) == (ARRIVED + dt.timedelta(minutes=72), "public_reply")
    assert events_of(item) == ["arrived", "public_reply"]
    [mail] = mails("review_reply")
    assert (mail.recipient, mail.locale, mail.ref_id) == ("anna@example.com", "lv", reply.id)
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.target_id == str(review.id))) \
        == "review.reply"


def test_a_second_reply_is_refused_naming_who_replied_and_nothing_changes(app, shop):
    team, review = shop
    replies.reply_to_review(review.id, "First.", actor=team.sofia, now=ARRIVED + dt.timedelta(minutes=5))
    with pytest.raises(replies.ReplyExists) as refused:
        replies.reply_to_review(review.id, "Second.", actor=team.admin, now=ARRIVED + dt.timedelta(minutes=6))
    assert refused.value.status == 409
    assert "sofia@example.com" in str(refused.value.message)
    assert db.session.scalars(sa.select(Reply.body)).all() == ["First."]
    assert len(mails("review_reply")) == 1


def test_an_edit_keeps_the_earlier_text_and_does_not_email_again(app, shop):
    team, review = shop
    reply = replies.reply_to_review(review.id, "Sorry!", actor=team.sofia, now=ARRIVED + dt.timedelta(minutes=5))
    replies.edit_reply(reply.id, "Sorry! We sent a new one.", actor=team.admin, now=ARRIVED + dt.timedelta(hours=3))
    replies.edit_reply(reply.id, "Sorry! We sent a new one.", actor=team.admin, now=ARRIVED + dt.timedelta(hours=4))
    replies.edit_reply(reply.id, "Sorry! A new one is on its way.", actor=team.admin,
                       now=ARRIVED + dt.timedelta(hours=5))
    db.session.expire_all()
    reply = db.session.get(Reply, reply.id)
    assert (reply.body, reply.edited_at, reply.created_at) == (
        "Sorry! A new one is on its way.", ARRIVED + dt.timedelta(hours=5), ARRIVED + dt.timedelta(minutes=5))
    versions = db.session.execute(sa.select(ReplyVersion.body, ReplyVersion.written_at)
                                  .order_by(ReplyVersion.id)).all()
    assert versions == [("Sorry!", ARRIVED + dt.timedelta(minutes=5)),
                        ("Sorry! We sent a new one.", ARRIVED + dt.timedelta(hours=3))]
    assert len(mails("review_reply")) == 1


@pytest.mark.parametrize("body, message", [("   ", "Write the reply first"), ("x" * 5001, "at most 5000")])
def test_an_empty_or_overlong_reply_is_refused_and_nothing_is_written(app, shop, body, message):
    team, review = shop
    with pytest.raises(replies.InvalidReply, match=message):
        replies.reply_to_review(review.id, body, actor=team.sofia, now=ARRIVED)
    assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 0
    assert item_of(review=review).first_response_at is None


def test_a_marketer_or_a_disabled_account_cannot_reply(app, shop):
    team, review = shop
    for actor in (team.marketer, team.retired):
        with pytest.raises(inbox.NotAllowed):
            replies.reply_to_review(review.id, "Hi", actor=actor, now=ARRIVED)
    assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 0


def test_a_withheld_review_gets_no_public_reply_until_it_is_published_again(app, shop):
    team, review = shop
    moderation.withhold(review.id, WithholdReason.PERSONAL_DATA, actor=team.admin,
                        now=ARRIVED + dt.timedelta(minutes=1))
    with pytest.raises(replies.ReviewNotShown):
        replies.reply_to_review(review.id, "Hi", actor=team.sofia, now=ARRIVED + dt.timedelta(minutes=2))
    moderation.publish(review.id, actor=team.admin, now=ARRIVED + dt.timedelta(minutes=3))
    replies.reply_to_review(review.id, "Hi", actor=team.sofia, now=ARRIVED + dt.timedelta(minutes=4))
    assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 1


def test_two_staff_replying_at_once_in_the_service_get_one_reply(app, shop):
    team, review = shop
    db.session.commit()
    actors = [team.sofia.id, team.admin.id]

    def reply_as(user_id, text):
        def work():
            return replies.reply_to_review(review.id, text, actor=db.session.get(User, user_id),
                                           now=ARRIVED + dt.timedelta(minutes=9)).id
        return in_own_context(app, work)

    results = at_once([reply_as(actors[0], "From Sofia."), reply_as(actors[1], "From the admin.")])
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if isinstance(r, replies.ReplyExists)]
    assert len(won) == 1 and len(lost) == 1, results
    winner = db.session.get(Reply, won[0])
    assert db.session.get(User, winner.author_id).email in str(lost[0].message)
    assert len(mails("review_reply")) == 1
    assert events_of(item_of(review=review)) == ["arrived", "public_reply"]


def test_two_staff_pressing_reply_at_once_on_the_live_site_get_one_reply_and_one_refusal(app, live_server, shop):
    team, review = shop
    url = f"{live_server.url}/admin/inbox/reviews/{review.id}/reply"
    cookies = []
    for member in (team.sofia, team.admin):
        client = app.test_client()
        sign_in(client, member)
        cookies.append(client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)
    barrier = threading.Barrier(2)
    answers = []

    def press(cookie, text):
        request = urllib.request.Request(
            url, data=f"body={text}".encode(),
            headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}",
                     "Content-Type": "application/x-www-form-urlencoded"})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answers.append((response.status, response.read().decode()))
        except urllib.error.HTTPError as error:
            answers.append((error.code, error.read().decode()))

    threads = [threading.Thread(target=press, args=(cookie, text))
               for cookie, text in zip(cookies, ["Sorry+from+Sofia", "Sorry+from+the+admin"])]
    [t.start() for t in threads]
    [t.join() for t in threads]

    # urllib follows the winner's redirect to the review page (200); the other gets 409.
    assert sorted(status for status, _ in answers) == [200, 409], [s for s, _ in answers]
    db.session.expire_all()
    [reply] = db.session.scalars(sa.select(Reply)).all()
    winner = db.session.get(User, reply.author_id).email
    refusal = next(page for status, page in answers if status == 409)
    assert f"{winner} has already replied to this review" in refusal
    assert len(mails("review_reply")) == 1
    assert db.session.scalar(sa.select(InboxItem.response_kind)) == "public_reply"


def test_the_reviewer_receives_the_reply_by_email_with_links_to_the_product_and_their_review(app, smtp_server):
    with app.test_request_context():
        team = Team()
        review = review_at(sweater(), 1, ARRIVED, body="Itchy.", email="ilze@example.com", language="en")
    smtp_server.messages.clear()
    replies.reply_to_review(review.id, "We are sorry <3 — a softer one is on its way.", actor=team.sofia,
                            now=ARRIVED + dt.timedelta(minutes=30))
    [message] = [m for m in smtp_server.messages if m["To"] == "ilze@example.com"]
    assert message["Subject"] == "Ziemeļu Vilna replied to your review of Dzintars pullover"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "We are sorry <3 — a softer one is on its way." in text
    assert f"http://shop.test/p/dzintars?lang=en#review-{review.id}" in text
    assert f"http://shop.test/reviews/mine/{review.reviewer_token}" in text
    assert "We are sorry &lt;3" in html and "<3" not in html
