"""The audit log's names for what the shop's core records: orders, the catalog, customers, staff,
settings and legal pages (`storefront.audit.targets`). Reviews, questions and the inbox are named
by `reviews.admin`, offers by `promotions.admin`."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _

from ..accounts.models import StaffInvitation, User
from ..audit.targets import Named, int_ids, names
from ..audit.words import value_words
from ..catalog.models import Category, Product, ProductImage, Variant
from ..customers import queries as customers
from ..extensions import db
from ..legal.service import PAGES as LEGAL_PAGES
from ..mail.service import MAIL_NAMES
from ..orders.models import Order
from ..shop_settings.registry import settings_for
from .locale_names import language_name
from .models import ImportJob

value_words("", "language", language_name)  # "Latvian" for "lv", also in a list of languages
value_words("", "translated", language_name)  # the languages whose translations an edit changed
value_words("order.", "kind", MAIL_NAMES)  # the e-mail sent again: "Receipt", not "receipt"


@names("order")
def _orders(numbers: list[str]) -> dict[str, Named]:
    rows = db.session.execute(sa.select(Order.id, Order.number).where(Order.number.in_(numbers)))
    return {number: Named(number, url_for("admin.order_detail", order_id=order_id)) for order_id, number in rows}


@names("customer")
def _customers(ids: list[str]) -> dict[str, Named]:
    """A customer is known by an order of theirs (the key of their page): named by its address."""
    rows = db.session.execute(sa.select(Order.id, Order.email).where(Order.id.in_(int_ids(ids))))
    return {str(key): Named(_("Erased customer") if customers.is_erased(email) else email,
                            url_for("customers.customer", key=key)) for key, email in rows}


@names("product")
def _products(ids: list[str]) -> dict[str, Named]:
    products = db.session.scalars(sa.select(Product).where(Product.id.in_(int_ids(ids))))
    return {str(p.id): Named(p.localized("title"), url_for("admin.product_edit", product_id=p.id)) for p in products}


@names("variant")
def _variants(ids: list[str]) -> dict[str, Named]:
    rows = db.session.execute(sa.select(Variant.id, Variant.sku, Product)
                              .join(Product, Product.id == Variant.product_id).where(Variant.id.in_(int_ids(ids))))
    return {str(variant_id): Named(_("%(product)s, SKU %(sku)s", product=product.localized("title"), sku=sku),
                                   url_for("admin.variant_edit", variant_id=variant_id))
            for variant_id, sku, product in rows}


@names("product_image")
def _images(ids: list[str]) -> dict[str, Named]:
    rows = db.session.execute(sa.select(ProductImage.id, Product)
                              .join(Product, Product.id == ProductImage.product_id)
                              .where(ProductImage.id.in_(int_ids(ids))))
    return {str(image_id): Named(product.localized("title"),
                                 url_for("admin.product_edit", product_id=product.id) + "#images")
            for image_id, product in rows}


@names("category")
def _categories(ids: list[str]) -> dict[str, Named]:
    categories = db.session.scalars(sa.select(Category).where(Category.id.in_(int_ids(ids))))
    return {str(c.id): Named(c.localized("name"), url_for("admin.category_edit", category_id=c.id))
            for c in categories}


@names("user")
def _staff(ids: list[str]) -> dict[str, Named]:
    rows = db.session.execute(sa.select(User.id, User.email).where(User.id.in_(int_ids(ids))))
    return {str(user_id): Named(email, url_for("staff.member", user_id=user_id)) for user_id, email in rows}


@names("user_invitation")
def _invitations(ids: list[str]) -> dict[str, Named]:
    rows = db.session.execute(sa.select(StaffInvitation.id, StaffInvitation.email)
                              .where(StaffInvitation.id.in_(int_ids(ids))))
    return {str(invitation_id): Named(email, url_for("staff.members")) for invitation_id, email in rows}


@names("import_job")
def _imports(ids: list[str]) -> dict[str, Named]:
    rows = db.session.execute(sa.select(ImportJob.id, ImportJob.filename).where(ImportJob.id.in_(int_ids(ids))))
    return {str(job_id): Named(filename or str(job_id), url_for("admin.import_job", job_id=job_id))
            for job_id, filename in rows}


@names("catalog")
def _catalog(ids: list[str]) -> dict[str, Named]:
    return {target_id: Named("", url_for("admin.catalog_import")) for target_id in ids}  # "all": the whole catalog


@names("setting")
def _settings(keys: list[str]) -> dict[str, Named]:
    known = settings_for(current_app.config["SHOP_CURRENCY"])
    return {key: Named(str(known[key].label), url_for("settings_admin.edit") + f"#{key}") for key in keys if key in known}


@names("legal_page")
def _legal_pages(pages: list[str]) -> dict[str, Named]:
    return {page: Named(str(LEGAL_PAGES[page]), url_for("legal_admin.edit", page=page)) for page in pages
            if page in LEGAL_PAGES}
