"""The inbox and moderation pages: who may use them, what they show, what their forms do, and
that everything a shopper (or a colleague) wrote is escaped, on the pages and in the e-mails."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from reviews import inbox, replies
from reviews.models import CannedReply, InboxItem, Reply, Review, ReviewStatus
from storefront.database import utcnow
from storefront.extensions import db
from storefront.mail.service import render
from reviews.inbox_tasks import send_due_alerts
from tests.backoffice.conftest import audit_actions, sign_in
from tests.reviews.inbox_support import Team, events_of, item_of, mails, question_at, review_at, sweater

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def recently(minutes: int = 30) -> dt.datetime:
    """Pages read the real clock: the items arrive a little before it."""
    return utcnow() - dt.timedelta(minutes=minutes)


@pytest.fixture
def team(app):
    return Team()


@pytest.fixture
def negative(app, team):
    with app.test_request_context():
        return review_at(sweater(), 1, recently(), body="Fell apart.", title="Disappointed")


def item_id_of(review) -> int:
    return item_of(review=review).id


# --- who may use the inbox ---------------------------------------------------------------------

def pages(review_id: int, item_id: int, canned_id: int) -> list[str]:
    return ["/admin/inbox/", f"/admin/inbox/{item_id}", "/admin/inbox/reviews", f"/admin/inbox/reviews/{review_id}",
            "/admin/inbox/figures", "/admin/inbox/figures.svg", "/admin/inbox/figures.csv", "/admin/inbox/canned",
            f"/admin/inbox/canned/{canned_id}"]


def posts(review_id: int, item_id: int, canned_id: int, sofia_id: int) -> list[tuple[str, dict]]:
    return [(f"/admin/inbox/{item_id}/assign", {"assignee_id": sofia_id}),
            (f"/admin/inbox/{item_id}/note", {"body": "n"}),
            (f"/admin/inbox/{item_id}/private", {"body": "p"}),
            (f"/admin/inbox/reviews/{review_id}/reply", {"body": "r"}),
            (f"/admin/inbox/reviews/{review_id}/withhold", {"reason": "spam"}),
            (f"/admin/inbox/reviews/{review_id}/publish", {}),
            ("/admin/inbox/canned", {"key": "k", "language": "en", "title": "t", "body": "b"}),
            (f"/admin/inbox/canned/{canned_id}/delete", {})]


def canned(key="sorry-sizing", language="en", title="Sorry about the size", body="We are sorry it did not fit."):
    return replies.save_canned_reply(key, language, title, body, actor=None, languages=["en", "es", "lv"])


@pytest.mark.parametrize("role", ["support", "admin"])
def test_support_staff_and_admins_can_use_every_inbox_page(client, app, team, negative, role):
    sign_in(client, team.sofia if role == "support" else team.admin)
    c = canned()
    for url in pages(negative.id, item_id_of(negative), c.id):
        assert client.get(url).status_code == 200, url


def test_a_marketer_is_refused_every_inbox_page_and_action_and_nothing_changes(client, app, team, negative):
    c = canned()
    sign_in(client, team.marketer)
    for url in pages(negative.id, item_id_of(negative), c.id):
        assert client.get(url).status_code == 403, url
    for url, data in posts(negative.id, item_id_of(negative), c.id, team.sofia.id):
        assert client.post(url, data=data).status_code == 403, url
    item = item_of(review=negative)
    assert events_of(item) == ["arrived"] and item.assignee_id is None
    assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 0
    assert db.session.get(Review, negative.id).status == ReviewStatus.PUBLISHED
    assert db.session.scalar(sa.select(sa.func.count(CannedReply.id))) == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, negative):
    response = client.get("/admin/inbox/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_the_sidebar_shows_the_inbox_to_support_and_not_to_marketers(client, team):
    sign_in(client, team.sofia)
    assert 'href="/admin/inbox/"' in client.get("/admin/").get_data(as_text=True)
    sign_in(client, team.marketer)
    assert 'href="/admin/inbox/"' not in client.get("/admin/").get_data(as_text=True)


# --- the queue and the item page ---------------------------------------------------------------

def test_the_queue_shows_each_items_deadline_in_words_and_colour(client, app, team):
    with app.test_request_context():
        variant = sweater()
        fresh = review_at(variant, 2, utcnow() - dt.timedelta(minutes=1), email="a@x.lv")
        late = review_at(variant, 1, utcnow() - dt.timedelta(days=5), email="b@x.lv")
    # Make the deadlines independent of the real clock's opening hours: calendar items.
    db.session.execute(sa.update(InboxItem).where(InboxItem.review_id == fresh.id).values(
        clock="calendar", due_at=utcnow() + dt.timedelta(minutes=10, seconds=30)))
    db.session.execute(sa.update(InboxItem).where(InboxItem.review_id == late.id).values(
        clock="calendar", due_at=utcnow() - dt.timedelta(hours=2, minutes=5, seconds=1)))
    db.session.commit()
    sign_in(client, team.sofia)
    page = client.get("/admin/inbox/").get_data(as_text=True)
    overdue, amber = page.index("Overdue by 2 h 5 min"), page.index("Due soon · 10 min left")
    assert overdue < amber  # the overdue one's deadline came first
    assert 'class="deadline deadline-red"' in page and 'class="deadline deadline-amber"' in page
    assert "Rated 1 out of 5" in page and "Rated 2 out of 5" in page


def test_staff_answer_an_item_from_its_page(client, app, team, negative):
    item_id = item_id_of(negative)
    sign_in(client, team.sofia)
    page = client.get(f"/admin/inbox/{item_id}").get_data(as_text=True)
    assert "Rated 1 out of 5" in page and "Fell apart." in page and "Disappointed" in page

    assert client.post(f"/admin/inbox/{item_id}/assign", data={"assignee_id": team.sofia.id}).status_code == 303
    assert client.post(f"/admin/inbox/{item_id}/note", data={"body": "Check stock first"}).status_code == 303
    assert item_of(review=negative).first_response_at is None
    response = client.post(f"/admin/inbox/reviews/{negative.id}/reply?item={item_id}",
                           data={"body": "We are sorry; a new one is on its way."})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/admin/inbox/{item_id}#reply")
    page = client.get(f"/admin/inbox/{item_id}").get_data(as_text=True)
    assert "Reply published under the review" in page and "a new one is on its way" in page
    assert "Check stock first" in page
    response = client.post(f"/admin/inbox/reviews/{negative.id}/reply/edit?item={item_id}",
                           data={"body": "We are sorry; a new one left today."})
    assert response.status_code == 303
    assert "Earlier versions (1)" in client.get(f"/admin/inbox/{item_id}").get_data(as_text=True)
    assert events_of(item_of(review=negative)) == ["arrived", "assigned", "note", "public_reply"]
    assert audit_actions()[-4:] == ["inbox.assign", "inbox.note", "review.reply", "review.reply_edit"]


def test_a_refused_form_shows_its_message_and_writes_nothing(client, team, negative):
    item_id = item_id_of(negative)
    sign_in(client, team.sofia)
    response = client.post(f"/admin/inbox/{item_id}/note", data={"body": "   "})
    assert response.status_code == 400 and "Write the note first." in response.get_data(as_text=True)
    response = client.post(f"/admin/inbox/reviews/{negative.id}/withhold?item={item_id}", data={"reason": "low-rating"})
    assert response.status_code == 400 and "Choose a reason from the list." in response.get_data(as_text=True)
    assert events_of(item_of(review=negative)) == ["arrived"]
    assert db.session.get(Review, negative.id).status == ReviewStatus.PUBLISHED


def test_staff_withhold_a_review_for_a_listed_reason_and_publish_it_again(client, team, negative):
    sign_in(client, team.sofia)
    response = client.post(f"/admin/inbox/reviews/{negative.id}/withhold", data={"reason": "personal_data"})
    assert response.status_code == 303
    db.session.expire_all()
    assert (negative.status, negative.withheld_reason) == ("withheld", "personal_data")
    page = client.get(f"/admin/inbox/reviews/{negative.id}").get_data(as_text=True)
    assert "Withheld · Personal data" in page and "Re-publish" in page
    assert client.post(f"/admin/inbox/reviews/{negative.id}/publish").status_code == 303
    db.session.expire_all()
    assert negative.status == "published"
    listed = client.get("/admin/inbox/reviews?status=published").get_data(as_text=True)
    assert "Disappointed" in listed
    assert "Disappointed" not in client.get("/admin/inbox/reviews?status=withheld").get_data(as_text=True)


def test_a_canned_reply_is_picked_without_javascript_and_edited_before_sending(client, team, negative):
    sorry = canned()
    canned(language="lv", title="Atvainojamies par izmēru", body="Mums žēl, ka neder.")
    item_id = item_id_of(negative)
    sign_in(client, team.sofia)
    page = client.get(f"/admin/inbox/{item_id}").get_data(as_text=True)
    assert "Sorry about the size (English)" in page and "Atvainojamies par izmēru (Latviešu)" in page
    assert re.search(r'<form method="get" action="/admin/inbox/%d"' % item_id, page)
    page = client.get(f"/admin/inbox/{item_id}?canned={sorry.id}").get_data(as_text=True)
    assert re.search(r"<textarea[^>]*name=\"body\"[^>]*>\s*We are sorry it did not fit.</textarea>", page)
    client.post(f"/admin/inbox/reviews/{negative.id}/reply?item={item_id}",
                data={"body": "We are sorry it did not fit. Size L is back in stock."})
    assert db.session.scalar(sa.select(Reply.body)) == "We are sorry it did not fit. Size L is back in stock."


def test_staff_manage_canned_replies(client, team):
    sign_in(client, team.sofia)
    data = {"key": "thanks", "language": "es", "title": "Gracias", "body": "¡Gracias por su reseña!"}
    assert client.post("/admin/inbox/canned", data=data).status_code == 303
    again = client.post("/admin/inbox/canned", data=data)
    assert again.status_code == 409 and "already a canned reply with this key" in again.get_data(as_text=True)
    [row] = db.session.scalars(sa.select(CannedReply)).all()
    assert client.post(f"/admin/inbox/canned/{row.id}", data=dict(data, body="Gracias.")).status_code == 303
    db.session.expire_all()
    assert db.session.get(CannedReply, row.id).body == "Gracias."
    assert client.post(f"/admin/inbox/canned/{row.id}/delete").status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(CannedReply.id))) == 0


def test_a_question_is_answered_as_the_brand_from_its_item(client, app, team):
    with app.test_request_context():
        question = question_at(sweater(), recently())
    item = item_of(question=question)
    sign_in(client, team.sofia)
    page = client.get(f"/admin/inbox/{item.id}").get_data(as_text=True)
    assert "Does it shrink in the wash?" in page and "Answer as the brand" in page
    assert client.post(f"/admin/inbox/{item.id}/answer", data={"body": "Not when washed cold."}).status_code == 303
    item = item_of(question=question)
    assert item.response_kind == "public_reply"
    assert "Not when washed cold." in client.get(f"/admin/inbox/{item.id}").get_data(as_text=True)


# --- the figures page --------------------------------------------------------------------------

def test_the_figures_page_shows_the_table_the_chart_and_the_csv(client, team, negative):
    replies.reply_to_review(negative.id, "Sorry.", actor=team.sofia, now=negative.created_at + dt.timedelta(minutes=5))
    sign_in(client, team.sofia)
    page = client.get("/admin/inbox/figures?weeks=4").get_data(as_text=True)
    assert '<img class="chart" src="/admin/inbox/figures.svg?weeks=4"' in page
    assert "Median" in page and "90th percentile" in page
    chart = client.get("/admin/inbox/figures.svg?weeks=4")
    svg = chart.get_data(as_text=True)
    assert chart.mimetype == "image/svg+xml" and "<script" not in svg
    assert "'sha256-" in chart.headers["Content-Security-Policy"]
    download = client.get("/admin/inbox/figures.csv?weeks=4")
    assert download.mimetype == "text/csv" and "attachment" in download.headers["Content-Disposition"]
    assert len(download.get_data(as_text=True).splitlines()) == 5


# --- query counts ------------------------------------------------------------------------------

def test_the_queue_runs_as_many_queries_for_twenty_items_as_for_two(client, app, team, count_queries):
    sign_in(client, team.sofia)

    def statements() -> int:
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get("/admin/inbox/").status_code == 200
        return counter.count

    with app.test_request_context():
        variant = sweater()
        first = review_at(variant, 1, recently(), email="r0@x.lv")
        answered = review_at(variant, 1, recently(), email="r1@x.lv")
        question_at(variant, recently(), email="q0@x.lv")
    replies.reply_to_review(answered.id, "Sorry", actor=team.sofia, now=recently(5))
    inbox.assign(item_id_of(first), team.sofia.id, actor=team.admin, now=recently())
    few = statements()
    with app.test_request_context():
        for n in range(2, 20):
            review = review_at(variant, 2, recently(), email=f"r{n}@x.lv")
            if n % 3 == 0:
                replies.reply_to_review(review.id, "Sorry", actor=team.sofia, now=recently(5))
        question_at(variant, recently(), email="q1@x.lv")
    inbox.assign(item_id_of(review), team.sofia.id, actor=team.admin, now=recently())
    assert statements() == few


# --- escaping ----------------------------------------------------------------------------------

def test_what_shoppers_and_staff_wrote_is_escaped_on_every_inbox_page_and_in_the_emails(client, app, team):
    with app.test_request_context():
        variant = sweater()
        review = review_at(variant, 1, recently(), title=XSS[:150], body=XSS, author_name=XSS[:80],
                           email="victim@example.com")
        unanswered = review_at(variant, 2, recently(), title=XSS[:150], body=XSS, email="other@example.com")
        question = question_at(variant, recently(), body=XSS, email="asker@example.com")
    review_item, question_item = item_of(review=review), item_of(question=question)
    inbox.add_note(review_item.id, XSS, actor=team.sofia, now=recently(20))
    inbox.send_private_message(question_item.id, XSS, actor=team.sofia, now=recently(15))
    replies.reply_to_review(review.id, XSS, actor=team.sofia, now=recently(10))
    replies.save_canned_reply("xss", "en", XSS[:120], XSS, actor=team.sofia, languages=["en", "es", "lv"])
    send_due_alerts(item_of(review=unanswered).due_at)

    sign_in(client, team.sofia)
    urls = ["/admin/inbox/", f"/admin/inbox/{review_item.id}", f"/admin/inbox/{question_item.id}",
            "/admin/inbox/reviews", f"/admin/inbox/reviews/{review.id}", "/admin/inbox/canned",
            f"/admin/inbox/{review_item.id}?canned={db.session.scalar(sa.select(CannedReply.id))}"]
    for url in urls:
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;" in page, url

    emails = mails("review_reply") + mails("inbox_private_message") + mails("inbox_breach")
    assert [e.kind for e in emails][:2] == ["review_reply", "inbox_private_message"] and len(emails) == 5
    for email in emails:
        html = render(email).get_body(("html",)).get_content()
        assert "<script>alert" not in html and "<img src=x" not in html, email.kind
        assert "&lt;script&gt;" in html, email.kind
