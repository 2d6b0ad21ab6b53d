"""Back-office pages: the dashboard (with its charts and CSVs), products, variants, stock, images,
categories, CSV, audit log.

Views parse a form, call one service (catalog.editing, catalog.images, backoffice.imports) and
render. A `ShopError` from a service is shown on the field it names and answered with its 4xx
status; nothing has been written then. Every route names its permission (deny by default).
"""
from __future__ import annotations

import base64
import hashlib
import re

from flask import (Response, current_app, flash, jsonify, redirect, render_template, request,
                   stream_with_context, url_for)
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from promotions import staff_actions

from ..accounts.models import Permission
from ..audit import targets as audit_names
from ..audit import words as audit_words
from ..accounts.permissions import permission_required
from ..catalog import csv_io, editing, images, pages
from ..catalog.csv_io import export_lines
from ..catalog.translations import other_languages
from ..database import utcnow
from ..errors import ShopError
from ..security import allow_sources
from . import audit_targets  # noqa: F401  (names orders, the catalog, staff, settings in the audit log)
from . import bp, dashboard, imports, queries
from . import dashboard_charts as charts
from . import models as _models  # noqa: F401  (registers ImportJob with the metadata)
from . import order_views  # noqa: F401  (adds the order pages to this blueprint)
from .forms import (AuditFilterForm, BulkProductsForm, CategoryForm, ImageAltForm, ImageMoveForm, ImageUploadForm,
                    ImportForm, ProductFilterForm, ProductForm, StockForm, fill_translations, option_translations_of,
                    option_values, option_word_rows, translated_form, translations_of, variant_form_for)
from .shell import ConfirmForm, acting_user, page_number, submit

catalog_permission = permission_required(Permission.MANAGE_CATALOG)


# --- dashboard ---------------------------------------------------------------------------------

def _period() -> dashboard.Period:
    """The period asked for by `?period=` (and `?from=`, `?to=` for a custom one). :raise InvalidPeriod:"""
    return dashboard.period_for(request.args.get("period"), utcnow(), current_app.config["SHOP_TIMEZONE"],
                                date_from=request.args.get("from"), date_to=request.args.get("to"))


def _narrow() -> bool:
    """`?size=narrow`: the phone's version of a chart."""
    return request.args.get("size") == "narrow"


def _section(name: str) -> None:
    dashboard.require_section(acting_user(), name)


@bp.get("/", endpoint="dashboard")
@permission_required(Permission.ACCESS_BACKOFFICE)
def dashboard_page():
    sections = dashboard.sections_for(acting_user())
    try:
        period = _period()
    except dashboard.InvalidPeriod as error:
        return render_template("admin/dashboard.html", sections=sections, period=None, error=error.message,
                               args=request.args), error.status
    return render_template("admin/dashboard.html", sections=sections, period=period, args=request.args,
                           figures=dashboard.figures(sections, period, utcnow()), low_stock=queries.LOW_STOCK,
                           decimal=format_decimal)


