"""Every link in a shopper's mail opens in the mail's language, whatever the language of the
browser that opens it: a Latvian order's review link, thank-you offer and unsubscribe link read
in Latvian on an English phone."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from reviews import inbox, questions, replies, requests
from reviews.models import InboxItem, QuestionInvitation
from storefront.demo.legal import load_legal_pages
from storefront.extensions import db
from storefront.legal.service import Draft, save_page
from storefront.mail.models import OutboundEmail
from storefront.mail.service import render
from storefront.payments.refunds import refund
from storefront.payments.service import mark_manual_payment_received
from tests.factories import make_order
from tests.promotions.conftest import make_offer
from tests.reviews.factories import NOW, make_delivered_order, make_review, staff_member
from tests.reviews.question_support import ask, stocked_product
from tests.reviews.requests_support import mails, request_of

SHOPPER_MAILS = {"order_received", "receipt", "shipped", "refunded", requests.REQUEST_KIND, requests.REMINDER_KIND,
                 replies.REPLY_MAIL, inbox.PRIVATE_MESSAGE_MAIL, questions.INVITE_MAIL, questions.ANSWERED_MAIL}


def links_in(email: OutboundEmail) -> list[str]:
    """Every address in the mail as the worker renders it: the text part's and the HTML's links."""
    message = render(email)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return re.findall(r"https?://[^\s)\"'<>]+", text) + [link.replace("&amp;", "&")
                                                           for link in re.findall(r'href="([^"]+)"', html)]


@pytest.fixture
def latvian_shoppers_mail(app):
    """Every kind of shopper mail, to a shopper who shops in Latvian (the shop's default is English)."""
    with app.test_request_context("/"):
        load_legal_pages(app.config["LANGUAGES"], NOW)  # the first mails link the terms and carry the returns page
        make_offer(slug="thank-you-10", audience="code_holders", thank_you=True, name="Thank you",
                   starts_at=NOW - dt.timedelta(days=1), ends_at=NOW + dt.timedelta(days=400))
        product = stocked_product()
        order = make_delivered_order(product.variants[0], locale="lv", email="ilze@example.lv")
        requests.remind(request_of(order.id).id, now=NOW + dt.timedelta(days=30))
        review = make_review(order, 2, language="lv", author_name="Ilze")
        support = staff_member("support@example.com", role="support")
        item_id = db.session.scalar(sa.select(InboxItem.id).where(InboxItem.review_id == review.id))
        inbox.send_private_message(item_id, "Kāds ir jūsu izmērs?", actor=support, now=NOW + dt.timedelta(days=6))
        replies.reply_to_review(review.id, "Paldies!", actor=support, now=NOW + dt.timedelta(days=6))
        question = ask(product, language="lv", email="janis@example.lv", now=NOW + dt.timedelta(days=7))
        invitation = db.session.scalars(sa.select(QuestionInvitation)
                                        .where(QuestionInvitation.question_id == question.id)).one()
        questions.answer_from_invitation(invitation.token, author_name="Ilze", body="Nē, nesaraujas.",
                                         language="lv", now=NOW + dt.timedelta(days=7, hours=1))
        refunded = make_order(product.variants[0], locale="lv", email="ilze@example.lv",
                              payment_method="bank_transfer", now=NOW + dt.timedelta(days=8))
        mark_manual_payment_received(refunded.id, actor=staff_member(), now=NOW + dt.timedelta(days=8, hours=1))
        refund(refunded.id, refunded.total, actor=staff_member(), now=NOW + dt.timedelta(days=8, hours=2))
        db.session.commit()
        yield list(db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)))


def test_every_link_in_every_shopper_mail_carries_the_mails_language(latvian_shoppers_mail):
    shopper_mails = [email for email in latvian_shoppers_mail if email.kind in SHOPPER_MAILS]
    assert {email.kind for email in shopper_mails} == SHOPPER_MAILS  # none missed
    for email in shopper_mails:
        assert email.locale == "lv", email.kind
        links = links_in(email)
        assert links, email.kind
        for link in links:
            assert parse_qs(urlsplit(link).query).get("lang") == ["lv"], (email.kind, link)


def test_a_latvian_receipts_thank_you_link_opens_in_latvian_on_an_english_browser(latvian_shoppers_mail, client):
    receipt = next(email for email in latvian_shoppers_mail if email.kind == "receipt")
    [offer_link] = {link for link in links_in(receipt) if "/offers/thank-you-10?" in link}
    assert "code=" in offer_link
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    entered = client.get(offer_link.removeprefix("http://shop.test"), headers=english)
    assert entered.status_code == 303 and entered.headers["Location"].endswith("/offers/thank-you-10?lang=lv")
    page = client.get(entered.headers["Location"], headers=english)
    assert '<html lang="lv"' in page.get_data(as_text=True)


def test_a_latvian_review_request_opens_its_form_in_latvian_on_an_english_browser(app, client):
    with app.test_request_context("/"):
        # Delivered a day ago, in real time: the link works for 90 days from the request.
        order = make_delivered_order(stocked_product().variants[0], locale="lv",
                                     now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=3))
    [request] = mails(requests.REQUEST_KIND)
    assert request.order_id == order.id
    [write_link] = {link for link in links_in(request) if "/reviews/write/" in link}
    page = client.get(write_link.removeprefix("http://shop.test"), headers={"Accept-Language": "en"})
    assert page.status_code == 200 and '<html lang="lv"' in page.get_data(as_text=True)


def test_a_link_the_shop_wrote_into_its_returns_page_opens_in_the_mails_language(app):
    """The first mail carries the returns page's text itself, its links too (in both parts)."""
    with app.test_request_context("/"):
        save_page(staff_member("admin@example.com"), "returns", {
            "en": Draft("Returns", "Read our [terms](/legal/terms) first."),
            "lv": Draft("Atgriešana", "Vispirms izlasiet [noteikumus](/legal/terms)."),
        }, default_language="en", now=NOW)
        make_order(stocked_product().variants[0], locale="lv", payment_method="bank_transfer", now=NOW)
        db.session.commit()
        [received] = db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.kind == "order_received"))
        message = render(received)
    assert "noteikumus (http://shop.test/legal/terms?lang=lv)" in message.get_body(("plain",)).get_content()
    assert 'href="http://shop.test/legal/terms?lang=lv"' in message.get_body(("html",)).get_content()
