"""The unsubscribe link in every review request: opening it changes nothing, its button
unsubscribes, and a forged link is refused."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from reviews import requests
from reviews.models import ReviewMailOptOut
from storefront.extensions import db
from storefront.mail.service import render
from tests.factories import make_product
from tests.reviews.requests_support import UTC, mails, make_delivered, request_of

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def opt_outs() -> list[str]:
    db.session.commit()
    return list(db.session.scalars(sa.select(ReviewMailOptOut.email)))


def path_of(url: str) -> str:
    assert url.startswith("http://shop.test/")
    return url.removeprefix("http://shop.test")


@pytest.fixture
def link(app):
    """The unsubscribe link from a real review request's mail, as the buyer clicks it."""
    with app.test_request_context("/"):
        make_delivered(make_product(variants=[{"stock": 5}]).variants[0], now=NOW, email="Anna@Example.com")
        text = render(mails("review_request")[0]).get_body(("plain",)).get_content()
    [url] = [word for word in text.split() if "/reviews/unsubscribe/" in word]
    return path_of(url)


def test_opening_the_link_asks_and_changes_nothing(client, link):
    response = client.get(link)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in response.headers  # a mail scanner opening it leaves no trace either
    page = response.get_data(as_text=True)
    assert "<h1" in page and "Stop review requests?" in page
    assert f'<form method="post" action="{link}">' in page
    assert "a***@example.com" in page and "anna@example.com" not in page
    assert opt_outs() == []


def test_pressing_the_button_unsubscribes_and_later_deliveries_ask_nothing(app, client, link):
    response = client.post(link)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "You are unsubscribed" in response.get_data(as_text=True)
    assert opt_outs() == ["anna@example.com"]

    assert client.post(link).status_code == 200  # again: nothing new
    assert opt_outs() == ["anna@example.com"]

    with app.test_request_context("/"):
        later = make_delivered(make_product(variants=[{"stock": 5}]).variants[0], now=NOW + dt.timedelta(days=30))
    assert request_of(later.id) is None
    assert len(mails("review_request")) == 1  # only the first order's


def test_the_page_speaks_the_shoppers_language(client, link):
    assert link.endswith("?lang=en")  # the mail's language, whatever the browser's
    page = client.post(link.replace("?lang=en", "?lang=es"), headers={"Accept-Language": "lv"}).get_data(as_text=True)
    assert '<html lang="es"' in page


@pytest.mark.parametrize("token", [
    "not-a-token",
    URLSafeSerializer("another-shops-secret", salt=requests.UNSUBSCRIBE_SALT).dumps("anna@example.com"),
    URLSafeSerializer("test-secret-key", salt="another-purpose").dumps("anna@example.com"),
])
def test_a_forged_link_is_refused_and_writes_nothing(client, token):
    assert client.get(f"/reviews/unsubscribe/{token}").status_code == 404
    assert client.post(f"/reviews/unsubscribe/{token}").status_code == 404
    assert opt_outs() == []


def test_a_link_with_one_character_changed_is_refused(client, link):
    token = link.partition("?")[0].rsplit("/", 1)[1]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.post(f"/reviews/unsubscribe/{tampered}").status_code == 404
    assert opt_outs() == []


def test_the_link_never_expires_and_names_the_address_case_insensitively(app):
    with app.test_request_context("/"):
        assert requests.unsubscribe_url("Anna@Example.COM", lang="en") == requests.unsubscribe_url(" anna@example.com",
                                                                                                  lang="en")
        token = requests.unsubscribe_token("Anna@Example.COM")
        assert requests.unsubscribe(token, now=NOW + dt.timedelta(days=3650)) == "anna@example.com"
    assert opt_outs() == ["anna@example.com"]
