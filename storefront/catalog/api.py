"""`/api/v1/products`: the catalog for partners and the demo page, read-only.

Views parse the query, ask `catalog.browse` and dump with `catalog.schemas`; errors propagate to
`storefront.errors`, which answers `{"error": {"code", "message", "field"}}`. Texts are in the
language asked for (`?lang=`, else Accept-Language; `storefront.i18n`), which `Content-Language`
names.
"""
from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_babel import get_locale
from flask_smorest import Blueprint

from . import browse
from .schemas import ProductDetailSchema, ProductListArgsSchema, ProductPageSchema, error_responses

blp = Blueprint("products", __name__, description="Products for sale, with their variants, in the language "
                                                  "asked for (`?lang=` or Accept-Language).")

# Ids beyond a 32-bit integer cannot exist; refusing them in the route keeps them away from SQL
# (SQLite cannot bind integers past 64 bits at all).
MAX_ID = 2**31 - 1


@blp.after_request
def name_the_language(response: Response) -> Response:
    """Say which language the texts are in; a cache keeps one answer per Accept-Language."""
    response.headers["Content-Language"] = str(get_locale())
    response.vary.add("Accept-Language")
    return response


@blp.route("")
class Products(MethodView):
    @blp.arguments(ProductListArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, ProductPageSchema)
    @error_responses(blp, 404, 422)
    def get(self, page: int, per_page: int, sort: str, category: str | None = None, q: str | None = None):
        """List active products, newest first by default.

        Filter by category slug (subcategories included) and search words; sort by newest,
        price_asc, price_desc or name. 404 `category_not_found` for an unknown category.
        """
        in_category = browse.get_category(category) if category else None
        return browse.list_products(category=in_category, search=q, sort=sort, page=page, per_page=per_page)


@blp.route(f"/<int(max={MAX_ID}):product_id>")
class ProductDetail(MethodView):
    @blp.response(200, ProductDetailSchema)
    @error_responses(blp, 404)
    def get(self, product_id: int):
        """One product with its category, images and every variant's price and stock.

        404 `product_not_found` when there is no active product with this id.
        """
        return browse.get_product_by_id(product_id)
