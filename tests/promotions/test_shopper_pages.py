"""Shoppers see the live offers meant for them: banners with a countdown on the home and product
pages, the offer page with its words and its in-store QR code, and the cart's offer lines.

A tab visitor is launched as the social tests launch one: a Meta page-tab POST signed with the
demo app's secret (tests.social.test_launch.signed_request).
"""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import segno
import sqlalchemy as sa

from promotions.models import OfferCode
from storefront.catalog.models import Product
from storefront.extensions import db
from tests.factories import make_category, make_product
from tests.promotions.conftest import make_code, make_offer
from tests.social.test_launch import META_PAGE, signed_request

UTC = dt.timezone.utc


def launch(client, *, page=META_PAGE, app_data=""):
    """Open the shop from the brand's Facebook page tab (a verified launch)."""
    response = client.post("/tab", data={"signed_request": signed_request(locale="en_GB", page=page,
                                                                          app_data=app_data)})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def banners(page: str) -> list[str]:
    return re.findall(r'data-offer-banner="([^"]+)"', page)


def iso(value: dt.datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def sweater():
    return make_product("Baltic sweater", slug="baltic-sweater", category=make_category("Sweaters", slug="sweaters"),
                        variants=[{"price": 4000, "stock": 20}])


def add(client, product, quantity=1):
    response = client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": quantity,
                                              "product_id": product.id})
    assert response.status_code == 303


# --- banners --------------------------------------------------------------------------------

def test_a_launched_tab_visitor_sees_the_tab_offer_with_a_countdown_to_its_end(client, sweater):
    offer = make_offer(name="Page friends week", slug="friends", percent=20, audience="tab_visitors",
                       audience_pages=[f"meta:{META_PAGE}"])
    launch(client)
    page = text(client.get("/"))
    assert banners(page) == ["friends"]
    assert "20% off" in page and "Page friends week" in page
    countdown = re.search(r'data-countdown data-ends="([^"]+)" data-now="([^"]+)"', page)
    assert countdown.group(1) == iso(offer.ends_at)
    server_now = dt.datetime.strptime(countdown.group(2), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((server_now - dt.datetime.now(UTC)).total_seconds()) < 60
    assert "js/countdown.js" in page


def test_a_shopper_opening_the_shop_directly_does_not_see_a_tab_offer(client, sweater):
    make_offer(name="Page friends week", slug="friends", audience="tab_visitors", audience_pages=[f"meta:{META_PAGE}"])
    make_offer(name="For everyone", slug="everyone", percent=5)
    assert banners(text(client.get("/"))) == ["everyone"]
    page = text(client.get("/p/baltic-sweater"))
    assert "Page friends week" not in page and banners(page) == ["everyone"]
    add(client, sweater)
    cart = text(client.get("/cart/"))
    assert "Page friends week" not in cart


def test_a_visitor_from_another_page_does_not_see_a_tab_offer_for_our_page(client, sweater, app):
    make_offer(slug="friends", audience="tab_visitors", audience_pages=["meta:999999"])
    launch(client)
    assert banners(text(client.get("/"))) == []


def test_the_product_page_shows_only_offers_on_this_product_or_the_whole_order(client, sweater):
    hat = make_product("Kāpa hat", slug="hat")
    make_offer(slug="on-sweater", target="products", products=[sweater])
    make_offer(slug="on-hats", target="products", products=[hat])
    make_offer(slug="on-sweaters", target="categories", categories=[sweater.category])
    make_offer(slug="on-order", target="order")
    assert sorted(banners(text(client.get("/p/baltic-sweater")))) == ["on-order", "on-sweater", "on-sweaters"]
    assert sorted(banners(text(client.get("/p/hat")))) == ["on-hats", "on-order"]


def test_a_code_holder_offer_shows_only_once_its_code_is_accepted(client, sweater):
    offer = make_offer(name="Telegram secret", slug="secret", audience="code_holders")
    make_code(offer, "TG-SECRET", kind="shared", channel="telegram", max_uses=None)
    assert banners(text(client.get("/"))) == []
    response = client.get("/offers/secret?code=tg-secret")
    assert response.status_code == 303 and response.headers["Location"] == "/offers/secret"
    assert banners(text(client.get("/"))) == ["secret"]


def test_a_members_offer_says_who_it_is_for(client, sweater):
    make_offer(slug="members", audience="members", audience_pages=["telegram:chan"])
    page = text(client.get("/"))
    assert banners(page) == ["members"]
    assert "This offer is for shoppers signed in with Telegram." in page


def test_sold_out_drafts_and_ended_offers_have_no_banner(client, sweater):
    now = dt.datetime.now(UTC)
    make_offer(slug="sold", cap_total=1, redemptions_count=1)
    make_offer(slug="draft", state="draft")
    make_offer(slug="past", starts_at=now - dt.timedelta(days=2), ends_at=now - dt.timedelta(seconds=1))
    make_offer(slug="early", state="ended_early")
    make_offer(slug="future", starts_at=now + dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=1))
    assert banners(text(client.get("/"))) == []


