"""The catalog feed for social catalogs, share links with UTM tags, and the attribution hook.

`GET /feeds/catalog.csv` follows Meta's commerce-catalog CSV layout
(https://developers.facebook.com/docs/marketing-api/catalog/reference/): one row per variant of
an active product, `id` = the variant's SKU (the same id Meta sends back in the checkout link,
see `checkout.social_cart`), `item_group_id` = the product's id so variants group, `price` =
"129.00 EUR". When a variant has a compare-at price above its price, `price` is the compare-at
(regular) price and `sale_price` the price paid, as Meta's spec asks.

The feed is built from two queries whatever the catalog's size. Its ETag is a hash of the body, so
it changes with anything the feed shows (a stock change does not touch `products.updated_at`);
`Last-Modified` says when a product last changed and is informative only: 304 is answered to
`If-None-Match` alone.

Titles, descriptions and option values are in the language asked for (`?lang=`, else
Accept-Language, else the shop's default; `Content-Language` names it), read from the rows'
`translations` in the same statement; a `?lang=` feed links to product pages in that language.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..catalog.models import Product, ProductImage, Variant
from ..catalog.seo import absolute_url
from ..catalog.translations import localized, localized_option_value
from ..extensions import db
from ..money import format_major
from ..spreadsheets import writer as csv_writer
from ..templating import media_url
from . import attribution

bp = Blueprint("feeds", __name__)

FEED_COLUMNS = ("id", "title", "description", "availability", "condition", "price", "link", "image_link",
                "brand", "item_group_id", "sale_price")
# Meta's limits for these fields; longer values are cut rather than rejecting the row.
TITLE_LENGTH = 200
DESCRIPTION_LENGTH = 9999
BRAND_LENGTH = 100
FEED_MAX_AGE = 300


@dataclass(frozen=True)
class CatalogFeed:
    body: bytes
    etag: str
    last_modified: datetime | None


def _flat(text: str | None, limit: int) -> str:
    """Plain one-line text: feeds and spreadsheets read embedded line breaks badly."""
    return " ".join((text or "").split())[:limit]


def _first_images() -> dict[int, str]:
    """Each active product's first picture, in one query."""
    rows = db.session.execute(
        sa.select(ProductImage.product_id, ProductImage.filename)
        .join(Product, Product.id == ProductImage.product_id).where(Product.active.is_(True))
        .order_by(ProductImage.product_id, ProductImage.position, ProductImage.id))
    first: dict[int, str] = {}
    for product_id, filename in rows:
        first.setdefault(product_id, filename)
    return first


def build_catalog_feed() -> CatalogFeed:
    """The feed's CSV (UTF-8, header row first) with its ETag; two SQL statements in all."""
    config = current_app.config
    currency = config["SHOP_CURRENCY"]
    language = get_locale().language
    default_brand = _flat(config["SHOP_NAME"], BRAND_LENGTH)
    first_images = _first_images()
    variant_image = so.aliased(ProductImage)
    rows = db.session.execute(
        sa.select(Variant.id, Variant.sku, Variant.options, Variant.price, Variant.compare_at_price, Variant.stock,
                  Product.id, Product.slug, Product.title, Product.description, Product.brand, Product.option_names,
                  Product.updated_at, variant_image.filename, Product.translations)
        .join(Product, Product.id == Variant.product_id)
        .outerjoin(variant_image, variant_image.id == Variant.image_id)
        .where(Product.active.is_(True))
        .order_by(Product.id, Variant.position, Variant.id)
        .execution_options(yield_per=1000)
    )

    out = io.StringIO()
    writer = csv_writer(out)  # every cell guarded against spreadsheet formulas
    writer.writerow(FEED_COLUMNS)
    last_modified = None
    for (variant_id, sku, options, price, compare_at, stock, product_id, slug, title, description, brand,
         option_names, updated_at, image, translations) in rows:
        title = localized(translations, "title", title, language)
        description = localized(translations, "description", description, language)
        label = " / ".join(localized_option_value(translations, n, options[n], language)
                           for n in (option_names or []) if n in (options or {}))
        # Variants share the product's title; the option label tells the rows of a group apart.
        full_title = f"{title} ({label})" if label else title
        on_sale = compare_at is not None and compare_at > price
        picture = image or first_images.get(product_id)
        writer.writerow((
            sku,
            _flat(full_title, TITLE_LENGTH),
            _flat(description, DESCRIPTION_LENGTH) or _flat(title, DESCRIPTION_LENGTH),
            "in stock" if stock > 0 else "out of stock",
            "new",
            f"{format_major(compare_at if on_sale else price, currency)} {currency}",
            absolute_url(url_for("catalog.product", slug=slug, variant=variant_id)),
            absolute_url(media_url(picture)),
            _flat(brand, BRAND_LENGTH) or default_brand,
            str(product_id),
            f"{format_major(price, currency)} {currency}" if on_sale else "",
        ))
        if last_modified is None or updated_at > last_modified:
            last_modified = updated_at
    body = out.getvalue().encode("utf-8")
    return CatalogFeed(body, hashlib.sha256(body).hexdigest()[:32], last_modified)


