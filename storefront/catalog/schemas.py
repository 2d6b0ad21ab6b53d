"""JSON shapes of the catalog API (`/api/v1/products`) and of the API's error body.

Schemas only read and present: prices are the catalog's integer minor units, sent with the shop's
currency and a formatted string in the shopper's language; image URLs are absolute so partners
can show them on their own pages. Every query they need comes from `catalog.browse`.
"""
from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, pre_dump, validate

from ..api_errors import ApiErrorSchema, error_responses  # noqa: F401  (re-exported)
from ..money import format_money
from ..text_input import Text
from . import browse
from .models import Product, ProductImage
from .pages import LOW_STOCK_THRESHOLD, stock_state, variant_image

# The codes of `pages.stock_state`: the API says what the product page says.
STOCK_STATES = ("in_stock", "low", "sold_out")
# Bounding ?page= keeps OFFSET (page × per_page) far inside every database's integers: a huge
# page number is a 422, never an overflow and a 500.
MAX_PAGE = 1_000_000
DEFAULT_PER_PAGE = 20
WHOLE_NUMBER = _l("Please enter a whole number.")


def absolute_media_url(image: ProductImage | None) -> str | None:
    if image is None or not image.filename:
        return None
    return url_for("media.media", filename=image.filename, _external=True)


def shop_currency(_obj=None) -> str:
    return current_app.config["SHOP_CURRENCY"]


def formatted(minor: int | None) -> str | None:
    return None if minor is None else format_money(minor)


def _category_slug(product: Product) -> str | None:
    # From the request's cached category list, so a page of products never loads categories
    # one by one (the listing's query count stays fixed).
    category = browse.category_by_id(product.category_id)
    return category.slug if category else None


class ProductListArgsSchema(Schema):
    """Query parameters of the product list."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(
        load_default=1, error_messages={"invalid": WHOLE_NUMBER},
        validate=validate.Range(min=1, max=MAX_PAGE, error=_l("Choose a page from 1 to {max}.")),
        metadata={"description": "Page number, from 1."})
    per_page = fields.Integer(
        load_default=DEFAULT_PER_PAGE, error_messages={"invalid": WHOLE_NUMBER},
        validate=validate.Range(min=1, max=browse.MAX_PER_PAGE, error=_l("Choose from {min} to {max} per page.")),
        metadata={"description": f"Products per page, 1 to {browse.MAX_PER_PAGE}."})
    category = Text(validate=validate.Length(min=1, max=80), metadata={
        "description": "A category slug; its subcategories are included."})
    q = Text(validate=validate.Length(max=browse.MAX_SEARCH_LENGTH), metadata={
        "description": "Search words, matched as the search page does: in titles, descriptions and category "
                       "names in every language the shop speaks, accents and case ignored, every word "
                       "matching (the start of a word from three letters on); punctuation is no syntax."})
    sort = fields.String(load_default=browse.DEFAULT_SORT, validate=validate.OneOf(
        list(browse.SORTS), error=_l("Choose one of: newest, price_asc, price_desc, name.")))


class ImageSchema(Schema):
    url = fields.Function(absolute_media_url, metadata={"description": "Absolute URL of the image."})
    alt = fields.String()
    width = fields.Integer()
    height = fields.Integer()


class CategorySchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.Function(lambda c: c.localized("name"), metadata={
        "type": "string", "description": "In the requested language."})


class VariantSchema(Schema):
    id = fields.Integer()
    sku = fields.String()
    options = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Option values keyed by the product's option names, e.g. {\"Size\": \"M\"}, as stored "
                       "in the shop's default language: the same in every language."})
    option_labels = fields.Function(
        lambda v: {name: v.product.option_value_label(name, value) for name, value in (v.options or {}).items()},
        metadata={"type": "object", "additionalProperties": {"type": "string"},
                  "description": "The option values in the requested language, keyed as `options`."})
    label = fields.Function(lambda v: v.localized_label(), metadata={
        "type": "string", "description": "The options as one line in the requested language, e.g. \"M / Navy\"."})
    price = fields.Integer(metadata={"description": "Price in minor units of `currency` (cents)."})
    compare_at_price = fields.Integer(allow_none=True, metadata={
        "description": "The earlier price, in minor units, when the variant is on sale."})
    currency = fields.Function(shop_currency)
    price_formatted = fields.Function(lambda v: formatted(v.price))
    on_sale = fields.Boolean()
    stock_state = fields.Function(lambda v: stock_state(v.stock).code, metadata={
        "type": "string", "enum": list(STOCK_STATES),
        "description": f"sold_out, low (at most {LOW_STOCK_THRESHOLD} left) or in_stock."})
    stock_label = fields.Function(lambda v: stock_state(v.stock).label, metadata={
        "type": "string", "description": "What the product page says, e.g. \"Only 3 left\"."})
    available = fields.Function(lambda v: stock_state(v.stock).quantity, metadata={
        "type": "integer", "description": "Units that can be added to a cart now."})
    image = fields.Function(lambda v: absolute_media_url(variant_image(v, v.product)), metadata={
        "type": "string", "nullable": True, "description": "Absolute URL of the variant's picture."})


class ProductSummarySchema(Schema):
    id = fields.Integer()
    slug = fields.String(metadata={"description": "The same in every language."})
    title = fields.Function(lambda p: p.localized("title"), metadata={
        "type": "string", "description": "In the requested language (else the shop's default)."})
    brand = fields.String()
    category = fields.Function(_category_slug, metadata={"type": "string", "description": "Category slug."})
    currency = fields.Function(shop_currency, metadata={"type": "string", "example": "EUR"})
    price_min = fields.Integer(metadata={"description": "Lowest variant price, in minor units."})
    price_max = fields.Integer(metadata={"description": "Highest variant price, in minor units."})
    price_min_formatted = fields.Function(lambda p: formatted(p.price_min), metadata={"type": "string"})
    compare_at_price = fields.Function(lambda p: p.compare_at_max, metadata={
        "type": "integer", "nullable": True, "description": "Highest earlier price when on sale."})
    in_stock = fields.Function(lambda p: p.total_stock > 0, metadata={"type": "boolean"})
    image = fields.Function(lambda p: absolute_media_url(p.main_image), metadata={
        "type": "string", "nullable": True, "description": "Absolute URL of the main picture."})


class ProductDetailSchema(ProductSummarySchema):
    description = fields.Function(lambda p: p.localized("description"), metadata={
        "type": "string", "description": "In the requested language (else the shop's default)."})
    option_names = fields.List(fields.String(), metadata={
        "description": "Options a shopper picks, in order: the keys of each variant's `options`."})
    option_labels = fields.Function(lambda p: {name: p.option_label(name) for name in p.option_names or []}, metadata={
        "type": "object", "additionalProperties": {"type": "string"},
        "description": "Each option's name in the requested language, keyed by `option_names`."})
    category = fields.Nested(CategorySchema)
    images = fields.List(fields.Nested(ImageSchema))
    variants = fields.List(fields.Nested(VariantSchema))


class PaginationSchema(Schema):
    total = fields.Integer(metadata={"description": "Products matching the query."})
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer(metadata={"description": "Number of pages (at least 1)."})


class ProductPageSchema(Schema):
    """One page of products: dumps a `browse.Page`."""

    items = fields.List(fields.Nested(ProductSummarySchema))
    pagination = fields.Nested(PaginationSchema)

    @pre_dump
    def split_page(self, page: browse.Page, **kwargs) -> dict:
        return {"items": page.items, "pagination": page}
