"""What a shared product link unfurls into: Open Graph and Twitter Card tags, schema.org JSON-LD.

Crawlers need absolute URLs, so every link here is built on `PUBLIC_BASE_URL` when it is set (the
shop behind a proxy or inside a platform's frame) and on the request's own host otherwise.
References: https://ogp.me/, https://developer.x.com/en/docs/x-for-websites/cards,
https://schema.org/Product and https://developers.google.com/search/docs/appearance/structured-data/product.
"""
from __future__ import annotations

from flask import current_app, has_request_context, request

from ..money import format_major
from ..templating import media_url, path_for
from . import browse
from .models import Product
from .pages import stock_state

DESCRIPTION_LENGTH = 200


def absolute_url(path: str) -> str:
    return _base_url() + path


def _base_url() -> str:
    """The shop's address without the trailing slash, once per request (a product page makes
    two dozen absolute links). Outside a request only PUBLIC_BASE_URL can say it."""
    if not has_request_context():
        return (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")
    this_request = request._get_current_object()
    base = getattr(this_request, "shop_base_url", None)
    if base is None:
        base = this_request.shop_base_url = (current_app.config.get("PUBLIC_BASE_URL")
                                             or this_request.host_url).rstrip("/")
    return base


def product_url(product: Product, variant_id: int | None = None) -> str:
    if variant_id is None:
        return absolute_url(path_for("catalog.product", slug=product.slug))
    return absolute_url(path_for("catalog.product", slug=product.slug, variant=variant_id))


def product_image_urls(product: Product) -> list[str]:
    if not product.images:
        return [absolute_url(media_url(None))]
    return [absolute_url(media_url(image.filename)) for image in product.images]


def short_description(text: str | None) -> str:
    """The description as one line, cut at a word boundary, for cards and meta tags."""
    flat = " ".join((text or "").split())
    if len(flat) <= DESCRIPTION_LENGTH:
        return flat
    return flat[:DESCRIPTION_LENGTH].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def product_meta_tags(product: Product, shop_name: str) -> list[tuple[str, str, str]]:
    """(attribute, name, content) triples: Open Graph uses `property`, Twitter uses `name`."""
    currency = current_app.config["SHOP_CURRENCY"]
    description = short_description(product.localized("description"))
    image = product_image_urls(product)[0]
    title = product.localized("title")
    available = any(v.stock > 0 for v in product.variants)
    tags = [
        ("property", "og:type", "product"),
        ("property", "og:site_name", shop_name),
        ("property", "og:title", title),
        ("property", "og:description", description),
        ("property", "og:url", product_url(product)),
        ("property", "og:image", image),
        ("property", "product:price:amount", format_major(product.price_min, currency)),
        ("property", "product:price:currency", currency),
        ("property", "product:availability", "in stock" if available else "out of stock"),
        ("name", "twitter:card", "summary_large_image"),
        ("name", "twitter:title", title),
        ("name", "twitter:description", description),
        ("name", "twitter:image", image),
    ]
    if product.main_image is not None:
        tags.append(("property", "og:image:alt", product.image_alt(product.main_image)))
    return tags


def review_json_ld(review) -> dict:
    """A schema.org Review of a shown review as its card leads: the rating that counts now, the
    reviewer's own words in their language (a rating-only review has no body). A review updated
    after our reply says what the update says (without the original's title, which named the
    first version), as the reviews feed sends it; an update without words keeps the original's."""
    data = {
        "@type": "Review",
        "author": {"@type": "Person", "name": review.author_name},
        "datePublished": review.created_at.date().isoformat(),
        "inLanguage": review.language,
        "reviewRating": {"@type": "Rating", "ratingValue": review.rating, "bestRating": 5, "worstRating": 1},
    }
    update = review.follow_up
    if update is not None:
        data["dateModified"] = update.created_at.date().isoformat()
    if update is not None and update.body:
        data["reviewBody"] = update.body
        return data
    if review.title:
        data["name"] = review.title
    if review.body:
        data["reviewBody"] = review.body
    return data


def reviews_json_ld(reviews) -> dict:
    """`aggregateRating` and `review` for a product whose page shows `reviews` (a
    `reviews.queries.ProductReviews`): exactly what the page shows, nothing when it shows no
    review. Only on the Product — Google ignores, and treats as self-serving, ratings a shop puts
    on its own Organization or LocalBusiness."""
    if reviews is None or not reviews.summary.count:
        return {}
    return {
        "aggregateRating": {"@type": "AggregateRating", "ratingValue": str(reviews.summary.average),
                            "reviewCount": reviews.summary.count, "bestRating": 5, "worstRating": 1},
        "review": [review_json_ld(review) for review in reviews.shown],
    }


def product_json_ld(product: Product, shop_name: str, *, reviews_data: dict | None = None) -> dict:
    """A schema.org Product with one Offer per variant; prices as decimal strings, never floats;
    with the reviews the page shows (`reviews_data`: their `reviews_json_ld`, which the page keeps
    with its reviews section). The template writes it with `tojson`, which escapes `<`, `>`,
    `&` and `'` as \\u003c…, so a review saying `</script>` cannot end the script block. Names and
    descriptions are in the page's language."""
    currency = current_app.config["SHOP_CURRENCY"]
    title = product.localized("title")
    offers = [
        {
            "@type": "Offer",
            "sku": variant.sku,
            "name": variant.localized_label() or title,
            "price": format_major(variant.price, currency),
            "priceCurrency": currency,
            "availability": stock_state(variant.stock).schema_availability,
            "itemCondition": "https://schema.org/NewCondition",
            "url": product_url(product, variant.id),
        }
        for variant in product.variants
    ]
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": title,
        "description": short_description(product.localized("description")),
        "image": product_image_urls(product),
        "url": product_url(product),
        "brand": {"@type": "Brand", "name": product.brand or shop_name},
        "offers": offers,
    }
    if product.variants:
        data["sku"] = product.variants[0].sku
    category = browse.category_by_id(product.category_id)
    if category is not None:
        data["category"] = category.localized("name")
    data.update(reviews_data or {})
    return data
