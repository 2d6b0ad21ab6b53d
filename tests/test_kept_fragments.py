"""The layout's parts each process keeps between requests (`{% kept %}`, KeptFragments): the top
bar and brand, the category navigation and the footer. A page built from kept parts is byte for
byte the page rendered whole, in every language and with `?lang=`; each part follows what it
shows (the category being browsed, the settings, the free-shipping offer, the category tree),
and nothing of a visitor is kept."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from storefront import page_cache
from storefront.catalog.models import Product
from storefront.database import utcnow
from storefront.extensions import db
from storefront.shop_settings import runtime as settings_runtime
from storefront.shop_settings import service as settings_service
from tests.factories import make_category, make_product, make_user

from .backoffice.conftest import sign_in
from .promotions.conftest import make_offer

PAGES = ("/", "/c/scarves", "/c/hats", "/c/wool-hats", "/p/sea-scarf", "/search?q=scarf", "/cart/")


@pytest.fixture
def shelf():
    scarves = make_category("Scarves", slug="scarves", translations={"lv": {"name": "Šalles"}})
    hats = make_category("Hats", slug="hats", position=2)
    make_category("Wool hats", slug="wool-hats", parent=hats)
    make_product(title="Sea scarf", slug="sea-scarf", category=scarves, variants=[{"price": 2500, "stock": 5}])
    return scarves


def shelf_product() -> Product:
    return db.session.scalars(sa.select(Product).where(Product.slug == "sea-scarf")).one()


def rendered_whole(app, client, path: str, headers: dict) -> str:
    app.extensions["page_cache_paused"] = True  # every part rendered, nothing stored or kept
    try:
        return client.get(path, headers=headers).get_data(as_text=True)
    finally:
        app.extensions["page_cache_paused"] = False


def from_kept_parts(app, client, path: str, headers: dict) -> str:
    page_cache._bump_pages(app)  # a page miss, with the parts kept
    response = client.get(path, headers=headers)
    assert response.headers.get("X-Cache") != "HIT"
    return response.get_data(as_text=True)


def current_nav_item(page: str) -> list[str]:
    nav = re.search(r'<nav class="category-nav".*?</nav>', page, re.S).group(0)
    return re.findall(r'<a [^>]*aria-current="page"[^>]*>([^<]+)</a>', nav)


@pytest.mark.parametrize("language", ["en", "es", "lv"])
def test_a_page_of_kept_parts_is_the_page_rendered_whole(app, client, shelf, language):
    for query in ("", f"?lang={language}"):
        headers = {"Accept-Language": language}
        for path in PAGES:  # each page once, so that the parts are kept …
            from_kept_parts(app, client, path + ("&" if "?" in path else "?") + query[1:] if query else path, headers)
        for path in PAGES:  # … and then every page from them
            address = path + ("&" if "?" in path else "?") + query[1:] if query else path
            kept = from_kept_parts(app, client, address, headers)
            assert kept == rendered_whole(app, client, address, headers), address


def test_the_category_navigation_marks_the_category_browsed(app, client, shelf):
    for path, current in (("/c/scarves", ["Scarves"]), ("/c/hats", ["Hats"]), ("/c/wool-hats", ["Hats"]),
                          ("/", []), ("/c/scarves", ["Scarves"])):
        assert current_nav_item(from_kept_parts(app, client, path, {})) == current, path


def test_a_setting_changed_is_in_the_next_page(app, client, shelf):
    try:
        _a_setting_changed_is_in_the_next_page(app, client)
    finally:  # the environment's settings again, in this process too
        db.session.rollback()
        settings_service.reset_all(None, now=utcnow())
        settings_runtime.forget(app)


def _a_setting_changed_is_in_the_next_page(app, client):
    page = from_kept_parts(app, client, "/c/scarves", {})
    assert "All prices include VAT" in page and "Ziemeļu Vilna" in page
    with app.test_request_context("/"):
        settings_service.change_settings({"SHOP_NAME": "Vilna Riga"}, make_user("admin@example.com", "admin"),
                                         now=utcnow())
    page = from_kept_parts(app, client, "/c/scarves", {})
    assert "Ziemeļu Vilna" not in page
    assert page.count("Vilna Riga") >= 3  # the brand, the footer's name and its ©


def test_a_free_shipping_offer_is_in_the_top_bar_and_footer_of_the_next_page(app, client, shelf):
    assert "Free shipping from €60.00" in from_kept_parts(app, client, "/c/scarves", {})  # the shop's own
    make_offer(name="Ships free from €30", benefit="free_shipping", percent=None, min_subtotal=3000)
    page = from_kept_parts(app, client, "/c/scarves", {})
    announce = re.search(r'<div class="announce">.*?</div>', page, re.S).group(0)
    footer = re.search(r'<footer class="site-footer">.*?</footer>', page, re.S).group(0)
    assert "Free shipping from €30.00" in announce and "Free shipping from €30.00" in footer


def test_no_visitor_is_kept(app, client, shelf):
    """A shopper with a cart and a signed-in admin browse first; the parts kept then serve a new
    visitor, and hold neither's cart count, name or token."""
    shopper = app.test_client()
    scarf = shelf_product()
    assert shopper.post("/cart/add", data={"product_id": scarf.id, "variant_id": scarf.variants[0].id,
                                           "quantity": "2"}).status_code in (302, 303)
    staff = app.test_client()
    sign_in(staff, make_user("admin@example.com", "admin"))
    for browser in (shopper, staff):
        for path in PAGES:
            page_cache._bump_pages(app)
            browser.get(path)
    kept = app.extensions["page_cache_memos"]
    parts = "".join(entry[1] for (name, key), entry in kept.items() if isinstance(key, tuple) and key[0] == "fragment")
    assert "site-footer" in parts and "category-nav" in parts
    assert ">2</span>" in shopper.get("/cart/").get_data(as_text=True)  # (the cart the shopper has)
    assert "admin@example.com" not in parts and "csrf" not in parts.lower() and "data-cart-count" not in parts
