"""Every rendering of an order's money shows the review page's breakdown, and its figures add up.

For random carts, offers, delivery choices, tax settings and languages, a shopper checks out on the
site; then the tracking page, the order e-mail (HTML and text) and the back-office order page are
read as a person would read them: the lines (at list price) sum to the items, the items less the
discounts plus shipping (plus tax where it is added) make the total, the offers by name make up the
discounts, and all four say the same as the review page did. After staff refund part or all of it,
each of them (and each refund's own notice) shows what was refunded and what the shopper paid after
refunds, the total less the refunds.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promotions.models import Offer
from storefront.extensions import db
from storefront.mail.models import OutboundEmail
from storefront.mail.service import render
from storefront.orders.models import Order
from storefront.payments import refunds
from storefront.payments import service as payments
from tests.backoffice.conftest import sign_in
from tests.factories import checkout_form, make_product, make_user
from tests.promotions.conftest import make_offer

UTC = dt.timezone.utc
FIGURES = ("items", "discount", "shipping", "shipping-discount", "tax", "total")
REFUND_FIGURES = ("refunded", "paid-after-refunds")

carts = st.lists(st.tuples(st.integers(1, 250_00), st.integers(1, 4)), min_size=1, max_size=3)
offer_terms = st.lists(st.one_of(
    st.fixed_dictionaries({"benefit": st.just("percent"), "percent": st.integers(1, 60)}),
    st.fixed_dictionaries({"benefit": st.just("fixed"), "amount": st.integers(1, 150_00)}),
    st.fixed_dictionaries({"benefit": st.just("free_shipping"),
                           "shipping_methods": st.sampled_from([["standard"], ["standard", "express"]])}),
), max_size=3)
methods = st.sampled_from(["standard", "express", "pickup"])
taxes = st.tuples(st.booleans(), st.sampled_from([0, 900, 2100, 2500]))
languages = st.sampled_from(["en", "es", "lv"])
# Refunds staff make, each a percentage of what is left to refund (100: all of it).
refund_parts = st.lists(st.integers(1, 100), max_size=2)


def minor(text: str) -> int:
    """An amount as shown in any of the shop's languages ("€1,234.50", "1234,50 €", "−€4.95")
    in minor units; "Free" (in any language) is 0. Every EUR amount shows two decimals."""
    digits = re.sub(r"\D", "", text)
    value = int(digits) if digits else 0
    return -value if text.strip().startswith(("−", "-")) else value


def html_figures(html: str) -> dict:
    """The figures of the breakdown table and the offers listed under it, as the page shows them."""
    table, _, rest = html[html.index("data-breakdown"):].partition("</table>")
    applied = rest.partition("data-applied-offers")[2].partition("</ul>")[0]
    figures = {"lines": [minor(a) for a in re.findall(r"data-line-amount>([^<]*)<", table)],
               "offers": [minor(a) for a in re.findall(r'<span class="amount"[^>]*>([^<]*)</span>', applied)]}
    for name in FIGURES + REFUND_FIGURES:
        found = re.search(rf"data-{name}>([^<]*)<", table)
        figures[name] = None if found is None else found.group(1).strip()
    return figures


def text_figures(text: str, language: str) -> dict:
    """The same figures, read from the plain-text e-mail by their labels in the mail's language."""
    with force_locale(language):
        labels = {name: gettext(label) for name, label in (
            ("items", "Items"), ("discount", "Discount"), ("shipping", "Shipping"),
            ("shipping-discount", "Shipping discount"), ("tax", "Tax"), ("total", "Total"),
            ("offers", "Offers applied"), ("refunded", "Refunded"), ("paid-after-refunds", "Paid after refunds"))}
        vat = gettext("including VAT %(tax)s", tax="(.+)")
    figures = {"lines": [minor(a) for a in re.findall(r"^\d+ × .*?  (.+)$", text, re.M)]}
    for name in FIGURES + REFUND_FIGURES:
        found = re.search(rf"^{re.escape(labels[name])}: (.+)$", text, re.M)
        figures[name] = None if found is None else found.group(1).strip()
    total, _, included = figures["total"].partition(" (")
    figures["total"] = total
    if included:
        figures["tax"] = re.fullmatch(vat, included.rstrip(")")).group(1)
    offers = text.partition(f"\n{labels['offers']}:\n")[2].partition("\n\n")[0]
    figures["offers"] = [minor(line.rpartition("  ")[2]) for line in offers.splitlines()]
    return figures


def review_figures(html: str) -> dict:
    """What the checkout's review page showed, in the same shape."""
    summary = html[html.index('class="summary-lines"'):]
    lines = summary.partition("</ul>")[0]
    return html_figures(summary) | {
        "lines": [minor(a) for a in re.findall(r'<span class="amount">([^<]*)</span></li>', lines)]}


def assert_adds_up(figures: dict, tax_included: bool, where: str) -> None:
    amounts = {name: minor(figures[name] or "0") for name in FIGURES}
    assert sum(figures["lines"]) == amounts["items"], where
    tax_added = 0 if tax_included else amounts["tax"]
    assert (amounts["items"] + amounts["discount"] + amounts["shipping"] + amounts["shipping-discount"]
            + tax_added == amounts["total"]), (where, figures)
    assert sum(figures["offers"]) == amounts["discount"] + amounts["shipping-discount"], (where, figures)
    if figures.get("refunded") is not None:  # what came back, then what the shopper paid after it
        assert amounts["total"] + minor(figures["refunded"]) == minor(figures["paid-after-refunds"]), (where, figures)
    else:
        assert figures.get("paid-after-refunds") is None, (where, figures)


