"""The back-office shell: every staff area denies by default, sends the staff headers, and shares
one layout, one nav and one error page (storefront.backoffice.shell)."""
from __future__ import annotations

import html
import re

import pytest

from storefront import create_app
from storefront.accounts.models import Permission
from storefront.accounts.permissions import permission_required
from storefront.backoffice.shell import staff_blueprint
from storefront.extensions import db
from tests.factories import make_order, make_product, make_user

from .conftest import sign_in


def sidebar(page: str) -> list[tuple[str, str]]:
    """The back-office nav's links as (href, text), without which one is current."""
    nav = re.search(r'<nav class="sidebar"[^>]*>(.*?)</nav>', page, flags=re.DOTALL)
    assert nav, "no back-office nav on the page"
    return [(href, html.unescape(text.strip()))
            for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav.group(1))]


def current_link(page: str) -> list[str]:
    nav = re.search(r'<nav class="sidebar"[^>]*>(.*?)</nav>', page, flags=re.DOTALL).group(1)
    return re.findall(r'<a href="[^"]+" aria-current="page">([^<]+)</a>', nav)


def assert_staff_headers(response) -> None:
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


ALL_LINKS = [("/admin/", "Dashboard"), ("/admin/orders", "Orders"), ("/admin/customers", "Customers"),
             ("/admin/products", "Products"),
             ("/admin/categories", "Categories"), ("/admin/catalog/import", "Import & export"),
             ("/admin/offers/", "Offers"), ("/admin/offers/scan", "Store scan"), ("/admin/inbox/", "Inbox"),
             ("/admin/inbox/reviews", "Reviews"), ("/admin/audit", "Audit log"), ("/admin/legal", "Legal pages"),
             ("/admin/settings", "Settings"), ("/admin/staff", "Staff"),
             ("/admin/account", "My account")]


def test_a_new_staff_area_refuses_its_routes_without_a_permission_mark(database_url, tmp_path):
    # A fresh app, so that a new staff area can be registered on it the way a real one is.
    probe = staff_blueprint("probe", __name__, url_prefix="/admin/probe")
    probe.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    probe.add_url_rule("/marked", "marked", permission_required(Permission.ACCESS_BACKOFFICE)(lambda: "welcome"))
    probe_app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                            "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False})
    probe_app.register_blueprint(probe)
    with probe_app.app_context():
        client = probe_app.test_client()
        sign_in(client, make_user("root@example.com", "admin"))
        refused = client.get("/admin/probe/forgotten")
        served = client.get("/admin/probe/marked")
        db.session.remove()
    with probe_app.app_context():
        db.engine.dispose()
    assert refused.status_code == 403
    assert "secret" not in refused.get_data(as_text=True)
    assert served.status_code == 200 and served.get_data(as_text=True) == "welcome"
    assert_staff_headers(refused)
    assert_staff_headers(served)


@pytest.mark.parametrize("url", ["/admin/", "/admin/products", "/admin/categories", "/admin/audit",
                                 "/admin/offers/", "/admin/offers/new", "/admin/offers/scan"])
def test_every_staff_page_of_both_areas_is_never_cached_or_framed(client, admin, url):
    response = client.get(url)
    assert response.status_code == 200
    assert_staff_headers(response)


