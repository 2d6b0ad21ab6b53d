"""Staff shape the category tree; it never loops, and a category with products is never lost."""
from __future__ import annotations

import sqlalchemy as sa

from storefront.catalog.models import Category
from storefront.extensions import db
from tests.factories import make_category, make_product

from .conftest import audit_actions


def test_admin_creates_a_subcategory_with_a_slug_from_its_name(client, admin):
    parent = make_category("Accessories", slug="accessories")
    response = client.post("/admin/categories/new", data={"name": "Winter Hats", "slug": "", "parent_id": str(parent.id)})
    assert response.status_code == 302
    created = db.session.scalar(sa.select(Category).where(Category.name == "Winter Hats"))
    assert (created.slug, created.parent_id) == ("winter-hats", parent.id)
    page = client.get("/admin/categories").get_data(as_text=True)
    assert page.index("Accessories") < page.index("Winter Hats")
    assert audit_actions() == ["category.create"]


def test_a_category_cannot_be_moved_inside_itself_or_its_children(client, admin):
    top = make_category("Top", slug="top")
    child = make_category("Child", parent=top, slug="child")
    grandchild = make_category("Grandchild", parent=child, slug="grandchild")
    for parent in (top, grandchild):
        response = client.post(f"/admin/categories/{top.id}", data={"name": "Top", "slug": "top",
                                                                    "parent_id": str(parent.id)})
        assert response.status_code == 400
        assert "cannot sit inside itself" in response.get_data(as_text=True)
    db.session.expire_all()
    assert top.parent_id is None and audit_actions() == []


def test_a_taken_category_slug_is_refused(client, admin):
    make_category("Hats", slug="hats")
    response = client.post("/admin/categories/new", data={"name": "Hats again", "slug": "hats", "parent_id": "0"})
    assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Category.id))) == 1


def test_a_category_with_products_or_children_cannot_be_deleted(client, admin):
    product = make_product()
    parent = make_category("Parent")
    make_category("Child", parent=parent)
    for category_id in (product.category_id, parent.id):
        response = client.post(f"/admin/categories/{category_id}/delete")
        assert response.status_code == 409
        assert "move them first" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Category.id))) == 3


def test_an_empty_category_is_deleted(client, admin):
    empty = make_category("Empty")
    assert client.post(f"/admin/categories/{empty.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Category.id))) == 0
    assert audit_actions() == ["category.delete"]