# --- the offer page -------------------------------------------------------------------------

def test_the_offer_page_says_what_it_gives_on_which_conditions_and_for_whom(client, sweater):
    make_offer(name="Free shipping weekend", slug="ship", benefit="free_shipping", percent=None,
               min_subtotal=5000, audience="tab_visitors", audience_pages=[f"meta:{META_PAGE}"],
               products=[sweater], target="products")
    page = text(client.get("/offers/ship"))
    assert "Free shipping" in page and "On Baltic sweater" in page
    assert "On orders from €50.00" in page
    assert "For shoppers who open the shop from our page on Facebook" in page
    assert "This offer is for shoppers who came from our page." in page  # the direct visitor's verdict
    assert 'href="/p/baltic-sweater" data-shop-offer' in page
    assert "data-countdown" in page
    assert "Get my in-store code" not in page  # not for this shopper
    launch(client)
    page = text(client.get("/offers/ship"))
    assert "This offer is for you." in page and "Get my in-store code" in page


@pytest.mark.parametrize("lang, words", [("en", "On everything in Hats, Baltic sweater"),
                                          ("es", "En todos los artículos de Gorros, Jersey báltico"),
                                          ("lv", "Visām precēm kategorijās: Cepures, Baltijas džemperis")])
def test_the_offer_page_names_what_it_is_on_in_the_page_s_language(client, lang, words):
    """A category offer names its categories, and a product offer its products, as the shop's
    navigation does in that language, not as the catalog stores them."""
    hats = make_category("Hats", slug="hats", translations={"es": {"name": "Gorros"}, "lv": {"name": "Cepures"}})
    make_product("Baltic sweater", slug="baltic-sweater-2", category=hats,
                 translations={"es": {"title": "Jersey báltico"}, "lv": {"title": "Baltijas džemperis"}})
    make_offer(slug="on-hats", target="categories", categories=[hats])
    on_categories, _, on_product = words.partition(", ")
    assert on_categories in text(client.get(f"/offers/on-hats?lang={lang}"))
    product = db.session.scalar(sa.select(Product).where(Product.slug == "baltic-sweater-2"))
    make_offer(slug="on-the-sweater", target="products", products=[product])
    assert on_product in text(client.get(f"/offers/on-the-sweater?lang={lang}"))


def test_an_unknown_or_draft_offer_page_is_not_found(client):
    make_offer(slug="draft", state="draft")
    assert client.get("/offers/draft").status_code == 404
    assert client.get("/offers/nothing").status_code == 404


def test_an_ended_offer_page_says_it_has_ended_without_a_countdown(client):
    now = dt.datetime.now(UTC)
    make_offer(slug="past", starts_at=now - dt.timedelta(days=2), ends_at=now - dt.timedelta(hours=1))
    page = text(client.get("/offers/past"))
    assert "This offer has ended." in page and "data-countdown" not in page


