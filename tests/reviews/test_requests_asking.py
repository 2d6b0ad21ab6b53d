"""Asking buyers for reviews: one request per order when it is delivered (or long after it shipped),
in the buyer's language, never about one product twice within a year."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from reviews import requests, request_tasks
from reviews.models import CollectionMethod, ReviewRequest, ReviewRequestItem
from storefront.database import write_transaction
from storefront.extensions import db
from storefront.mail.service import render
from storefront.orders import signals as order_signals
from storefront.orders import staff
from storefront.orders.models import Order
from tests.concurrency import at_once, in_own_context
from tests.factories import make_product
from tests.reviews.factories import make_delivered_order, make_review, staff_member
from tests.reviews.requests_support import (UTC, asked_products, mails, make_delivered, make_shipped_order,
                                            request_of)

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
DELIVERED = NOW + dt.timedelta(days=2)  # make_delivered_order marks it delivered two days after `now`


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def pullover():
    return make_product(title="Dzintars pullover", variants=[{"price": 8900, "stock": 20}]).variants[0]


def test_a_delivered_order_gets_one_review_request_in_the_buyers_language():
    order = make_delivered_order(pullover(), locale="lv")

    [mail] = mails("review_request")
    request = request_of(order.id)
    assert (mail.recipient, mail.locale, mail.ref_id, mail.key) == (
        "anna@example.com", "lv", request.id, f"review_request:{order.id}")
    assert request.created_at == DELIVERED
    assert request.expires_at == DELIVERED + dt.timedelta(days=90)
    assert request.reminder_due_at == DELIVERED + dt.timedelta(days=7)
    assert request.reminded_at is None
    assert [item.order_line_id for item in request.items] == [order.lines[0].id]


def test_the_request_mail_lists_the_items_the_link_its_validity_and_the_unsubscribe_link():
    order = make_delivered_order(pullover())
    request = request_of(order.id)
    message = render(mails("review_request")[0])

    assert message["Subject"] == f"What do you think of your order {order.number}?"
    text = message.get_body(("plain",)).get_content()
    assert "Hello Anna Bērziņa," in text
    assert order.number in text
    assert f"- Dzintars pullover ({order.lines[0].variant_label})" in text
    assert f"http://shop.test/reviews/write/{request.token}" in text
    assert "valid until June 10, 2026" in text  # 90 days from delivery, in Riga
    assert "good or bad" in text and "nothing is offered in return" in text
    assert requests.unsubscribe_url("anna@example.com", lang="en") in text
    html = message.get_body(("html",)).get_content()
    assert f'href="http://shop.test/reviews/write/{request.token}?lang=en"' in html  # the mail's language
    assert requests.unsubscribe_url("anna@example.com", lang="en") in html


def test_the_spanish_buyers_mail_is_rendered_in_spanish():
    make_delivered_order(pullover(), locale="es")
    [mail] = mails("review_request")
    assert mail.locale == "es"
    # Babel's own Spanish (no message catalog needed): the date the link is valid until.
    assert "10 de junio de 2026" in render(mail).get_body(("plain",)).get_content()


def test_a_latvian_buyer_s_mail_and_review_pages_name_the_items_in_latvian(client):
    """The order wrote "Sweater (M / Oat)" in the shop's default language; the Latvian buyer's
    request, the page its link opens and the one-item page from the tracking page name it as the
    receipt did, "Džemperis (M / Auzu bēšs)"."""
    translations = {"lv": {"title": "Džemperis", "values": {"Colour": {"Oat": "Auzu bēšs"}}}}
    variant = make_product(title="Sweater", option_names=("Size", "Colour"), translations=translations,
                           variants=[{"options": {"Size": "M", "Colour": "Oat"}, "stock": 5}]).variants[0]
    order = make_delivered_order(variant, locale="lv", now=dt.datetime.now(UTC) - dt.timedelta(days=3))
    request = request_of(order.id)
    text = render(mails("review_request")[0]).get_body(("plain",)).get_content()
    assert "- Džemperis (M / Auzu bēšs)" in text and "Oat" not in text
    link_page = client.get(f"/reviews/write/{request.token}?lang=lv").get_data(as_text=True)
    assert "Džemperis <small>(M / Auzu bēšs)</small>" in link_page
    line_page = client.get(f"/orders/{order.tracking_token}/review/{order.lines[0].id}?lang=lv")
    assert line_page.status_code == 200
    assert "Džemperis" in line_page.get_data(as_text=True) and "M / Auzu bēšs" in line_page.get_data(as_text=True)


def test_the_spanish_buyers_subject_is_spanish():
    # Needs the Spanish catalog to translate "What do you think of your order %(number)s?".
    order = make_delivered_order(pullover(), locale="es")
    assert render(mails("review_request")[0])["Subject"] == f"¿Qué te parece tu pedido {order.number}?"


def test_a_delivery_announced_twice_still_asks_once():
    order = make_delivered_order(pullover())
    with write_transaction():
        order_signals.order_delivered.send(db.session.get(Order, order.id), now=DELIVERED + dt.timedelta(hours=1))
    with write_transaction():
        assert requests.create_request(db.session.get(Order, order.id), now=DELIVERED + dt.timedelta(days=1)) is None

    assert len(mails("review_request")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewRequest)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewRequestItem)) == 1


def test_an_order_of_two_sizes_of_one_product_asks_about_the_product_once():
    hat = make_product(title="Bobble hat", variants=[{"stock": 5}, {"stock": 5}])
    order = make_delivered(*hat.variants, now=NOW)
    assert len(order.lines) == 2
    assert asked_products(order.id) == [hat.id]


def test_the_same_product_is_not_asked_about_again_within_a_year_but_is_after_it():
    start = dt.datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # every mail here is due before today
    sweater, hat = pullover(), make_product(title="Bobble hat").variants[0]
    first = make_delivered(sweater, now=start)
    assert asked_products(first.id) == [sweater.product_id]

    # Three months later the sweater again, with a hat: only the hat is asked about (the same
    # buyer, whatever the case of the address).
    second = make_delivered(sweater, hat, now=start + dt.timedelta(days=90), email="ANNA@Example.com")
    assert asked_products(second.id) == [hat.product_id]
    # Six months later the sweater alone: nothing left to ask about, so no request and no mail.
    third = make_delivered(sweater, now=start + dt.timedelta(days=180))
    assert request_of(third.id) is None

    # More than a year after the first request: asked again.
    fourth = make_delivered(sweater, now=start + dt.timedelta(days=366))
    assert asked_products(fourth.id) == [sweater.product_id]
    assert [m.ref_id for m in mails("review_request")] == [
        request_of(first.id).id, request_of(second.id).id, request_of(fourth.id).id]


def test_another_buyer_is_asked_about_the_same_product():
    sweater = pullover()
    make_delivered(sweater, now=NOW)
    other = make_delivered(sweater, now=NOW + dt.timedelta(days=3), email="juan@example.com")
    assert asked_products(other.id) == [sweater.product_id]


def test_a_product_the_buyer_has_reviewed_is_not_asked_about_again():
    start = dt.datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    sweater = pullover()
    first = make_delivered(sweater, now=start)
    make_review(first, 4, now=start + dt.timedelta(days=5))
    again = make_delivered(sweater, now=start + dt.timedelta(days=400), email="Anna@Example.com")
    assert request_of(again.id) is None


def test_an_unsubscribed_buyer_is_not_asked():
    requests.unsubscribe(requests.unsubscribe_token("anna@example.com"), now=NOW)
    order = make_delivered(pullover(), now=NOW, email="Anna@example.com")
    assert request_of(order.id) is None
    assert mails("review_request") == []


def test_two_orders_of_one_buyer_delivered_at_once_ask_about_their_product_once(app):
    sweater = pullover()
    orders = [make_shipped_order(sweater, now=NOW), make_shipped_order(sweater, now=NOW)]  # one buyer
    db.session.commit()

    def deliver(order_id):
        return in_own_context(app, lambda: staff.deliver(order_id, actor=staff_member(), now=DELIVERED).id)

    assert sorted(at_once([deliver(order.id) for order in orders])) == sorted(o.id for o in orders)
    asked = [asked_products(order.id) for order in orders]
    assert sorted(asked) == [[], [sweater.product_id]]
    assert len(mails("review_request")) == 1


# --- when delivery is never marked ----------------------------------------------------------------

def test_an_order_shipped_fourteen_days_ago_and_never_delivered_is_asked_about_once():
    order = make_shipped_order(pullover(), now=NOW, locale="es")
    shipped = NOW + dt.timedelta(days=1)

    assert requests.request_for_shipped_orders(shipped + dt.timedelta(days=14) - dt.timedelta(minutes=1)) == 0
    assert requests.request_for_shipped_orders(shipped + dt.timedelta(days=14)) == 1
    assert requests.request_for_shipped_orders(shipped + dt.timedelta(days=15)) == 0
    request = request_of(order.id)
    assert request.created_at == shipped + dt.timedelta(days=14)
    [mail] = mails("review_request")
    assert (mail.locale, mail.ref_id) == ("es", request.id)

    # The parcel is marked delivered later: still the one request.
    staff.deliver(order.id, actor=staff_member(), now=shipped + dt.timedelta(days=20))
    assert len(mails("review_request")) == 1


def test_a_request_sent_after_shipping_lets_the_buyer_review_the_shipped_order():
    order = make_shipped_order(pullover(), now=NOW)
    requests.request_for_shipped_orders(NOW + dt.timedelta(days=16))
    review = make_review(order, 5, now=NOW + dt.timedelta(days=17))
    assert review.collection_method == CollectionMethod.POST_FULFILLMENT


def test_the_hourly_task_run_twice_at_once_asks_about_a_shipped_order_once(app):
    order = make_shipped_order(pullover(), now=NOW)
    db.session.commit()
    later = NOW + dt.timedelta(days=16)
    made = at_once([in_own_context(app, lambda: requests.request_for_shipped_orders(later))] * 2)
    assert sorted(made) == [0, 1]
    assert request_of(order.id) is not None
    assert len(mails("review_request")) == 1


def test_the_periodic_task_asks_about_shipped_orders_on_the_real_clock(monkeypatch):
    order = make_shipped_order(pullover(), now=NOW)
    monkeypatch.setattr(request_tasks, "utcnow", lambda: NOW + dt.timedelta(days=16))
    assert request_tasks.ask_about_shipped_orders.call_local() == 1
    assert request_of(order.id) is not None


def test_orders_shipped_long_before_the_catch_up_window_are_left_alone():
    order = make_shipped_order(pullover(), now=NOW)
    assert requests.request_for_shipped_orders(NOW + dt.timedelta(days=1 + 14 + 31)) == 0
    assert request_of(order.id) is None


# --- what the mail shows is escaped -----------------------------------------------------------------

def test_markup_in_product_titles_and_the_buyers_name_is_escaped_in_the_html_mail():
    product = make_product(title='<script>alert("title")</script>', variants=[{"stock": 3}])
    make_delivered_order(product.variants[0], full_name='<img src=x onerror=alert("name")>')
    message = render(mails("review_request")[0])
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(&#34;name&#34;)&gt;" in html
    text = message.get_body(("plain",)).get_content()
    assert '<script>alert("title")</script>' in text  # plain text is not HTML: shown as typed


def test_the_buyer_receives_the_request_through_real_smtp(smtp_server):
    order = make_delivered_order(pullover())
    request = request_of(order.id)
    [message] = [m for m in smtp_server.messages if "What do you think" in m["Subject"]]
    assert message["To"] == "anna@example.com"
    assert message["Subject"] == f"What do you think of your order {order.number}?"
    text = message.get_body(("plain",)).get_content()
    assert f"http://shop.test/reviews/write/{request.token}" in text
    assert "http://shop.test/reviews/unsubscribe/" in text
    assert mails("review_request")[0].status == "sent"


def test_the_link_in_the_mail_opens_the_review_form_for_the_asked_items(client):
    # The form page checks the link against the real clock: an order delivered three days ago.
    recently = dt.datetime.now(UTC) - dt.timedelta(days=5)
    order = make_delivered(pullover(), now=recently)
    text = render(mails("review_request")[0]).get_body(("plain",)).get_content()
    [url] = [word for word in text.split() if "/reviews/write/" in word]
    response = client.get(url.removeprefix("http://shop.test"))
    assert response.status_code == 200
    assert "Dzintars pullover" in response.get_data(as_text=True)
    assert order.lines[0].title == "Dzintars pullover"