@bp.get("/feeds/catalog.csv")
def catalog_csv():
    feed = build_catalog_feed()
    not_modified = request.if_none_match.contains(feed.etag)
    response = Response(b"" if not_modified else feed.body, status=304 if not_modified else 200,
                        mimetype="text/csv")
    response.charset = "utf-8"
    response.set_etag(feed.etag)
    if feed.last_modified is not None:
        response.last_modified = feed.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = FEED_MAX_AGE
    response.headers["Content-Language"] = str(get_locale())
    response.vary.add("Accept-Language")
    if not not_modified:
        response.headers["Content-Disposition"] = 'inline; filename="catalog.csv"'
    return response


# --- Share links ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShareLink:
    platform: str  # also the link's utm_source
    name: str  # the platform's own name, never translated
    href: str
    label: object  # the accessible label, translated


# The platforms' public share addresses: plain links, so no third-party script runs on our pages.
SHARE_TARGETS = (
    ("facebook", "Facebook", "https://www.facebook.com/sharer/sharer.php", lambda url, text: {"u": url}),
    ("x", "X", "https://x.com/intent/post", lambda url, text: {"url": url, "text": text}),
    ("whatsapp", "WhatsApp", "https://wa.me/", lambda url, text: {"text": f"{text} {url}"}),
    ("telegram", "Telegram", "https://t.me/share/url", lambda url, text: {"url": url, "text": text}),
    ("vk", "VK", "https://vk.com/share.php", lambda url, text: {"url": url, "title": text}),
)
COPY_LINK_SOURCE = "link"


def with_utm(url: str, source: str, *, medium: str = "social", campaign: str = "share") -> str:
    """The URL with UTM tags set (any tags it already had are replaced)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    query += [("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign)]
    return urlunsplit(parts._replace(query=urlencode(query)))


@bp.app_template_global()
def share_links(url: str, text: str) -> tuple[ShareLink, ...]:
    """Share buttons for a page: one per platform, each carrying the page's URL tagged for it.
    Kept per page and title (the label is translated when shown): a product page asks on every
    render, and building the five addresses cost a third of a millisecond."""
    return _share_links(str(url), str(text))


@lru_cache(maxsize=2048)
def _share_links(url: str, text: str) -> tuple[ShareLink, ...]:
    return tuple(ShareLink(platform, name, f"{base}?{urlencode(params(with_utm(url, platform), text))}",
                           _l("Share on %(platform)s", platform=name))
                 for platform, name, base, params in SHARE_TARGETS)


@bp.app_template_global()
def copy_link_url(url: str) -> str:
    return with_utm(url, COPY_LINK_SOURCE)