def _svg(svg: str) -> Response:
    # An SVG shown through <img> is governed by its own response's CSP: allow exactly its own
    # <style> blocks, by hash (a nonce-based policy ignores 'unsafe-inline').
    for style in re.findall(r"<style[^>]*>(.*?)</style>", svg, flags=re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        allow_sources("style-src", f"'sha256-{digest}'")
    return Response(svg, mimetype="image/svg+xml")


def _csv(text: str, name: str, period: dashboard.Period | None = None) -> Response:
    days = f"-{period.first_day.isoformat()}-{period.last_day.isoformat()}" if period else ""
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="dashboard-{name}{days}.csv"'})


@bp.get("/dashboard/sales.svg")
@permission_required(Permission.ACCESS_BACKOFFICE)
def dashboard_sales_chart():
    _section("sales")
    return _svg(charts.sales_svg(dashboard.daily_sales(_period()), current_app.config["SHOP_CURRENCY"],
                                 narrow=_narrow()))


@bp.get("/dashboard/sales.csv")
@permission_required(Permission.ACCESS_BACKOFFICE)
def dashboard_sales_csv():
    _section("sales")
    period = _period()
    return _csv(charts.sales_csv(dashboard.daily_sales(period), current_app.config["SHOP_CURRENCY"]), "sales", period)


@bp.get("/dashboard/channels.svg")
@permission_required(Permission.ACCESS_BACKOFFICE)
def dashboard_channels_chart():
    _section("channels")
    return _svg(charts.funnel_svg(dashboard.funnel(_period()), _("no source"), narrow=_narrow()))


@bp.get("/dashboard/channels.csv")
@permission_required(Permission.ACCESS_BACKOFFICE)
def dashboard_channels_csv():
    _section("channels")
    period = _period()
    return _csv(charts.funnel_csv(dashboard.funnel(period)), "channels", period)


@bp.get("/dashboard/ratings.svg")
@permission_required(Permission.ACCESS_BACKOFFICE)
def dashboard_ratings_chart():
    _section("care")
    return _svg(charts.ratings_svg(dashboard.care(_period(), utcnow()), narrow=_narrow()))


@bp.get("/dashboard/ratings.csv")
@permission_required(Permission.ACCESS_BACKOFFICE)
def dashboard_ratings_csv():
    _section("care")
    period = _period()
    return _csv(charts.ratings_csv(dashboard.care(period, utcnow())), "ratings", period)


@bp.get("/dashboard/offers.csv")
@permission_required(Permission.ACCESS_BACKOFFICE)
def dashboard_offers_csv():
    _section("offers")
    return _csv(charts.offers_csv(dashboard.current_offers(utcnow()), current_app.config["SHOP_CURRENCY"]), "offers")


# --- products ----------------------------------------------------------------------------------

def _render_product_list(status: int = 200, stock_errors: dict | None = None, bulk_form=None):
    """The product list for the filters in the query string: 400 for a filter it does not know,
    404 for a page past the last one (each with the reason on the page)."""
    choices = queries.category_choices()
    filters = ProductFilterForm(request.args, category_choices=choices)
    bulk_form = bulk_form or BulkProductsForm(formdata=None, category_choices=choices)
    context = {"filters": filters, "bulk_form": bulk_form, "stock_form": StockForm(formdata=None),
               "stock_errors": stock_errors or {}, "low_stock": queries.LOW_STOCK, "page": None,
               "page_missing": False}
    if not filters.validate():
        return render_template("admin/products.html", **context), 400
    page = queries.product_page(page=page_number(), **filters.filters)
    if page.page > page.pages:
        return render_template("admin/products.html", **context | {"page_missing": True, "last": page.pages}), 404
    return render_template("admin/products.html", **context | {"page": page}), status


@bp.get("/products")
@catalog_permission
def products():
    return _render_product_list()


def _selected_ids() -> list[int]:
    """The ticked products' ids (`product_id`, repeated), or with "all on this page" ticked every
    product the page showed (`page_product_id`); a value that is not a number reads as not selected."""
    name = "page_product_id" if request.form.get("all_on_page") == "yes" else "product_id"
    return [int(value) for value in request.form.getlist(name) if value.isdigit() and len(value) < 12]


@bp.post("/products/bulk")
@catalog_permission
def products_bulk():
    """A bulk action on the ticked products: first a page naming how many will change, then (with
    `confirmed`) the change itself, all or nothing. The list's filters ride along in the query string."""
    form = BulkProductsForm(category_choices=queries.category_choices())
    ids = _selected_ids()
    try:
        if not form.validate_on_submit():
            raise editing.InvalidCatalogInput(_("Choose what to do with the selected products."), field="action")
        if not form.confirmed.data:
            selected, changing = editing.preview_bulk_change(ids, **form.change())
            category = dict(form.category_id.choices).get(form.category_id.data, "").lstrip("\u2014 ")
            return render_template("admin/products_bulk_confirm.html", form=form, selected=selected,
                                   changing=changing, category_name=category)
        changed = editing.bulk_update_products(acting_user(), ids, **form.change())
    except ShopError as error:
        flash(str(error.message), "error")
        return _render_product_list(error.status, bulk_form=form)
    flash(ngettext("%(num)d product changed.", "%(num)d products changed.", len(changed)), "success")
    return redirect(url_for(".products", **_list_args_after(form)))


def _list_args_after(form: BulkProductsForm) -> dict:
    """The list's query string to go back to: its filters, and its page unless the change may have
    taken products out of the filtered list (that page may then be past the end)."""
    args = request.args.to_dict()
    if args.get("category" if form.action.data == "set_category" else "active"):
        args.pop("page", None)
    return args


@bp.post("/variants/<int:variant_id>/stock")
@catalog_permission
def variant_stock(variant_id: int):
    form = StockForm()
    try:
        if not form.validate_on_submit():
            raise editing.InvalidStock(field="stock")
        variant = editing.set_stock(acting_user(), variant_id, form.stock.data, seen=form.seen.data)
    except ShopError as error:
        return _render_product_list(error.status, {variant_id: str(error.message)})
    flash(_("Stock of %(sku)s is now %(stock)d.", sku=variant.sku, stock=variant.stock), "success")
    return redirect(url_for(".products", **request.args))


def _languages() -> tuple[str, ...]:
    """The languages staff write beside the default one."""
    return tuple(other_languages())


def _product_form(product=None, **kwargs) -> ProductForm:
    form = translated_form(ProductForm, _languages())(obj=product, **kwargs)
    form.category_id.choices = queries.category_choices(_("Choose a category"))
    if product is not None and request.method == "GET":
        form.option_names.data = ", ".join(product.option_names or [])
        fill_translations(form, product.translations, _languages())
    return form


def _option_values(product) -> dict[str, list[str]]:
    """Each of the product's options with the values its variants use, as stored."""
    return {choice.name: [value for value, _label in choice.values] for choice in pages.option_values(product)}


def _product_fields(form: ProductForm, product=None) -> dict:
    translations = translations_of(form, _languages())
    if product is not None:
        words = option_translations_of(request.form, list(product.option_names or []), _option_values(product),
                                       _languages())
        for language, entry in words.items():
            translations[language].update(entry)
    return {"title": form.title.data, "slug": form.slug.data, "description": form.description.data,
            "brand": form.brand.data, "category_id": form.category_id.data, "active": form.active.data,
            "option_names": form.option_names.data or "", "translations": translations}


def _option_words(product) -> dict[str, list[dict]]:
    """The product form's option-word inputs per language (what was sent, on a refused POST)."""
    formdata = request.form if request.method == "POST" else None
    names, values = list(product.option_names or []), _option_values(product)
    return {language: option_word_rows(names, values, product.translations, language, formdata)
            for language in _languages()}


@bp.route("/products/new", methods=["GET", "POST"])
@catalog_permission
def product_new():
    form = _product_form()
    sent = submit(form, lambda: editing.create_product(acting_user(), **_product_fields(form)))
    if sent.done:
        flash(_("Product created. Now add its variants."), "success")
        return redirect(url_for(".product_edit", product_id=sent.result.id))
    return render_template("admin/product_form.html", form=form, product=None,
                           translation_languages=_languages(), option_words={}), sent.status


def _render_product_edit(product, form=None, upload_form=None, status: int = 200):
    return render_template(
        "admin/product_form.html", product=product, form=form or _product_form(product),
        translation_languages=_languages(), option_words=_option_words(product),
        upload_form=upload_form or ImageUploadForm(formdata=None), confirm_form=ConfirmForm(),
        alt_form=ImageAltForm(formdata=None), move_form=ImageMoveForm(formdata=None),
        price_text=editing.price_as_text, low_stock=queries.LOW_STOCK), status


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@catalog_permission
def product_edit(product_id: int):
    product = editing.get_product_for_edit(product_id)
    form = _product_form(product)
    sent = submit(form, lambda: editing.update_product(acting_user(), product_id, **_product_fields(form, product)))
    if sent.done:
        flash(_("Product saved."), "success")
        return redirect(url_for(".product_edit", product_id=product_id))
    return _render_product_edit(editing.get_product_for_edit(product_id), form, status=sent.status)


# --- variants ----------------------------------------------------------------------------------

def _variant_form(product, variant=None):
    names = list(product.option_names or [])
    if request.method == "POST":
        return variant_form_for(names)
    data = {}
    if variant is not None:
        data = {"sku": variant.sku, "price": editing.price_as_text(variant.price),
                "compare_at_price": editing.price_as_text(variant.compare_at_price), "stock": str(variant.stock),
                "stock_seen": str(variant.stock)}
        data.update({f"option_{i}": variant.options.get(name, "") for i, name in enumerate(names)})
    return variant_form_for(names, data=data)


def _variant_fields(form, product) -> dict:
    return {"sku": form.sku.data, "options": option_values(form, list(product.option_names or [])),
            "price": form.price.data, "compare_at_price": form.compare_at_price.data, "stock": form.stock.data}


def _save_variant(product, variant=None):
    form = _variant_form(product, variant)

    def save():
        if variant is None:
            return editing.add_variant(acting_user(), product.id, **_variant_fields(form, product))
        return editing.update_variant(acting_user(), variant.id, **_variant_fields(form, product),
                                      stock_seen=form.stock_seen.data)

    sent = submit(form, save)
    if sent.done:
        flash(_("Variant saved."), "success")
        return redirect(url_for(".product_edit", product_id=product.id))
    return render_template("admin/variant_form.html", form=form, product=product, variant=variant,
                           confirm_form=ConfirmForm()), sent.status


@bp.route("/products/<int:product_id>/variants/new", methods=["GET", "POST"])
@catalog_permission
def variant_new(product_id: int):
    return _save_variant(editing.get_product_for_edit(product_id))


@bp.route("/variants/<int:variant_id>", methods=["GET", "POST"])
@catalog_permission
def variant_edit(variant_id: int):
    variant = editing.get_variant_for_edit(variant_id)
    return _save_variant(variant.product, variant)


@bp.post("/variants/<int:variant_id>/delete")
@catalog_permission
def variant_delete(variant_id: int):
    product = editing.delete_variant(acting_user(), variant_id)
    flash(_("Variant deleted."), "success")
    return redirect(url_for(".product_edit", product_id=product.id))


# --- images ------------------------------------------------------------------------------------

@bp.post("/products/<int:product_id>/images")
@catalog_permission
def image_upload(product_id: int):
    editing.get_product_for_edit(product_id)  # a missing product is a 404 before its upload is read
    form = ImageUploadForm()
    sent = submit(form, lambda: images.add_image(acting_user(), product_id, form.image.data.stream, form.alt.data))
    if sent.done:
        flash(_("Image added."), "success")
        return redirect(url_for(".product_edit", product_id=product_id) + "#images")
    return _render_product_edit(editing.get_product_for_edit(product_id), upload_form=form, status=sent.status)


@bp.post("/images/<int:image_id>/alt")
@catalog_permission
def image_alt(image_id: int):
    # CSRFProtect has checked the token; the service checks the text and raises on a bad one.
    image = images.set_alt_text(acting_user(), image_id, request.form.get("alt", ""))
    flash(_("Alt text saved."), "success")
    return redirect(url_for(".product_edit", product_id=image.product_id) + "#images")


@bp.post("/images/<int:image_id>/move")
@catalog_permission
def image_move(image_id: int):
    image = images.move_image(acting_user(), image_id, request.form.get("direction", ""))
    return redirect(url_for(".product_edit", product_id=image.product_id) + "#images")


@bp.post("/images/<int:image_id>/delete")
@catalog_permission
def image_delete(image_id: int):
    product_id = images.delete_image(acting_user(), image_id)
    flash(_("Image deleted."), "success")
    return redirect(url_for(".product_edit", product_id=product_id) + "#images")


# --- categories --------------------------------------------------------------------------------

@bp.get("/categories")
@catalog_permission
def categories():
    return render_template("admin/categories.html", tree=queries.category_tree(), confirm_form=ConfirmForm())


def _save_category(category=None):
    form = translated_form(CategoryForm, _languages())(obj=category)
    form.parent_id.choices = queries.category_choices(_("None (top level)"))
    if category is not None and request.method == "GET":
        form.parent_id.data = category.parent_id or 0
        fill_translations(form, category.translations, _languages())

    def save():
        fields = {"name": form.name.data, "slug": form.slug.data, "parent_id": form.parent_id.data or None,
                  "description": form.description.data or "",
                  "translations": translations_of(form, _languages())}
        if category is None:
            return editing.create_category(acting_user(), **fields)
        return editing.update_category(acting_user(), category.id, **fields)

    sent = submit(form, save)
    if sent.done:
        flash(_("Category saved."), "success")
        return redirect(url_for(".categories"))
    return render_template("admin/category_form.html", form=form, category=category,
                           translation_languages=_languages(), confirm_form=ConfirmForm()), sent.status


@bp.route("/categories/new", methods=["GET", "POST"])
@catalog_permission
def category_new():
    return _save_category()


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@catalog_permission
def category_edit(category_id: int):
    return _save_category(editing.get_category_for_edit(category_id))


@bp.post("/categories/<int:category_id>/delete")
@catalog_permission
def category_delete(category_id: int):
    try:
        editing.delete_category(acting_user(), category_id)
    except editing.CategoryInUse as error:
        flash(str(error.message), "error")
        return render_template("admin/categories.html", tree=queries.category_tree(),
                               confirm_form=ConfirmForm()), error.status
    flash(_("Category deleted."), "success")
    return redirect(url_for(".categories"))


# --- CSV export and import ---------------------------------------------------------------------

@bp.post("/catalog/export")
@catalog_permission
def catalog_export():
    imports.record_export(acting_user())
    filename = f"catalog-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(stream_with_context(export_lines()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/catalog/import", methods=["GET", "POST"])
