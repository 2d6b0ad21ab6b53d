"""What each process keeps between requests (`page_cache.remembered`) lags no more than a stored
page does: a page rendered from stand-ins (a 503 while the database is away or the shop sheds
load) keeps nothing, a write whose version bump the store refused is seen within
PAGE_CACHE_TTL, plain SQL through the session counts as a write to anything, and the values
kept stay bounded, the least recently used going first."""
from __future__ import annotations

import time
import uuid

import sqlalchemy as sa

from storefront import health, page_cache
from storefront.catalog.models import Product
from storefront.extensions import db
from tests.factories import make_category, make_product

NAV = 'class="category-nav"'
FOOTER_SHOP = '<h2 class="footer-heading">Shop</h2>'


def test_a_503_page_rendered_first_after_a_catalog_write_keeps_nothing(app, client):
    # Searches for words no other test asks for: addresses no stored page answers.
    words = iter(f"kept-{uuid.uuid4().hex[:8]}" for _ in range(3))
    hats = make_category("Hats", slug="hats")
    beanie = make_product(title="Beanie", slug="beanie", category=hats)
    page = client.get(f"/search?q={next(words)}").get_data(as_text=True)
    assert NAV in page and FOOTER_SHOP in page
    db.session.get(Product, beanie.id).title = "Wool beanie"  # an editor's change: every kept part is stale
    db.session.commit()
    # The first page after it is load shedding's 503, whose layout has no categories to show.
    refused = client.get(f"/search?q={next(words)}", environ_overrides={health.SHED: health.UNAVAILABLE})
    assert refused.status_code == 503 and NAV not in refused.get_data(as_text=True)
    page = client.get(f"/search?q={next(words)}").get_data(as_text=True)
    assert NAV in page and FOOTER_SHOP in page


def test_a_write_whose_bump_the_store_refused_is_seen_within_the_ttl(app, client, monkeypatch):
    gansey = make_product(title="Gansey", slug="gansey")
    page_cache._bump_pages(app)
    assert "Gansey" in client.get("/p/gansey").get_data(as_text=True)  # kept
    store = app.extensions["page_cache"]
    working = store.bump_marker

    def away(name):
        raise page_cache.StoreError("the store blinked")

    monkeypatch.setattr(store, "bump_marker", away)
    db.session.get(Product, gansey.id).title = "Harbour gansey"
    db.session.commit()  # logged: "may lag by PAGE_CACHE_TTL"
    monkeypatch.setattr(store, "bump_marker", working)
    page_cache._bump_pages(app)  # a later sale renders every page again …
    assert "Harbour gansey" not in client.get("/p/gansey").get_data(as_text=True)  # … from the product kept
    later = time.monotonic() + app.config["PAGE_CACHE_TTL"] + 1
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: later)
    page_cache._bump_pages(app)
    assert "Harbour gansey" in client.get("/p/gansey").get_data(as_text=True)


def test_plain_sql_through_the_session_counts_as_a_write_to_anything(app, client):
    gansey = make_product(title="Gansey", slug="gansey")
    page_cache._bump_pages(app)
    client.get("/p/gansey")
    db.session.execute(sa.text("UPDATE products SET title = 'Harbour gansey' WHERE id = :id"), {"id": gansey.id})
    db.session.commit()
    assert "Harbour gansey" in client.get("/p/gansey").get_data(as_text=True)
    assert db.session.execute(sa.text("SELECT 1")).scalar() == 1  # a read is no write
    assert None not in db.session.info.get(page_cache.CHANGED_TABLES, set())
    db.session.rollback()


def test_the_values_kept_are_bounded_and_the_least_recently_used_go_first(app, monkeypatch):
    monkeypatch.setattr(page_cache, "KEPT_VALUES", 8)
    memos = {}
    monkeypatch.setitem(app.extensions, "page_cache_memos", memos)  # this test's own, put back after

    def ask(key):
        with app.test_request_context("/"):
            return page_cache.remembered("categories", key, lambda: f"value {key}")

    for key in range(6):
        ask(key)
    ask(0)  # used again: now the most recent
    for key in range(6, 9):
        ask(key)
    kept = [key for _, key in memos]
    assert len(kept) <= 8 and 0 in kept and 1 not in kept
