"""A customer's personal data: exported whole (and nobody else's), and erased on request without a
trace in any table while the books keep every order and sum; refused while an order is open;
typed confirmation, audited without the address, idempotent."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from promotions.models import CustomerUse, Redemption
from reviews import inbox, questions, replies, requests
from reviews.models import InboxItem, Reply, Review, ReviewStats
from storefront.audit.models import AuditEntry
from storefront.customers import queries
from storefront.customers.erasure import erased_name
from storefront.extensions import db
from storefront.mail import service as mail
from storefront.orders import staff as order_staff
from storefront.orders.models import Order, OrderLine
from promotions import service as offers_service
from storefront.checkout.service import place_order
from storefront.payments.service import mark_manual_payment_received
from storefront.storage import storage
from tests.factories import checkout_form, make_cart, make_order, shopper_details
from tests.promotions.conftest import make_offer
from tests.reviews.factories import NOW, make_delivered_order, make_review, staff_member
from tests.reviews.question_support import ask, invitations, stocked_product

from .conftest import audit_actions, sign_in

ERIN = {"email": "Erin.Quill@Example.org", "full_name": "Erin Quillfeather", "address_line1": "Zvaigžņu iela 77",
        "address_line2": "Dzīvoklis 12b", "city": "Quillton", "postal_code": "LV-9876", "phone": "+371 2999 1234"}
# What must be gone from every table once Erin is erased.
TRACES = ("erin.quill@example.org", "Erin Quillfeather", "Zvaigžņu iela 77", "Dzīvoklis 12b", "Quillton",
          "LV-9876", "+371 2999 1234", "Erin Q.", "CC1ERIN77LV")
OTHER = {"email": "olaf@example.net", "full_name": "Olaf Other", "address_line1": "Cits iela 3", "city": "Ogre",
         "postal_code": "LV-5001", "phone": "+371 2111 1111"}


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def delivered_with_offers(variant, actor) -> Order:
    """Erin's order, placed as the checkout page places it (with the live offers for her), then
    paid, packed, shipped and delivered by staff."""
    pricing = offers_service.pricing_context(now=NOW)
    order = place_order(make_cart(variant).token, shopper_details(**ERIN), now=NOW, pricing=pricing)
    mark_manual_payment_received(order.id, actor=actor, now=NOW + dt.timedelta(hours=1))
    order_staff.fulfil(order.id, actor=actor, now=NOW + dt.timedelta(hours=2))
    order_staff.ship(order.id, carrier="Omniva", tracking_number="CC1ERIN77LV", actor=actor,
                     now=NOW + dt.timedelta(days=1))
    return order_staff.deliver(order.id, actor=actor, now=NOW + dt.timedelta(days=2))


def erin_shop():
    """Erin as the shop knows her after months of shopping: a delivered order with an offer, a
    2-star review the brand replied to and wrote to her about privately, a staff note naming her,
    a question she asked, an answer she wrote to another shopper's question, a resent receipt,
    and her unsubscribe from review mail. Olaf, another shopper, bought and reviewed too."""
    product = stocked_product()
    offer = make_offer(name="Spring 10", cap_per_customer=3, starts_at=NOW - dt.timedelta(days=1),
                       ends_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30))
    admin = staff_member("boss@example.com")
    order = delivered_with_offers(product.variants[0], admin)
    olaf_order = make_delivered_order(product.variants[0], now=NOW + dt.timedelta(hours=3), **OTHER)
    review = make_review(order, 2, author_name="Erin Q.", title="Itchy for Erin Quillfeather",
                         body="Too itchy. Write to me at erin.quill@example.org or +371 2999 1234.")
    make_review(olaf_order, 5, author_name="Olaf O.", body="Warm.")
    replies.reply_to_review(review.id, "Sorry, Erin Quillfeather, we'll write to you.", actor=admin,
                            now=NOW + dt.timedelta(days=6))
    item = db.session.scalar(sa.select(InboxItem).where(InboxItem.review_id == review.id))
    inbox.send_private_message(item.id, "Dear Erin Quillfeather, a replacement is on its way.", actor=admin,
                               now=NOW + dt.timedelta(days=6, hours=1))
    order_staff.add_note(order.id, "Called Erin Quillfeather on +371 2999 1234.", actor=admin,
                         now=NOW + dt.timedelta(days=7))
    mail.resend_last_order_email(order.id, actor=admin, now=NOW + dt.timedelta(days=7))
    ask(product, author_name="Erin Q.", email="erin.quill@EXAMPLE.org", body="Erin Quillfeather asks: wool?",
        now=NOW + dt.timedelta(days=8))
    olafs_question = ask(product, author_name="Olaf O.", email=OTHER["email"], body="Does it shrink?",
                         now=NOW + dt.timedelta(days=9))
    erins_invitation = next(i for i in invitations(olafs_question.id) if i.email == "erin.quill@example.org")
    questions.answer_from_invitation(erins_invitation.token, author_name="Erin Q.", body="Not for me.",
                                     language="en", now=NOW + dt.timedelta(days=10))
    token = requests.unsubscribe_token("erin.quill@example.org")
    requests.unsubscribe(token, now=NOW + dt.timedelta(days=11))
    db.session.commit()
    return order, olaf_order, offer, product, review


def text_columns():
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (sa.String, sa.Text, sa.JSON)):
                yield table, column


def traces_left(values=TRACES) -> list[tuple[str, str, str]]:
    """(table, column, value) for every text column of every table that still holds a value."""
    db.session.commit()
    found = []
    for table, column in text_columns():
        text = sa.func.lower(sa.cast(column, sa.Text))
        for value in values:
            # JSON stores non-ASCII as \u escapes: look for those too.
            forms = {value.lower(), json.dumps(value).strip('"').lower()}
            if db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                 .where(sa.or_(*(text.contains(form, autoescape=True) for form in forms)))):
                found.append((table.name, column.name, value))
    return found


def books() -> list[tuple]:
    db.session.commit()
    orders = db.session.execute(sa.select(
        Order.id, Order.number, Order.status, Order.created_at, Order.paid_at, Order.currency, Order.items_subtotal,
        Order.discount, Order.shipping, Order.shipping_discount, Order.tax, Order.total, Order.amount_refunded,
        Order.country, Order.payment_reference).order_by(Order.id)).all()
    lines = db.session.execute(sa.select(OrderLine.order_id, OrderLine.sku, OrderLine.title, OrderLine.unit_price,
                                         OrderLine.quantity, OrderLine.discount, OrderLine.total)
                               .order_by(OrderLine.id)).all()
    return [*orders, *lines]


def test_the_export_holds_everything_about_the_customer_and_nothing_about_anyone_else(client):
    order, _olaf, offer, product, _review = erin_shop()
    admin = staff_member("dpo@example.com")
    sign_in(client, admin)

    response = client.post(f"/admin/customers/{order.id}/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="customer-{order.id}.json"'
    data = json.loads(response.get_data(as_text=True))

    assert data["customer"] == {"email": "erin.quill@example.org", "key": order.id, "erased": False}
    [exported] = data["orders"]
    assert exported["number"] == order.number and exported["total"] == order.total
    assert exported["shipping_address"]["full_name"] == "Erin Quillfeather"
    assert exported["shipping_address"]["phone"] == "+371 2999 1234"
    assert exported["lines"][0]["title"] == product.title
    assert [d["name"] for d in exported["discounts"]] == ["Spring 10"]
    [review] = data["reviews"]
    assert review["author_name"] == "Erin Q." and "Too itchy" in review["text"] and review["rating"] == 2
    assert [q["text"] for q in data["questions"]] == ["Erin Quillfeather asks: wool?"]
    assert [a["text"] for a in data["answers"]] == ["Not for me."]
    assert [(u["offer"], u["order"]) for u in data["offer_uses"]] == [("Spring 10", order.number)]
    subjects = [m["subject"] for m in data["mail"]]
    assert f"Receipt for your order {order.number}" in subjects
    assert all(m["to"].lower() == "erin.quill@example.org" for m in data["mail"])
    assert data["consents"]["review_mail_opt_out"] is True
    assert [r["order"] for r in data["consents"]["review_requests"]] == [order.number]

    body = response.get_data(as_text=True)
    for someone_else in ("olaf", "Olaf", "Does it shrink", "Warm.", "Cits iela"):
        assert someone_else not in body
    # Staff notes are the shop's, not the customer's.
    assert "Called Erin" not in body

    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "customer.export"))
    assert (entry.target_type, entry.target_id, entry.actor_email) == ("customer", str(order.id), "dpo@example.com")
    assert "erin" not in json.dumps(entry.details).lower()


def test_erasure_leaves_no_trace_of_the_customer_in_any_table_and_keeps_the_books(client):
    order, olaf_order, offer, product, review = erin_shop()
    stats_before = db.session.get(ReviewStats, product.id)
    stats_before = (stats_before.review_count, stats_before.rating_sum)
    assert {value for _, _, value in traces_left()} == set(TRACES)  # the scan does find them before
    before = books()
    product_page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "Erin Q." in product_page

    sign_in(client, staff_member("dpo@example.com"))
    response = client.post(f"/admin/customers/{order.id}/erase", data={"email": " ERIN.quill@example.org "})
    assert response.status_code == 303

    assert traces_left() == []
    assert books() == before
    db.session.expire_all()
    erased = db.session.get(Order, order.id)
    assert erased.email.startswith("erased-") and erased.email.endswith("@erased.invalid")
    assert erased.country == "LV" and erased.status == "delivered"
    # Olaf is untouched.
    assert db.session.get(Order, olaf_order.id).full_name == "Olaf Other"
    assert traces_left(("olaf@example.net", "Olaf Other", "Olaf O.", "Cits iela 3")) != []

    # The review stays published, verified, anonymised; the product's figures are unchanged.
    kept = db.session.get(Review, review.id)
    assert (kept.status, kept.verified, kept.rating, kept.author_name) == ("published", True, 2, "Erased shopper")
    assert kept.body == "Too itchy. Write to me at [erased] or [erased]."
    stats = db.session.get(ReviewStats, product.id)
    assert (stats.review_count, stats.rating_sum) == stats_before
    product_page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "Erased shopper" in product_page and "Erin Q." not in product_page

    # The per-customer counter follows the placeholder: the cap still holds for what was used.
    assert db.session.scalar(sa.select(CustomerUse.customer_key).where(CustomerUse.offer_id == offer.id)
                             .where(CustomerUse.customer_key.like("email:erased-%"))) == f"email:{erased.email}"
    redemption = db.session.scalar(sa.select(Redemption).where(Redemption.order_id == order.id))
    assert redemption.customer_keys == [f"email:{erased.email}"]

    # Searching the address finds nobody; the page says the customer is erased.
    assert queries.customer_page("erin").total == 0
    assert queries.customer_page("quill").total == 0
    page = client.get(f"/admin/customers/{order.id}?lang=en").get_data(as_text=True)
    assert "Erased customer" in page and "Erase this customer" not in page
    listing = client.get("/admin/customers?lang=en").get_data(as_text=True)
    assert "Erased customer" in listing and "olaf@example.net" in listing

    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "customer.erase"))
    assert entry.target_type == "customer" and entry.target_id == str(order.id)
    assert len(entry.details["email_digest"]) == 32 and entry.details["orders"] == 1


def test_erasing_again_changes_nothing(client):
    order, *_ = erin_shop()
    sign_in(client, staff_member("dpo@example.com"))
    client.post(f"/admin/customers/{order.id}/erase", data={"email": "erin.quill@example.org"})
    db.session.expire_all()
    placeholder, snapshot = db.session.get(Order, order.id).email, books()
    entries = audit_actions().count("customer.erase")

    response = client.post(f"/admin/customers/{order.id}/erase", data={"email": "anything"}, follow_redirects=True)
    assert response.status_code == 200
    assert "already been erased" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, order.id).email == placeholder and books() == snapshot
    assert audit_actions().count("customer.erase") == entries == 1


def test_a_wrong_or_missing_confirmation_erases_nothing(client):
    order, *_ = erin_shop()
    sign_in(client, staff_member("dpo@example.com"))
    for typed in ("", "erin@example.org"):
        response = client.post(f"/admin/customers/{order.id}/erase", data={"email": typed})
        assert response.status_code == 400
        assert "Type the customer" in response.get_data(as_text=True)
    assert "customer.erase" not in audit_actions()
    assert {value for _, _, value in traces_left()} == set(TRACES)


def test_a_customer_with_an_open_order_is_refused_with_the_orders_named(client):
    order, *_ = erin_shop()
    product = stocked_product("Mittens")
    waiting = make_order(product.variants[0], now=NOW + dt.timedelta(days=20), **ERIN)
    sign_in(client, staff_member("dpo@example.com"))
    response = client.post(f"/admin/customers/{order.id}/erase", data={"email": ERIN["email"]})
    assert response.status_code == 409
    assert waiting.number in response.get_data(as_text=True)
    assert "customer.erase" not in audit_actions()
    assert {value for _, _, value in traces_left()} == set(TRACES)

    order_staff.cancel(waiting.id, actor=staff_member(), now=NOW + dt.timedelta(days=20, hours=1))
    response = client.post(f"/admin/customers/{order.id}/erase", data={"email": ERIN["email"]})
    assert response.status_code == 303
    assert traces_left() == []


def test_the_order_page_links_its_customer_whose_page_shows_all_the_shop_holds(client):
    order, _olaf, _offer, product, review = erin_shop()
    sign_in(client, staff_member("dpo@example.com"))
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert f'href="/admin/customers/{order.id}"' in page

    page = client.get(f"/admin/customers/{order.id}?lang=en").get_data(as_text=True)
    for shown in ("erin.quill@example.org", "Erin Quillfeather", "+371 2999 1234", "Zvaigžņu iela 77",
                  f'href="/admin/orders/{order.id}"', f'href="/admin/inbox/reviews/{review.id}"',
                  "Asked about Dzintars pullover", "Answered another shopper", "Spring 10",
                  f"Receipt for your order {order.number}", "Unsubscribed on"):
        assert shown in page, shown
    assert "olaf@example.net" not in page


def test_an_order_placed_through_the_api_keeps_no_address_in_its_stored_answer(client):
    order, *_ = erin_shop()
    product = stocked_product("Mittens")
    token = client.post("/api/v1/carts").json["token"]
    client.post(f"/api/v1/carts/{token}/lines", json={"variant_id": product.variants[0].id, "quantity": 1})
    response = client.post("/api/v1/orders", json=checkout_form(cart_token=token, **ERIN),
                           headers={"Idempotency-Key": "erin-retry-1"})
    assert response.status_code == 201, response.json
    assert ("api_idempotency_keys", "body", "erin.quill@example.org") in traces_left()
    api_order = db.session.scalar(sa.select(Order).where(Order.cart_id.isnot(None)).order_by(Order.id.desc()))
    order_staff.cancel(api_order.id, actor=staff_member(), now=NOW + dt.timedelta(days=30))

    sign_in(client, staff_member("dpo@example.com"))
    assert client.post(f"/admin/customers/{order.id}/erase", data={"email": ERIN["email"]}).status_code == 303
    assert traces_left() == []


def test_reviews_show_the_erased_author_in_their_own_language():
    assert [erased_name(language) for language in ("en", "es", "lv")] == [
        "Erased shopper", "Comprador eliminado", "Dzēsts pircējs"]


def test_erasure_also_takes_their_social_id_their_first_name_alone_and_their_review_photos(app, client):
    """Erin shopped from the brand's page tab: her orders' offer counters named her platform user
    id, which is as personal as her address. The brand's reply greeted her by first name, and her
    review had a photo, which may show her or her home. Olaf, tapping through from the same page
    account (a shared tablet), keeps his own count."""
    from flask import session

    from tests.reviews.write_support import png

    social_id = "9876543210"
    session["launch"] = {"platform": "meta", "page_id": "112233", "user_id": social_id}
    product = stocked_product()
    offer = make_offer(name="Followers 15", cap_per_customer=2, starts_at=NOW - dt.timedelta(days=1),
                       ends_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30))
    admin = staff_member("boss@example.com")
    order = delivered_with_offers(product.variants[0], admin)
    pricing = offers_service.pricing_context(now=NOW)
    olaf_order = place_order(make_cart(product.variants[0]).token, shopper_details(**OTHER), now=NOW,
                             pricing=pricing)
    session.pop("launch")
    review = make_review(order, 2, author_name="Erin Q.", body="Itchy.", photos=[png(), png(colour=(0, 0, 90))])
    olaf_review = make_review(make_delivered_order(product.variants[0], **OTHER), 4, author_name="Olaf O.",
                              photos=[png()])
    replies.reply_to_review(review.id, "Thanks, Erin! We will send a softer one. (Erinaceous? Never.)",
                            actor=admin, now=NOW + dt.timedelta(days=6))
    db.session.commit()
    erins_photos = [photo.filename for photo in review.photos]
    olafs_photo = olaf_review.photos[0].filename

    def uses(key: str) -> int | None:
        db.session.expire_all()
        return db.session.scalar(sa.select(CustomerUse.uses).where(CustomerUse.offer_id == offer.id,
                                                                   CustomerUse.customer_key == key))

    assert uses(f"meta:{social_id}") == 2
    assert all(storage().exists(name) for name in erins_photos)

    sign_in(client, staff_member("dpo@example.com"))
    assert client.post(f"/admin/customers/{order.id}/erase",
                       data={"email": "erin.quill@example.org"}).status_code == 303

    db.session.expire_all()
    placeholder = db.session.get(Order, order.id).email
    erins = db.session.scalar(sa.select(Redemption).where(Redemption.order_id == order.id))
    olafs = db.session.scalar(sa.select(Redemption).where(Redemption.order_id == olaf_order.id))
    assert erins.customer_keys == sorted([f"email:{placeholder}", f"meta:{placeholder}"])
    assert olafs.customer_keys == sorted([f"email:{OTHER['email']}", f"meta:{social_id}"])
    # One use moved with Erin's redemption, Olaf's stays on the id: the cap still counts both.
    assert (uses(f"meta:{social_id}"), uses(f"meta:{placeholder}")) == (1, 1)
    reply = db.session.scalar(sa.select(Reply).where(Reply.review_id == review.id))
    assert reply.body == "Thanks, [erased]! We will send a softer one. (Erinaceous? Never.)"
    assert db.session.get(Review, review.id).photos == []
    assert not any(storage().exists(name) for name in erins_photos)
    assert storage().exists(olafs_photo) and len(db.session.get(Review, olaf_review.id).photos) == 1
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "customer.erase"))
    assert entry.details["photos"] == 2

    # Erasing Olaf too leaves the id nowhere: a counter at 0 would still name it.
    order_staff.cancel(olaf_order.id, actor=admin, now=NOW + dt.timedelta(days=1))
    assert uses(f"meta:{social_id}") == 0
    client.post(f"/admin/customers/{olaf_order.id}/erase", data={"email": OTHER["email"]})
    assert traces_left((social_id, OTHER["email"], "Olaf Other", "Olaf O.")) == []


def test_each_part_of_a_name_goes_as_a_whole_word_in_plain_and_in_json_text():
    from storefront.customers.erasure import Redactor

    redact = Redactor(["erin.quill@example.org"], ["Anna-Marija Bērziņa", "Seán O'Brien", "Erin Q."])
    assert redact.text("Paldies, Anna! Anna-Marija, Marija Bērziņa. Annals and Marijampolė stay.") == \
        "Paldies, [erased]! [erased], [erased] [erased]. Annals and Marijampolė stay."
    assert redact.text("Thanks Seán, and Brien O'Brien.") == "Thanks [erased], and [erased] [erased]."
    assert redact.text('{"note": "Hi\\nB\\u0113rzi\\u0146a, Erin"}') == '{"note": "Hi\\n[erased], [erased]"}'
    assert redact.text('{"note": "\\u201eAnna\\u201c, \\u00abSe\\u00e1n\\u00bb"}') == \
        '{"note": "\\u201e[erased]\\u201c, \\u00ab[erased]\\u00bb"}'
    assert redact.text("Q. stays: a letter alone is no name.") == "Q. stays: a letter alone is no name."


def test_a_latvian_name_goes_in_every_case_a_text_writes_it_in():
    """A Latvian reply greets Jānis as "Jāni" and writes to Anna as "Annai": the name as stored
    is in none of them. A name typed in small or capital letters is written with a capital."""
    from storefront.customers.erasure import Redactor, latvian_forms

    assert latvian_forms("Jānis") == {"Jāņa", "Jānim", "Jāni", "Jānī"}
    assert latvian_forms("Vilnis") == {"Viļņa", "Vilnim", "Vilni", "Vilnī"}  # never "Vilna"
    assert latvian_forms("Dāvis") >= {"Dāvja"} and latvian_forms("Uldis") >= {"Ulža", "Ulda"}
    assert "Kaminska" in latvian_forms("Kaminskis") and "Andra" in latvian_forms("Andris")
    assert latvian_forms("Bērziņš") == {"Bērziņa", "Bērziņam", "Bērziņu", "Bērziņā", "Bērziņ"}
    assert latvian_forms("Ingus") == {"Ingum", "Ingu", "Ingū"}
    assert latvian_forms("Ilze") == {"Ilzes", "Ilzei", "Ilzi", "Ilzē"}
    assert latvian_forms("KALNIŅA") == {"KALNIŅAS", "KALNIŅAI", "KALNIŅU", "KALNIŅĀ"}
    assert latvian_forms("Erin") == set() and latvian_forms("Li") == set()

    redact = Redactor(["janis@example.org"], ["jānis bērziņš", "ANNA KALNIŅA", "Ilze Ozola"], latvian=True)
    assert redact.text("Paldies, Jāni! Bērziņa kungs, Jāņa pasūtījums. Annai Kalniņai, Kalniņas kundzei, "
                       "Ilzei Ozolai, Ilzes Ozolas atsauksme.") == \
        "Paldies, [erased]! [erased] kungs, [erased] pasūtījums. [erased] [erased], [erased] kundzei, " \
        "[erased] [erased], [erased] [erased] atsauksme."
    assert redact.text("Hi ANNA and Anna.") == "Hi [erased] and [erased]."
    # Other words stay, and so do the small-letter words a name's forms would make ("ozola": an oak's).
    assert redact.text("Annual Jānītis stays; annas, ozola and ilzei too.") == \
        "Annual Jānītis stays; annas, ozola and ilzei too."
    assert redact.text('{"note": "Paldies, J\\u0101ni!"}') == '{"note": "Paldies, [erased]!"}'


def test_a_latvian_shopper_s_name_goes_in_the_case_the_shop_s_reply_wrote_it_in(client):
    """Jānis ordered in Latvian; the brand's reply greeted him "Paldies, Jāni!" and named his
    order "Bērziņa kunga pasūtījums". Erasing him takes both forms."""
    product = stocked_product()
    order = make_delivered_order(product.variants[0], locale="lv", email="janis@example.org",
                                 full_name="Jānis Bērziņš")
    review = make_review(order, 2, language="lv", author_name="Jānis B.", body="Pārāk plāns.")
    replies.reply_to_review(review.id, "Paldies, Jāni! Bērziņa kunga pasūtījumu aizstāsim.",
                            actor=staff_member(), now=NOW + dt.timedelta(days=6))
    db.session.commit()
    sign_in(client, staff_member("dpo@example.com"))
    assert client.post(f"/admin/customers/{order.id}/erase", data={"email": "janis@example.org"}).status_code == 303
    db.session.expire_all()
    reply = db.session.scalar(sa.select(Reply).where(Reply.review_id == review.id))
    assert reply.body == "Paldies, [erased]! [erased] kunga pasūtījumu aizstāsim."


def test_other_languages_names_keep_the_words_their_endings_would_make():
    """"Gracia" and "Wells" end as Latvian names do, but their customer shopped in Spanish and
    English: "Gracias" and "Well" are words, not names, and stay. A doubled separator in a name
    splits it as a single one does (it made an empty part, and erasing the customer failed)."""
    from storefront.customers.erasure import Redactor

    redact = Redactor(["maria@example.org"], ["María Gracia", "Chris Wells", "María de los Ángeles",
                                              "Anna--Marija Bērziņa", "Sean O''Brien"])
    assert redact.text("¡Gracias por tu reseña, María! Well made, Chris. Los Angeles.") == \
        "¡Gracias por tu reseña, [erased]! Well made, [erased]. Los Angeles."
    assert redact.text("Anna, Marija, Brien O''Brien.") == "[erased], [erased], [erased] [erased]."


def test_orders_from_two_accounts_of_one_platform_are_erased_together(app, client):
    """Erin launched the tab from two Facebook accounts: both ids become one placeholder key, whose
    counter holds both uses."""
    from flask import session

    product = stocked_product()
    offer = make_offer(name="Followers 15", cap_per_customer=5, starts_at=NOW - dt.timedelta(days=1),
                       ends_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30))
    admin = staff_member("boss@example.com")
    orders = []
    for social_id in ("111111", "222222"):
        session["launch"] = {"platform": "meta", "page_id": "112233", "user_id": social_id}
        orders.append(delivered_with_offers(product.variants[0], admin))
    session.pop("launch")
    db.session.commit()

    sign_in(client, staff_member("dpo@example.com"))
    assert client.post(f"/admin/customers/{orders[0].id}/erase",
                       data={"email": "erin.quill@example.org"}).status_code == 303

    db.session.expire_all()
    placeholder = db.session.get(Order, orders[0].id).email
    counters = dict(db.session.execute(sa.select(CustomerUse.customer_key, CustomerUse.uses)
                                       .where(CustomerUse.offer_id == offer.id)).all())
    assert counters == {f"email:{placeholder}": 2, f"meta:{placeholder}": 2}
    assert traces_left(("111111", "222222")) == []
