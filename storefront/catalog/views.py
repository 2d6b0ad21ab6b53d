"""The shopper's catalog pages: home, category, product and search.

Views read the query string, call `browse`/`pages`, and render; they hold no SQL and no rules.
Unknown slugs raise `ProductNotFound`/`CategoryNotFound`, which the error handler turns into the
shop's 404 page in the shopper's language.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import get_locale

from promotions import stats as offer_stats
from reviews import sections as review_sections

from ..templating import path_for
from . import browse, kept, pages, seo
from . import search as product_search

bp = Blueprint("catalog", __name__)

HOME_SHELF_SIZE = 8
SALE_SHELF_SIZE = 4


@bp.app_template_global()
def product_path(slug: str) -> str:
    """The product page's address (`url_for("catalog.product", slug=slug)`)."""
    return path_for("catalog.product", slug=slug)


@bp.get("/")
def home():
    offer_stats.note_banner_views()  # the page shows the offers' banners
    return render_template(
        "catalog/home.html",
        categories=browse.top_categories(),
        newest=browse.newest_cards(HOME_SHELF_SIZE),
        on_sale=pages.on_sale_products(limit=SALE_SHELF_SIZE),
    )


@bp.get("/c/<slug>")
def category(slug: str):
    category = browse.get_category(slug)
    sort = browse.normalise_sort(request.args.get("sort"))
    listing = browse.list_cards(category=category, sort=sort, page=pages.parse_page(request.args.get("page")),
                                per_page=current_app.config["CATALOG_PAGE_SIZE"])
    return render_template(
        "catalog/category.html", category=category, breadcrumbs=browse.category_path(category.id),
        children=browse.subcategories(category), listing=listing, sort=sort, sorts=browse.SORTS,
    )


@bp.get("/search")
def search():
    query = request.args.get("q", "").strip()[:browse.MAX_SEARCH_LENGTH]
    sort = product_search.normalise_sort(request.args.get("sort"))
    listing = None
    if query:
        listing = product_search.search_cards(
            query, language=str(get_locale()), sort=sort, page=pages.parse_page(request.args.get("page")),
            per_page=current_app.config["CATALOG_PAGE_SIZE"])
    return render_template("catalog/search.html", query=query, listing=listing, sort=sort,
                           sorts=product_search.SEARCH_SORTS)


@bp.get("/p/<slug>")
def product(slug: str):
    return render_product_page(kept.product_for_page(slug), requested_variant=request.args.get("variant"))


def render_product_page(product, *, requested_variant=None, quantity="1", error=None, status: int = 200):
    """The product page; the cart's add view re-renders it, with the error, when an add is refused.

    Its reviews, their evidence and its answered questions are read in a fixed number of queries
    whatever their number, and kept apart from the page (`reviews.sections`)."""
    shop_name = current_app.config["SHOP_NAME"]
    language = str(get_locale())
    selected = pages.default_variant(product, requested_variant)
    offer_stats.note_banner_views(product)  # the page shows the banners of the offers on it
    sections, reviews_data = review_sections.product_sections(product, language)
    return render_template(
        "catalog/product.html",
        product=product,
        selected=selected,
        selected_image=pages.variant_image(selected, product),
        options=pages.option_values(product),
        breadcrumbs=browse.category_path(product.category_id),
        related=browse.related_products(product),
        meta_tags=seo.product_meta_tags(product, shop_name),
        json_ld=seo.product_json_ld(product, shop_name, reviews_data=reviews_data),
        canonical_url=seo.product_url(product),
        description=seo.short_description(product.localized("description")),
        quantity=quantity,
        error=error,
        review_sections=sections,
    ), status
