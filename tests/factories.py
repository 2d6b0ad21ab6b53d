"""Small builders for test data. Each commits, so a request in the test sees the rows."""
from __future__ import annotations

import itertools

from storefront.accounts.models import User
from storefront.catalog.models import Category, Product, Variant
from storefront.catalog.service import refresh_price_min
from storefront.extensions import db

_seq = itertools.count(1)


def make_category(name: str | None = None, parent: Category | None = None, **fields) -> Category:
    n = next(_seq)
    category = Category(name=name or f"Category {n}", slug=fields.pop("slug", f"category-{n}"),
                        parent=parent, **fields)
    db.session.add(category)
    db.session.commit()
    return category


def make_product(title: str | None = None, *, category: Category | None = None, variants=None,
                 option_names=("Size",), **fields) -> Product:
    """A product with variants, given as dicts of Variant fields (defaults: one size M, €25, 10)."""
    n = next(_seq)
    category = category or make_category()
    product = Product(title=title or f"Product {n}", slug=fields.pop("slug", f"product-{n}"),
                      description=fields.pop("description", f"Description of product {n}"),
                      category=category, option_names=list(option_names), **fields)
    for position, spec in enumerate(variants or [{}]):
        spec = dict(spec)
        spec.setdefault("sku", f"SKU-{n}-{position}")
        spec.setdefault("options", {"Size": ["S", "M", "L", "XL"][position % 4]})
        spec.setdefault("price", 2500)
        spec.setdefault("stock", 10)
        product.variants.append(Variant(position=position, **spec))
    db.session.add(product)
    refresh_price_min(product)
    db.session.commit()
    return product


def make_user(email: str = "staff@example.com", role: str = "admin", password: str = "correct horse battery") -> User:
    user = User(email=email, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user
