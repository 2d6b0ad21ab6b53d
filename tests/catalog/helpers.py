"""Helpers for catalog page tests: reading what a shopper sees, and making big catalogs fast."""
from __future__ import annotations

import datetime as dt
import html
import json
import re
from html.parser import HTMLParser

import sqlalchemy as sa

from storefront.catalog.models import Category, Product, Variant
from storefront.database import utcnow
from storefront.extensions import db


def card_titles(page_html: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'class="card-title">([^<]*)<', page_html)]


class _HeadReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.json_ld: list[str] = []
        self._in_ld = False
        self.ld_nonce = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta[key] = attrs.get("content", "")
        if tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_ld = True
            self.ld_nonce = attrs.get("nonce")
            self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.json_ld[-1] += data


def read_head(page_html: str) -> _HeadReader:
    reader = _HeadReader()
    reader.feed(page_html)
    return reader


def json_ld(page_html: str) -> dict:
    blocks = read_head(page_html).json_ld
    assert len(blocks) == 1, "expected one JSON-LD block"
    return json.loads(blocks[0])


def bulk_products(category: Category, count: int, *, prefix: str = "bulk", variants_per_product: int = 1,
                  compare_at: bool = True, translated: bool = False) -> None:
    """Insert `count` products (with variants) in two statements; commits. `translated`: with
    Spanish and Latvian titles, descriptions and size names."""
    now = utcnow()
    rows = [
        {"slug": f"{prefix}-{i}", "title": f"Wool thing {prefix} {i}", "description": "Soft wool.",
         "brand": "", "category_id": category.id, "option_names": ["Size"], "active": True,
         "price_min": 1000 + i, "created_at": now - dt.timedelta(seconds=i + 1), "updated_at": now,
         "translations": _translations(f"{prefix} {i}") if translated else {}}
        for i in range(count)
    ]
    db.session.execute(sa.insert(Product), rows)
    ids = db.session.scalars(sa.select(Product.id).where(Product.slug.like(f"{prefix}-%"))).all()
    variants = [
        {"product_id": pid, "sku": f"{prefix}-{pid}-{j}", "options": {"Size": f"S{j}"}, "price": 1000 + j,
         "compare_at_price": 2000 if compare_at else None, "stock": 5, "position": j}
        for pid in ids for j in range(variants_per_product)
    ]
    db.session.execute(sa.insert(Variant), variants)
    db.session.commit()


def _translations(name: str) -> dict:
    return {"es": {"title": f"Cosa de lana {name}", "description": "Lana suave.", "options": {"Size": "Talla"}},
            "lv": {"title": f"Vilnas lieta {name}", "description": "Mīksta vilna.", "options": {"Size": "Izmērs"}}}
