"""An offer's results page with refunded orders, in Chromium: the refunds shown apart beside the
redeemed, axe-core clean (WCAG 2.0/2.1 A and AA) at 400 px and 1280 px in English, Spanish and
Latvian, nothing wider than a phone's screen, and a screenshot of each."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from promotions.models import Offer, Redemption, RedemptionStatus
from promotions.results import offer_totals
from storefront.demo.content import STAFF
from storefront.extensions import db
from storefront.orders.models import Order, OrderStatus
from tests.browser.test_reviews_accessibility import WIDTHS, check
from tests.conftest import sign_in_on_page
from tests.demo_shop import load_demo_shop

# What the page calls the refund columns, and the words under the table, in each language.
REFUND_WORDS = {"en": ("Refunded orders", "A refund gives no place under the cap back"),
                "es": ("Pedidos reembolsados", "Un reembolso no devuelve la plaza dentro del límite"),
                "lv": ("Atmaksātie pasūtījumi", "Atmaksa vietu limitā neatdod")}


@pytest.fixture
def offer_with_refunds(app) -> tuple[int, int]:
    """The demo shop's offer with the most redeemed orders, two of them refunded (one in full, one
    in part), as `payments.refunds` leaves them: (its id, how many refunded)."""
    with app.app_context():
        load_demo_shop()
        ids = list(db.session.scalars(sa.select(Offer.id)))
        totals = offer_totals(ids)
        offer_id = max(ids, key=lambda i: totals[i].redeemed)
        orders = list(db.session.scalars(
            sa.select(Order).join(Redemption, Redemption.order_id == Order.id)
            .where(Redemption.offer_id == offer_id, Redemption.status == RedemptionStatus.CONFIRMED,
                   Order.amount_refunded == 0).order_by(Order.id).limit(2)))
        assert len(orders) == 2, "the demo shop has paid orders under its offers"
        orders[0].status, orders[0].amount_refunded = OrderStatus.REFUNDED, orders[0].total
        orders[1].amount_refunded = 1000
        db.session.commit()
        return offer_id, totals[offer_id].refunded + 2


@pytest.mark.database_independent
def test_an_offers_refunds_show_apart_and_the_page_passes_axe_in_three_languages(
        browser, live_server, offer_with_refunds, screenshot, subtests):
    offer_id, refunded = offer_with_refunds
    email, _role, password = next(s for s in STAFF if s[1] == "marketer")
    axe = Axe()
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    sign_in_on_page(page, live_server.url, email, password)
    for language, (column, words) in REFUND_WORDS.items():
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        response = page.goto(f"{live_server.url}/admin/offers/{offer_id}?lang={language}")
        assert response is not None and response.status == 200
        expect(page.locator("html")).to_have_attribute("lang", language)
        results = page.locator("#results")
        expect(results.get_by_role("columnheader", name=column)).to_be_visible()
        expect(results.locator("tfoot .c-refunded")).to_contain_text(f"{refunded} · ")
        expect(results.locator(".redemption-words")).to_contain_text(words)
        # Below the table too, where a phone shows it without scrolling the table sideways.
        expect(results.locator("p.refunded")).to_contain_text(f"{column}: {refunded}")
        for width in WIDTHS:
            with subtests.test(language=language, width=width):
                check(page, axe, width)
                screenshot(page, f"offer-results-refunds-{language}-{width}")
    context.close()
