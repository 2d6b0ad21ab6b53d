"""What the read-path tests share: a product with many reviews made fast, real reviews with replies
and follow-ups made through the services, and readers of the pages a shopper sees."""
from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import re

import sqlalchemy as sa

from reviews import stats
from reviews.models import Review, ReviewStatus
from reviews.service import ReviewDraft, write_unverified_review
from storefront.catalog.models import Product
from storefront.database import write_transaction
from storefront.extensions import db
from tests.reviews.factories import NOW

XSS = '</script><script>alert(1)</script><img src=x onerror=alert(2)>"\'&'
_tokens = itertools.count(1)


def bulk_reviews(product: Product, count: int, *, ratings=(5, 4, 2, 5, 1, 3, 4), languages=("en", "lv", "es"),
                 start: dt.datetime = NOW, status: str = ReviewStatus.PUBLISHED, **fields) -> None:
    """`count` reviews of the product written straight into the table (one executemany per chunk,
    not one service call each), then the product's figures rebuilt from the rows."""
    rows = []
    for n in range(count):
        rating = ratings[n % len(ratings)]
        row = dict(product_id=product.id, verified=True, author_name=f"Buyer {n}", email=f"buyer{n}@example.com",
                   language=languages[n % len(languages)], rating=rating, original_rating=rating,
                   title=f"Review {n}", body=f"Text of review {n}.", status=status, helpful_count=n % 17,
                   reviewer_token=f"bulk-{next(_tokens)}-{n}", created_at=start + dt.timedelta(minutes=n),
                   published_at=start + dt.timedelta(minutes=n) if status == ReviewStatus.PUBLISHED else None,
                   collection_method="post_fulfillment", variant_label="M", fit=("small", "true", "large")[n % 3])
        row.update(fields)
        rows.append(row)
    for begin in range(0, len(rows), 2000):
        db.session.execute(sa.insert(Review), rows[begin:begin + 2000])
    db.session.commit()
    recount(product.id)


def product_of(order) -> Product:
    """The product of the order's first line."""
    return db.session.get(Product, order.lines[0].product_id)


def recount(product_id: int) -> None:
    with write_transaction():
        stats.recount(product_id)


def unverified_review(product: Product, rating: int, *, now: dt.datetime, language: str = "en",
                      name: str = "Guest", title: str = "", body: str = "", fit: str | None = None) -> Review:
    """A review without an order (only where the shop allows it), through the write path."""
    return write_unverified_review(product.id, ReviewDraft(rating=rating, language=language, author_name=name,
                                                           title=title, body=body, fit=fit),
                                   email=f"{name.lower().replace(' ', '')}@example.com", now=now)


def review_ids_in_order(page_html: str) -> list[int]:
    """The reviews a page lists, in order (the side-by-side pair left out)."""
    listing = page_html.split('class="review-list"', 1)[1] if 'class="review-list"' in page_html else ""
    return [int(n) for n in re.findall(r'<article class="review" id="review-(\d+)"', listing)]


def side_by_side(page_html: str) -> list[int]:
    if 'class="review-pair"' not in page_html:
        return []
    pair = page_html.split('class="review-pair"', 1)[1].split('class="reviews-list-heading"', 1)[0]
    return [int(n) for n in re.findall(r'id="pair-review-(\d+)"', pair)]


def json_ld_blocks(page_html: str) -> list[str]:
    return re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page_html, re.S)


def json_ld(page_html: str) -> dict:
    blocks = json_ld_blocks(page_html)
    assert len(blocks) == 1, blocks
    return json.loads(blocks[0])


def text_of(page_html: str) -> str:
    """The page's visible words, tags removed and whitespace folded."""
    without_tags = re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", page_html, flags=re.S))
    return " ".join(html.unescape(without_tags).split())