@catalog_permission
def catalog_import():
    form = ImportForm()

    def start():
        upload = form.file.data
        return imports.start_import(acting_user(), upload.filename or "", upload.read(), str(get_locale()),
                                    run_in_background=current_app.config["IMPORT_IN_BACKGROUND"])

    sent = submit(form, start)
    if sent.done:
        return redirect(url_for(".import_job", job_id=sent.result.id))
    return render_template("admin/import.html", form=form, jobs=imports.recent_jobs(),
                           export_form=ConfirmForm(), columns=csv_io.all_columns(),
                           required=imports.CSV_REQUIRED, labels=imports.status_labels()), sent.status


@bp.get("/catalog/import/<int:job_id>")
@catalog_permission
def import_job(job_id: int):
    job = imports.get_job(job_id)
    return render_template("admin/import_job.html", job=job, progress=imports.progress_of(job),
                           labels=imports.status_labels())


@bp.get("/catalog/import/<int:job_id>/progress")
@catalog_permission
def import_progress(job_id: int):
    return jsonify(imports.progress_of(imports.get_job(job_id)))


# --- audit log ---------------------------------------------------------------------------------

@bp.get("/audit")
@permission_required(Permission.VIEW_AUDIT_LOG)
def audit_log():
    form = AuditFilterForm(request.args, actors=[(email, audit_words.actor_name(email))
                                                 for email in queries.audit_actors()])
    if not form.validate():
        return render_template("admin/audit.html", form=form, page=None, offer_sentences={}, names={}), 400
    page = queries.audit_page(page_number(), actor_email=form.who.data or None,
                              action_prefixes=form.action_prefixes())
    # An offer's entries in the sentences its own page shows ("Changed the amount from €10.00 to
    # €15.00"): promotions knows what its fields mean.
    offer_sentences = staff_actions.offer_action_sentences([e for e in page.items if e.target_type == "offer"])
    # What each entry was done to, by name and linked, and the ids among its details by name.
    names = audit_names.name_all(audit_names.referenced(page.items))
    return render_template("admin/audit.html", form=form, page=page, offer_sentences=offer_sentences, names=names)