def test_a_refusal_inside_the_back_office_is_never_cached_or_framed_either(client, staff):
    staff("support")
    for url in ["/admin/offers/", "/admin/products"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert_staff_headers(response)


def test_both_areas_show_the_same_nav_with_their_own_page_current(client, admin):
    catalog = client.get("/admin/products").get_data(as_text=True)
    offers = client.get("/admin/offers/").get_data(as_text=True)
    scan = client.get("/admin/offers/scan").get_data(as_text=True)
    assert sidebar(catalog) == sidebar(offers) == sidebar(scan) == ALL_LINKS
    assert current_link(catalog) == ["Products"]
    assert current_link(offers) == ["Offers"]
    assert current_link(scan) == ["Store scan"]


@pytest.mark.parametrize("role, links", [
    ("marketer", ["Dashboard", "Orders", "Offers", "Store scan", "My account"]),
    ("support", ["Dashboard", "Orders", "Customers", "Store scan", "Inbox", "Reviews", "My account"]),
])
def test_the_nav_shows_each_role_only_the_areas_it_may_use(client, staff, role, links):
    staff(role)
    for url in ["/admin/", "/admin/offers/scan"]:
        assert [text for _, text in sidebar(client.get(url).get_data(as_text=True))] == links


@pytest.mark.parametrize("lang, words", [
    ("en", ["Not allowed", "You do not have permission to see this page.", "Back to the dashboard",
            "Dashboard", "Orders", "Store scan"]),
    ("es", ["No permitido", "No tienes permiso para ver esta página.", "Volver al panel",
            "Panel", "Pedidos", "Escaneo en tienda"]),
    ("lv", ["Nav atļauts", "Jums nav atļaujas skatīt šo lapu.", "Atpakaļ uz pārskatu",
            "Pārskats", "Pasūtījumi", "Skenēšana veikalā"]),
])
def test_support_refused_the_offers_sees_the_403_inside_the_back_office_in_their_language(
        client, staff, lang, words):
    staff("support")
    response = client.get(f"/admin/offers/?lang={lang}")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert 'class="admin"' in page and "site-header" not in page
    for word in words:
        assert word in page, word
    assert [href for href, _ in sidebar(page)] == ["/admin/", "/admin/orders", "/admin/customers", "/admin/offers/scan",
                                                   "/admin/inbox/", "/admin/inbox/reviews", "/admin/account"]
    assert current_link(page) == []


def test_a_marketer_refused_the_catalog_sees_the_same_back_office_403(client, staff):
    staff("marketer")
    page = client.get("/admin/products").get_data(as_text=True)
    assert "Not allowed" in page and "Back to the dashboard" in page
    assert [text for _, text in sidebar(page)] == ["Dashboard", "Orders", "Offers", "Store scan", "My account"]


def test_a_shopper_facing_error_keeps_the_shop_layout(client):
    page = client.get("/no-such-page").get_data(as_text=True)
    assert "site-header" in page and 'class="sidebar"' not in page


@pytest.mark.parametrize("lang, label", [("en", "Marketer"), ("es", "Marketing"), ("lv", "Mārketinga speciālists")])
def test_the_top_bar_names_the_role_in_the_staff_members_language(client, staff, lang, label):
    staff("marketer")
    page = client.get(f"/admin/?lang={lang}").get_data(as_text=True)
    assert f'<span class="badge">{label}</span>' in page


def language_links(page: str) -> dict[str, str]:
    nav = re.search(r'<header class="topbar">.*?<nav class="lang-switch"[^>]*>(.*?)</nav>', page, flags=re.DOTALL)
    assert nav, "no language switch in the top bar"
    return {code: html.unescape(href) for href, code in re.findall(r'<a href="([^"]+)" hreflang="(\w+)"', nav.group(1))}


def test_staff_switch_language_from_the_top_bar_and_the_choice_stays_for_their_next_pages(client, admin):
    page = client.get("/admin/orders?status=paid").get_data(as_text=True)
    links = language_links(page)
    assert links == {"en": "/admin/orders?status=paid&lang=en", "es": "/admin/orders?status=paid&lang=es",
                     "lv": "/admin/orders?status=paid&lang=lv"}
    assert 'hreflang="en" lang="en" title="English" aria-current="true"' in page

    latvian = client.get(links["lv"]).get_data(as_text=True)
    assert '<html lang="lv" ' in latvian and 'hreflang="lv" lang="lv" title="Latviešu" aria-current="true"' in latvian
    assert '<html lang="lv" ' in client.get("/admin/products").get_data(as_text=True)  # kept without ?lang=


def test_a_back_office_page_shown_after_a_refused_post_switches_language_to_the_page_it_shows(client, admin):
    order = make_order(make_product(variants=[{"price": 1000, "stock": 5}]).variants[0])
    refused = client.post(f"/admin/orders/{order.id}/ship", data={"carrier": "", "tracking_number": ""})
    assert refused.status_code == 400
    assert language_links(refused.text)["es"] == f"/admin/orders/{order.id}?lang=es"

    other = client.post("/admin/settings", data={})  # a form without a page to name: the dashboard
    assert other.status_code == 400
    assert language_links(other.text)["lv"] == "/admin/?lang=lv"
