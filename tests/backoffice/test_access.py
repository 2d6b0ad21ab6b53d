"""Who may see the back office: deny by default, each route names its permission."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from storefront import create_app
from storefront.accounts.models import Permission
from storefront.catalog.models import Product
from storefront.extensions import db
from tests.factories import make_category, make_product

from .conftest import sign_in


def test_every_back_office_endpoint_names_the_permission_it_needs(app):
    admin_endpoints = [rule.endpoint for rule in app.url_map.iter_rules()
                       if rule.endpoint.startswith(("admin.", "customers."))]
    assert len(admin_endpoints) > 15
    unmarked = [e for e in admin_endpoints
                if not isinstance(getattr(app.view_functions[e], "required_permission", None), Permission)]
    assert unmarked == []


def test_a_back_office_route_without_a_permission_is_refused_to_everyone(app, database_url, tmp_path):
    # A fresh app, so a route can still be added to it before its first request.
    probe_app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                            "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False})
    probe_app.add_url_rule("/admin/forgotten", endpoint="admin.forgotten", view_func=lambda: "secret")
    with probe_app.app_context():
        from tests.factories import make_user

        user = make_user("root@example.com", "admin")
        client = probe_app.test_client()
        sign_in(client, user)
        response = client.get("/admin/forgotten")
        db.session.remove()
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)
    with probe_app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("url", ["/admin/", "/admin/products", "/admin/products/new", "/admin/categories",
                                 "/admin/catalog/import", "/admin/audit", "/admin/customers"])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/account/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("role", ["marketer", "support"])
def test_marketers_and_support_staff_cannot_edit_the_catalog(client, staff, role):
    product = make_product("Wool hat", variants=[{"sku": "HAT-1", "stock": 5}])
    staff(role)
    assert client.get("/admin/").status_code == 200
    for url in ["/admin/products", "/admin/products/new", f"/admin/products/{product.id}",
                "/admin/categories", "/admin/catalog/import", "/admin/audit"]:
        assert client.get(url).status_code == 403, url
    refused = [
        client.post("/admin/products/new", data={"title": "Sneaky", "category_id": product.category_id}),
        client.post(f"/admin/variants/{product.variants[0].id}/stock", data={"stock": "0"}),
        client.post(f"/admin/products/{product.id}", data={"title": "Renamed", "category_id": product.category_id}),
        client.post("/admin/catalog/export"),
    ]
    assert [r.status_code for r in refused] == [403] * 4
    db.session.expire_all()
    assert db.session.scalars(sa.select(Product.title)).all() == ["Wool hat"]
    assert product.variants[0].stock == 5


def test_the_dashboard_shows_each_role_only_the_links_it_may_use(client, staff):
    make_category()
    staff("support")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Dashboard" in page
    assert 'href="/admin/products"' not in page and "Audit log" not in page


def test_back_office_pages_can_never_be_framed(client, admin):
    response = client.get("/admin/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
