"""The question pages: the public questions page (no cookie, nothing per visitor), asking with the
honeypot and the rate limit, the answer page behind an invitation link, helpful votes, and every
shopper's text escaped."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import render_template

from reviews import questions
from reviews.models import Answer, AnswerVote, Question, QuestionInvitation
from storefront.extensions import db
from tests.reviews.question_support import (ASKED_AT, XSS, answered, ask, brand_answer, buyer, invitations,
                                            stocked_product)

ASK = {"author_name": "Līga", "email": "liga@example.com", "body": "Is it itchy?", "language": "en"}


@pytest.fixture
def product(app):
    with app.test_request_context():
        product = stocked_product()
        buyer(product, "anna@example.com", days=1, full_name="Anna Bērziņa", locale="lv")
    return product


@pytest.fixture
def limits(app):
    """Tight limits for one test; the defaults come back after it."""
    saved = {key: app.config[key] for key in ("QUESTION_POST_RATE_LIMIT", "VOTE_RATE_LIMIT")}
    yield app.config
    app.config.update(saved)


def real_now() -> dt.datetime:
    """The pages read the real clock: links made now stay valid for QUESTION_LINK_DAYS (30 days)."""
    return dt.datetime.now(dt.timezone.utc)


def count(model) -> int:
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def writes(statements) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_an_anonymous_visitor_reads_the_questions_page_without_a_cookie_or_a_write(
        app, client, product, csrf_enabled, count_queries):
    with app.test_request_context():
        question, answer = answered(product, answer_body="Soft as a cloud.")
        official = brand_answer(question, "Ours is merino.")

    with count_queries() as counter:
        response = client.get(f"/p/{product.slug}/questions")

    assert response.status_code == 200
    assert cookies(response) == [] and writes(counter.statements) == []
    html = response.get_data(as_text=True)
    assert "Does it shrink in the wash?" in html and "Soft as a cloud." in html
    assert html.index("Ours is merino.") < html.index("Soft as a cloud.")  # the brand's answer first
    assert "Official answer" in html and "Bought this item" in html
    assert f'id="answer-{official.id}"' in html and f'id="question-{question.id}"' in html
    # The ask and vote forms post without any per-visitor value in the page.
    tokens = re.findall(r'name="csrf_token" value="([^"]*)"', html)
    assert tokens and set(tokens) == {""}
    assert html.count("data-deferred-csrf") == 3  # the ask form and two vote forms
    assert 'name="website"' in html
    # Labels for every field of the ask form, and the headings in order.
    for field_id in ("question-body", "question-name", "question-email", "question-language", "qa-search-words"):
        assert f'for="{field_id}"' in html and f'id="{field_id}"' in html
    assert html.index("<h1") < html.index("<h2") < html.index("<h3")
    assert re.search(r'<option value="en" lang="en" selected>', html) and '<option value="lv"' in html
    assert "Written in" not in html  # everything here is in the page's language
    # The same bytes for the next anonymous visitor.
    assert client.get(f"/p/{product.slug}/questions").get_data() == response.get_data()


def test_an_unknown_product_has_no_questions_page(client):
    assert client.get("/p/no-such-product/questions").status_code == 404
    assert client.post("/p/no-such-product/questions", data=ASK).status_code == 404
    assert count(Question) == 0


def test_asking_on_the_page_thanks_the_shopper_privately_and_invites_the_buyers(client, product):
    response = client.post(f"/p/{product.slug}/questions", data=ASK)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Thank you for your question" in response.get_data(as_text=True)
    question = db.session.scalar(sa.select(Question))
    assert (question.author_name, question.email, question.body, question.language) == (
        "Līga", "liga@example.com", "Is it itchy?", "en")
    assert [i.email for i in invitations(question.id)] == ["anna@example.com"]


@pytest.mark.parametrize("changes, field_id, message", [
    ({"body": ""}, "question-body", "Please write your question."),
    ({"email": "not-an-address"}, "question-email", "valid e-mail"),
    ({"author_name": "x" * 81}, "question-name", "80"),
    ({"body": "x" * 1001}, "question-body", "1000"),
])
def test_a_refused_question_keeps_what_was_typed_says_why_and_writes_nothing(client, product, changes, field_id,
                                                                            message):
    response = client.post(f"/p/{product.slug}/questions", data=dict(ASK, **changes))

    assert response.status_code == 400
    assert response.headers["Cache-Control"] == "private, no-store"
    html = response.get_data(as_text=True)
    assert message in html and f'id="{field_id}-error"' in html
    assert re.search(rf'id="{field_id}"[^>]*aria-invalid="true"', html, re.S)
    assert "liga@example.com" in html or changes.get("email")
    assert count(Question) == 0 and count(QuestionInvitation) == 0


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_written(client, product):
    response = client.post(f"/p/{product.slug}/questions", data=dict(ASK, website="http://spam.example"))
    assert response.status_code == 200 and "Thank you" in response.get_data(as_text=True)
    assert count(Question) == 0


def test_the_question_limit_counts_only_questions_really_asked(client, product, limits):
    limits["QUESTION_POST_RATE_LIMIT"] = "2 per hour"
    for _ in range(5):
        assert client.post(f"/p/{product.slug}/questions", data=dict(ASK, body="")).status_code == 400
    assert client.post(f"/p/{product.slug}/questions", data=ASK).status_code == 200
    assert client.post(f"/p/{product.slug}/questions", data=ASK).status_code == 200
    refused = client.post(f"/p/{product.slug}/questions", data=ASK)
    assert refused.status_code == 429 and "Too many attempts" in refused.get_data(as_text=True)
    assert count(Question) == 2
    # The API shares the budget.
    api = client.post("/api/v1/questions", json=dict(ASK, product_id=product.id))
    assert api.status_code == 429 and api.json["error"]["code"] == "rate_limited"


def test_the_answer_page_is_private_and_answers_once(client, product):
    with client.application.test_request_context():
        question = ask(product, body="How long are the sleeves?", now=real_now())
    token = invitations(question.id)[0].token
    url = f"/questions/answer/{token}"

    page = client.get(url)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    html = page.get_data(as_text=True)
    assert "How long are the sleeves?" in html and 'value="Anna B."' in html  # the buyer's short name
    assert 'for="answer-body"' in html and 'for="answer-name"' in html
    assert '<option value="lv" lang="lv" selected>' in html  # the language of the buyer's order

    bad = client.post(url, data={"author_name": "Anna B.", "body": "  ", "language": "en"})
    assert bad.status_code == 400 and "Please write your answer." in bad.get_data(as_text=True)
    done = client.post(url, data={"author_name": "Anna B.", "body": "62 cm from the shoulder.", "language": "en"})
    assert done.status_code == 200 and "Thank you for your answer" in done.get_data(as_text=True)
    assert done.headers["Cache-Control"] == "private, no-store"

    again = client.get(url)
    assert again.status_code == 409 and "already been used" in again.get_data(as_text=True)
    twice = client.post(url, data={"author_name": "Anna B.", "body": "Again", "language": "en"})
    assert twice.status_code == 409
    assert [a.body for a in db.session.scalars(sa.select(Answer))] == ["62 cm from the shoulder."]


# A product's name is a label: Latvian cannot decline it ("…tiem, kas nopirkuši Daugavas merīno
# džemperis" put the nominative where the verb wants the accusative), so it follows a noun that
# takes the case ("preces „…“ pircējiem"), in quotes as elsewhere; Spanish quotes it too.
@pytest.mark.parametrize("lang, thanks", [
    ("lv", "Jūsu jautājumu esam nosūtījuši preces „Dzintars pullover“ pircējiem. Atbildēs arī mūsu komanda."),
    ("es", "Hemos enviado tu pregunta a quienes compraron «Dzintars pullover», y nuestro equipo también responderá."),
    ("en", "We have asked people who bought Dzintars pullover, and our team will answer too."),
])
def test_the_thanks_for_a_question_names_the_product_without_declining_it(client, product, lang, thanks):
    response = client.post(f"/p/{product.slug}/questions?lang={lang}", data=ASK)
    assert response.status_code == 200 and thanks in response.get_data(as_text=True)


@pytest.mark.parametrize("lang, invitation", [
    ("lv", "Jūs nopirkāt preci „Dzintars pullover“, tāpēc pazīstat to vislabāk."),
    ("es", "Has comprado «Dzintars pullover», así que conoces este producto mejor que nadie."),
])
def test_the_answer_page_names_the_product_without_declining_it(client, product, lang, invitation):
    with client.application.test_request_context():
        question = ask(product, now=real_now())
    token = invitations(question.id)[0].token
    page = client.get(f"/questions/answer/{token}?lang={lang}")
    assert page.status_code == 200 and invitation in page.get_data(as_text=True)


def test_an_expired_or_unknown_answer_link_says_so(client, product):
    with client.application.test_request_context():
        question = ask(product, now=real_now() - dt.timedelta(days=31))
    token = invitations(question.id)[0].token

    expired = client.get(f"/questions/answer/{token}")
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert client.post(f"/questions/answer/{token}", data={"author_name": "A", "body": "B",
                                                            "language": "en"}).status_code == 410
    unknown = client.get("/questions/answer/no-such-token")
    assert unknown.status_code == 404 and unknown.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"/questions/answer/{'x' * 65}").status_code == 404
    assert count(Answer) == 0


def test_a_honeypot_answer_is_dropped(client, product):
    with client.application.test_request_context():
        question = ask(product, now=real_now())
    token = invitations(question.id)[0].token
    response = client.post(f"/questions/answer/{token}", data={"author_name": "Bot", "body": "Buy pills",
                                                                "language": "en", "website": "x"})
    assert response.status_code == 200 and count(Answer) == 0


def test_a_helpful_vote_answers_json_to_a_script_and_redirects_a_form(client, product):
    with client.application.test_request_context():
        _, answer = answered(product)

    first = client.post(f"/answers/{answer.id}/helpful", headers={"Accept": "application/json"})
    assert first.status_code == 200
    assert first.json == {"answer_id": answer.id, "helpful_count": 1, "counted": True}
    again = client.post(f"/answers/{answer.id}/helpful", data={"next": f"/p/{product.slug}"})
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/p/{product.slug}#answer-{answer.id}")
    assert count(AnswerVote) == 1  # the same visitor (session) voted twice

    elsewhere = client.post(f"/answers/{answer.id}/helpful", data={"next": "https://evil.example/"})
    assert elsewhere.headers["Location"].endswith(f"/#answer-{answer.id}")
    missing = client.post("/answers/999999/helpful", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.json["error"]["code"] == "answer_not_found"
    assert client.post(f"/answers/{2**40}/helpful").status_code == 404


def test_the_vote_limit_counts_only_votes_that_reached_an_answer(client, product, limits):
    limits["VOTE_RATE_LIMIT"] = "2 per hour"
    with client.application.test_request_context():
        _, answer = answered(product)
    for _ in range(4):
        assert client.post("/answers/999999/helpful").status_code == 404
    assert client.post(f"/answers/{answer.id}/helpful").status_code == 303
    assert client.post(f"/answers/{answer.id}/helpful").status_code == 303
    assert client.post(f"/answers/{answer.id}/helpful").status_code == 429


def test_shoppers_text_is_escaped_on_every_question_page(app, client, product):
    with app.test_request_context():
        question = ask(product, body=XSS, author_name=XSS)
        second = ask(product, body="Second " + XSS, now=real_now())
        invited = invitations(question.id)[0]
        questions.answer_from_invitation(invited.token, author_name=XSS, body=XSS, language="en",
                                         now=ASKED_AT + dt.timedelta(hours=1))
    pages = [
        client.get(f"/p/{product.slug}/questions"),
        client.get(f"/p/{product.slug}/questions", query_string={"q": XSS}),
        client.get(f"/questions/answer/{invitations(second.id)[0].token}"),
        client.post(f"/p/{product.slug}/questions", data=dict(ASK, body=XSS, email="bad")),  # refused, re-shown
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, response.request.path
        assert "&lt;script&gt;" in html, response.request.path


def test_the_product_partial_renders_in_the_same_number_of_queries_for_none_one_and_twenty_questions(
        app, product, count_queries):
    slug = product.slug

    def queries() -> int:
        db.session.commit()
        db.session.expunge_all()
        with app.test_request_context(f"/p/{slug}"):
            shown = db.session.scalar(sa.select(type(product)).where(type(product).slug == slug))
            with count_queries() as counter:
                listing = questions.product_questions(shown.id, "en")
                html = render_template("reviews/questions_section.html", product=shown, questions=listing)
        assert "Questions and answers" in html
        return counter.count

    none = queries()
    with app.test_request_context():
        answered(db.session.merge(product))
    one = queries()
    with app.test_request_context():
        again = db.session.merge(product)
        for n in range(19):
            question, _ = answered(again, answer_body=f"Answer {n}")
            brand_answer(question, now=ASKED_AT + dt.timedelta(hours=5))
    assert queries() == one == none == 3


def form_after(html: str, marker: str) -> tuple[str, str | None]:
    """The (action, data-action) of the first form whose tag follows `marker`."""
    tag = re.search(r"<form[^>]*>", html[html.index(marker):], re.S).group(0)
    action = re.search(r'\saction="([^"]*)"', tag).group(1).replace("&amp;", "&")
    data_action = re.search(r'data-action="([^"]*)"', tag)
    return action, data_action.group(1) if data_action else None


def test_with_a_script_the_ask_form_fetches_its_token_when_sent(client, product, csrf_enabled):
    html = client.get(f"/p/{product.slug}/questions").get_data(as_text=True)
    _, real_action = form_after(html, 'id="ask-question"')
    assert real_action == f"/p/{product.slug}/questions"

    assert client.post(real_action, data=ASK).status_code == 400  # no token: refused by CSRFProtect
    token = client.get("/forms/token").json["csrf_token"]
    response = client.post(real_action, data=dict(ASK, csrf_token=token))
    assert response.status_code == 200 and count(Question) == 1


def test_without_a_script_the_ask_form_goes_through_the_confirmation_page(client, product, csrf_enabled):
    html = client.get(f"/p/{product.slug}/questions").get_data(as_text=True)
    plain_action, _ = form_after(html, 'id="ask-question"')

    confirm = client.post(plain_action, data=dict(ASK, csrf_token="", website=""))
    assert confirm.status_code == 200 and count(Question) == 0
    page = confirm.get_data(as_text=True)
    action, _ = form_after(page, "<h1")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    assert action == f"/p/{product.slug}/questions" and fields["csrf_token"] and fields["body"] == "Is it itchy?"

    asked = client.post(action, data=fields)
    assert asked.status_code == 200 and "Thank you for your question" in asked.get_data(as_text=True)
    assert count(Question) == 1


def test_without_a_script_a_vote_goes_through_the_confirmation_page(app, client, product, csrf_enabled):
    with app.test_request_context():
        _, answer = answered(product)
    html = client.get(f"/p/{product.slug}/questions").get_data(as_text=True)
    plain_action, real_action = form_after(html, f'id="answer-{answer.id}"')
    assert real_action == f"/answers/{answer.id}/helpful"

    page = client.post(plain_action, data={"csrf_token": "", "next": f"/p/{product.slug}/questions"}).get_data(
        as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    voted = client.post(real_action, data=fields)
    assert voted.status_code == 303 and voted.headers["Location"].endswith(
        f"/p/{product.slug}/questions#answer-{answer.id}")
    assert count(AnswerVote) == 1


def test_the_product_page_shows_the_answered_questions_and_the_ask_form(app, client, product):
    with app.test_request_context():
        answered(product, answer_body="Keeps its size.")
    html = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "Questions and answers" in html and "Keeps its size." in html and 'id="ask-question"' in html


@pytest.mark.parametrize("lang, note", [("es", "En inglés"), ("lv", "Angļu valodā")])
def test_a_question_in_another_language_says_which_in_the_pages_words(client, product, lang, note):
    answered(product, language="en")
    db.session.commit()
    html = client.get(f"/p/{product.slug}/questions?lang={lang}").get_data(as_text=True)
    assert f'<span class="qa-language">· {note}</span>' in html
    assert "Escrita en English" not in html and "Valoda: English" not in html
    # The browser's own checks speak its language: the shop's messages, in the page's, judge instead.
    assert 'aria-labelledby="qa-ask-heading" novalidate>' in html