def comparable(figures: dict) -> dict:
    """The figures as amounts; "Free" (in any language) stays apart from an amount of zero."""
    return {**{name: (figures[name] if figures[name] is None else
                      minor(figures[name]) if re.search(r"\d", figures[name]) else "free") for name in FIGURES},
            "lines": figures["lines"], "offers": sorted(figures["offers"])}


@pytest.fixture
def tax_settings(app):
    saved = (app.config["PRICES_INCLUDE_TAX"], app.config["TAX_RATE_BPS"])
    yield app.config
    app.config["PRICES_INCLUDE_TAX"], app.config["TAX_RATE_BPS"] = saved


@pytest.fixture
def admin(app):
    return make_user("admin@example.com", "admin")


@pytest.fixture
def staff_client(app, admin):
    client = app.test_client()
    sign_in(client, admin)
    return client


def end_every_offer() -> None:
    db.session.execute(sa.update(Offer).values(state="ended_early", ended_at=sa.func.now()))
    db.session.commit()


def shopper_client(app, language: str):
    """A new visitor whose browser asks for `language`."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def place_through_the_site(app, cart, method, language) -> tuple[Order, dict]:
    """A new shopper checks out `cart`; returns the order and what the review page showed."""
    client = shopper_client(app, language)
    for n, (price, quantity) in enumerate(cart):
        product = make_product(f"Item {n}", variants=[{"price": price, "stock": 10}])
        assert client.post("/cart/add", data={"variant_id": product.variants[0].id,
                                              "quantity": quantity}).status_code == 303
    assert client.post("/checkout", data=checkout_form(shipping_method=method)).status_code == 303
    review = client.get("/checkout/review").get_data(as_text=True)
    shown = re.search(r'name="shown_total"[^>]*value="(\d+)"', review).group(1)
    assert client.post("/checkout/place", data={"shown_total": shown}).status_code == 303
    db.session.commit()
    order = db.session.scalars(sa.select(Order).order_by(Order.id.desc())).first()
    return order, review_figures(review)


def refund_in_parts(order: Order, parts: list[int], admin) -> tuple[Order, int]:
    """Staff record the transfer, then refund `parts` (percentages of what is left) of it; returns
    the order and how many refunds were made."""
    made = 0
    if parts:
        payments.mark_manual_payment_received(order.id, actor=admin, now=order.created_at)
    for percent in parts:
        left = order.total - db.session.get(Order, order.id).amount_refunded
        if left:
            refunds.refund(order.id, max(1, left * percent // 100), actor=admin, now=order.created_at)
            made += 1
    db.session.commit()
    return db.session.get(Order, order.id), made


def mail_figures(app, email: OutboundEmail) -> dict[str, dict]:
    with app.test_request_context("/"):
        mail = render(email)
    return {"html": html_figures(mail.get_body(("html",)).get_content()),
            "text": text_figures(mail.get_body(("plain",)).get_content(), email.locale)}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cart=carts, offers=offer_terms, method=methods, tax=taxes, language=languages, parts=refund_parts)
def test_every_rendering_of_an_order_shows_the_review_breakdown_and_adds_up(
        app, tax_settings, admin, staff_client, cart, offers, method, tax, language, parts):
    tax_settings["PRICES_INCLUDE_TAX"], tax_settings["TAX_RATE_BPS"] = tax
    for terms in offers:
        make_offer(**terms)
    try:
        order, review = place_through_the_site(app, cart, method, language)
    finally:
        end_every_offer()
    with app.test_request_context("/"):
        order, refunds_made = refund_in_parts(order, parts, admin)
    client = shopper_client(app, language)
    mail = mail_figures(app, OutboundEmail(order_id=order.id, kind="receipt", recipient=order.email,
                                           locale=order.locale))
    rendered = {
        "review": review,
        "tracking": html_figures(client.get(f"/orders/{order.tracking_token}").get_data(as_text=True)),
        "mail html": mail["html"],
        "mail text": mail["text"],
        "back office": html_figures(staff_client.get(f"/admin/orders/{order.id}").get_data(as_text=True)),
    }
    for where, figures in rendered.items():
        assert_adds_up(figures, order.tax_included, where)
        assert minor(figures["total"]) == order.total, where
    for where, figures in rendered.items():
        assert comparable(figures) == comparable(review), (where, figures, review)
        if where != "review":
            assert minor(figures["refunded"] or "0") == -order.amount_refunded, (where, figures)
    # Each refund's notice: what had come back by then, and what was paid after it.
    notices = db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.order_id == order.id,
                                                                OutboundEmail.kind == "refunded")
                                 .order_by(OutboundEmail.id)).all()
    assert len(notices) == refunds_made
    refunded_so_far = []
    for notice in notices:
        for part, figures in mail_figures(app, notice).items():
            assert_adds_up(figures, order.tax_included, f"refund notice {part}")
            assert comparable(figures) == comparable(review), (part, figures, review)
        refunded_so_far.append(-minor(figures["refunded"]))
    assert refunded_so_far == sorted(set(refunded_so_far))
    assert refunded_so_far[-1:] == ([order.amount_refunded] if notices else [])