def test_the_in_store_qr_code_is_a_single_use_code_given_once_per_visit(client, app):
    offer = make_offer(slug="store")
    response = client.post("/offers/store/store-code")
    assert response.status_code == 303 and response.headers["Location"].endswith("/offers/store#store-code")
    page = text(client.get("/offers/store"))
    code = re.search(r'data-store-code="([A-Z0-9-]+)"', page).group(1)
    assert re.fullmatch(r"SHOP-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code)
    row = db.session.scalar(sa.select(OfferCode).where(OfferCode.code == code))
    assert (row.offer_id, row.kind, row.max_uses, row.channel, row.uses) == (offer.id, "store", 1, "store", 0)
    # The QR code is inline SVG (no style attribute: the CSP forbids it) encoding the scan page.
    svg = re.search(r'<svg viewBox="[^"]+" class="qr-code">.*?</svg>', page, re.S).group(0)
    assert "style=" not in svg
    expected = segno.make(f"http://shop.test/admin/offers/scan?code={code}", error="m")
    modules = re.compile(r'class="qr-module" stroke="#000" d="([^"]+)"')
    assert modules.search(expected.svg_inline(lineclass="qr-module", omitsize=True, border=4)).group(1) \
        == modules.search(svg).group(1)
    # Asking again in the same visit gives the same code, not another.
    client.post("/offers/store/store-code")
    assert db.session.scalar(sa.select(sa.func.count(OfferCode.id))) == 1
    # Another visit gets its own.
    other = app.test_client()
    other.post("/offers/store/store-code")
    assert db.session.scalar(sa.select(sa.func.count(OfferCode.id))) == 2


def test_a_direct_visitor_gets_no_store_code_for_a_tab_offer(client):
    make_offer(slug="friends", audience="tab_visitors", audience_pages=[f"meta:{META_PAGE}"])
    response = client.post("/offers/friends/store-code")
    assert response.status_code == 409
    assert "This offer is for shoppers who came from our page." in text(response)
    assert db.session.scalar(sa.select(sa.func.count(OfferCode.id))) == 0


# --- deep links -----------------------------------------------------------------------------

def test_an_offer_deep_link_from_a_launch_opens_the_offer_page(client):
    make_offer(slug="friends", audience="tab_visitors")
    make_offer(slug="draft", state="draft")
    assert launch(client, app_data="o:friends").headers["Location"] == "/offers/friends"
    assert launch(client, app_data="o:draft").headers["Location"] == "/"
    assert launch(client, app_data="o:no-such-offer").headers["Location"] == "/"


# --- the cart -------------------------------------------------------------------------------

def test_the_cart_says_how_much_more_to_add_for_a_minimum_subtotal_offer(client, sweater):
    make_offer(name="Ship free from €50", slug="ship", benefit="free_shipping", percent=None, min_subtotal=5000)
    add(client, sweater)
    page = text(client.get("/cart/"))
    assert "Add €10.00 more for free shipping." in page  # the cart's one free-shipping message
    assert page.count("€10.00 more") == 1
    add(client, sweater)
    page = text(client.get("/cart/"))
    assert "Add €10.00 more" not in page


def test_the_cart_shows_applied_offers_line_discounts_and_the_shipping_discount(client, sweater):
    make_offer(name="Spring 10", slug="spring", percent=10)
    make_offer(name="Ship free", slug="ship", benefit="free_shipping", percent=None)
    add(client, sweater)
    page = text(client.get("/cart/"))
    assert re.search(r'data-applied-offer="\d+"><span>Spring 10</span> <span class="amount">−€4.00', page)
    assert "You save €4.00" in page and 'data-discount>−€4.00' in page
    assert "data-shipping-discount>−€4.95" in page  # the shop's flat rate, taken off
    assert "data-total>€36.00" in page


def test_checkout_shows_the_discount_rows_and_offers_by_name(client, sweater):
    make_offer(name="Spring 10", slug="spring", percent=10)
    add(client, sweater)
    page = text(client.get("/checkout"))
    assert 'data-discount>−€4.00' in page and "Spring 10" in page


# --- query counts ---------------------------------------------------------------------------

def statements_for(client, count_queries, url: str) -> int:
    client.get(url)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def test_pages_run_as_many_queries_with_20_live_offers_as_with_1(client, sweater, count_queries):
    launch(client)
    add(client, sweater)
    make_offer(slug="first", products=[sweater], min_subtotal=100_000)
    urls = ["/", "/p/baltic-sweater", "/cart/", "/offers/first"]
    one = {url: statements_for(client, count_queries, url) for url in urls}
    for n in range(19):
        make_offer(slug=f"more-{n}", audience=["everyone", "tab_visitors", "members", "code_holders"][n % 4],
                   target=["order", "products", "categories"][n % 3], products=[sweater],
                   categories=[sweater.category], min_subtotal=100_000)
    twenty = {url: statements_for(client, count_queries, url) for url in urls}
    assert twenty == one
    assert len(banners(text(client.get("/")))) == 16  # not the 4 code-holder offers without a code
