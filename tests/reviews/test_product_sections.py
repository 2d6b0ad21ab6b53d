"""The product page's reviews and questions are stored apart from the page (`reviews.sections`): a
change to the rest of the page (a price, a stock state, an offer) renders the page again and reads
them back without their queries; a new review, vote, reply, question or answer shows on the very
next request, on every server process; each copy is kept per language and page address."""
from __future__ import annotations

import json
import re
import sqlite3
import time
import urllib.request

import pytest
import sqlalchemy as sa

from reviews import sections
from reviews.models import Review
from storefront import page_cache
from storefront.extensions import db
from tests.factories import make_product
from tests.reviews.factories import NOW
from tests.reviews.question_support import ask, brand_answer
from tests.reviews.read_support import unverified_review

# A statement reads one of these tables: the reviews' and questions' own.
SECTION_READ = re.compile(r'\b(?:FROM|JOIN)\s+"?(reviews|review_\w+|questions|answers|answer_votes)"?\b', re.I)


@pytest.fixture
def scarf(app, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEWS_ALLOW_UNVERIFIED", True)
    product = make_product("Sea Scarf", slug="sea-scarf",
                           variants=[{"sku": "SC-1", "price": 2900, "stock": 10, "options": {"Colour": "Blue"}},
                                     {"sku": "SC-2", "price": 2900, "stock": 10, "options": {"Colour": "Grey"}}])
    unverified_review(product, 5, now=NOW, body="Warm and soft")
    return product


def the_sections(page: str) -> str:
    """The page from its reviews to the end of its questions."""
    start = page.index('<section class="section reviews" id="reviews"')
    end = page.index("</section>", page.index('id="questions"' if 'id="questions"' in page else "qa-")) + 10
    return page[start:end]


def price_on(page: str) -> str:
    return re.search(r"data-price[^>]*>([^<]+)<", page).group(1).strip()


class Statements:
    """The SQL statements the app runs while it is on (the page cache keeps answering)."""

    def __init__(self):
        self.seen: list[str] = []

    def __enter__(self):
        sa.event.listen(db.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc):
        sa.event.remove(db.engine, "before_cursor_execute", self._before)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append(statement)

    def section_reads(self) -> list[str]:
        return [statement for statement in self.seen if SECTION_READ.search(statement)]


def test_a_price_change_renders_the_page_again_and_reads_its_reviews_back(client, scarf):
    first = client.get("/p/sea-scarf")
    assert first.headers["X-Cache"] == "MISS"
    first_page = first.get_data(as_text=True)
    assert "Warm and soft" in first_page and price_on(first_page) == "€29.00"
    scarf.variants[0].price = 3100
    db.session.commit()
    with Statements() as statements:
        again = client.get("/p/sea-scarf")
    page = again.get_data(as_text=True)
    assert again.headers["X-Cache"] == "MISS" and price_on(page) == "€31.00"
    assert statements.seen, "the page was rendered again"
    assert statements.section_reads() == []
    assert the_sections(page) == the_sections(first_page)
    assert '"reviewCount": 1' in page  # the JSON-LD's reviews come with the section


def test_a_new_review_or_vote_shows_on_the_very_next_request(client, scarf):
    client.get("/p/sea-scarf")
    assert client.get("/p/sea-scarf").headers["X-Cache"] == "HIT"
    later = unverified_review(scarf, 2, now=NOW, body="Shrank in the wash")
    with Statements() as statements:
        page = client.get("/p/sea-scarf").get_data(as_text=True)
    assert statements.section_reads(), "the section was rendered again"
    assert "Shrank in the wash" in page and '"reviewCount": 2' in page
    assert "found this helpful" not in page  # no count before the first vote
    db.session.execute(sa.update(Review).where(Review.id == later.id).values(helpful_count=7))
    db.session.commit()
    assert "7 people found this helpful" in client.get("/p/sea-scarf").get_data(as_text=True)


def test_a_question_answered_shows_on_the_very_next_request(client, scarf):
    question = ask(scarf, body="Does it itch?")
    assert "Does it itch?" not in client.get("/p/sea-scarf").get_data(as_text=True)  # not answered yet
    brand_answer(question, "Not at all: it is merino.")
    page = client.get("/p/sea-scarf").get_data(as_text=True)
    assert "Does it itch?" in page and "Not at all: it is merino." in page


def test_each_language_and_address_has_its_own_copy(client, scarf):
    english = client.get("/p/sea-scarf", headers={"Accept-Language": "en"}).get_data(as_text=True)
    spanish = client.get("/p/sea-scarf", headers={"Accept-Language": "es"}).get_data(as_text=True)
    latvian = client.get("/p/sea-scarf?lang=lv").get_data(as_text=True)
    assert "Reviews" in the_sections(english)
    assert "Reseñas" in the_sections(spanish) and "Reviews" not in the_sections(spanish)
    assert "Atsauksmes" in the_sections(latvian) and "lang=lv" in the_sections(latvian)
    grey = scarf.variants[1].id
    variant_page = client.get(f"/p/sea-scarf?variant={grey}").get_data(as_text=True)
    # The vote forms send the shopper back to the page they were on, query and all.
    assert f'name="next" value="/p/sea-scarf?variant={grey}"' in the_sections(variant_page)
    assert 'name="next" value="/p/sea-scarf"' in the_sections(english)


def test_the_sections_read_only_tables_whose_writes_renew_them(app, scarf):
    """A table the sections read but whose writes do not bump them would leave a stale copy. The
    inbox's items are the one exception, documented: the reply figures lag by the pages' TTL."""
    db.session.refresh(scarf)  # loaded, as the page loads it before
    with app.test_request_context("/p/sea-scarf"), Statements() as statements:
        app.extensions["page_cache_paused"] = True  # rendered, whatever is stored
        try:
            sections.product_sections(scarf, "en")
        finally:
            app.extensions["page_cache_paused"] = False
    read = {table.lower() for statement in statements.seen
            for table in re.findall(r'\b(?:FROM|JOIN)\s+"?(\w+)"?', statement, re.I)}
    assert read, "the sections ran no statement"
    assert read - page_cache.SECTION_TABLES[sections.SECTION] <= {"inbox_items"}, read


def test_a_change_the_session_events_cannot_see_renews_the_sections_too(client, app, scarf):
    client.get("/p/sea-scarf")
    # Plain SQL passes by the session events; whoever writes it bumps by hand, as settings do.
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE reviews SET body = 'Rewritten' WHERE product_id = :id"), {"id": scarf.id})
    page_cache.bump(app)
    assert "Rewritten" in client.get("/p/sea-scarf").get_data(as_text=True)


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()


def test_a_new_review_reaches_every_server_process_on_the_next_request(gunicorn_server, scarf):
    url = f"{gunicorn_server}/p/sea-scarf"
    before = [fetch(url) for _ in range(8)]  # four worker processes share one store
    assert all("Warm and soft" in page and "Too short" not in page for page in before)
    db.session.commit()
    unverified_review(scarf, 3, now=NOW, body="Too short")  # written by another process, as a node would
    after = [fetch(url) for _ in range(8)]
    assert all("Too short" in page for page in after)


def section_entries(app) -> dict[str, dict]:
    path = app.config["PAGE_CACHE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT key, entry FROM pages WHERE key LIKE 'section:%'").fetchall()
    return {key: json.loads(raw) for key, raw in rows}


def section_version(app) -> int:
    return app.extensions["page_cache"].read_marker("section:reviews") or 0


def test_a_savepoint_released_is_not_the_commit(app, client, scarf):
    """A reply is written under a savepoint and committed with the rest of its transaction (inbox,
    mail, audit): a bump at the savepoint would let a page store the rows from before it."""
    client.get("/p/sea-scarf")
    before = section_version(app)
    with db.session.begin_nested():
        db.session.execute(sa.update(Review).where(Review.product_id == scarf.id).values(body="Rewritten"))
    assert section_version(app) == before, "bumped before the commit"
    try:
        with db.session.begin_nested():  # a savepoint rolled back keeps what came before it
            db.session.execute(sa.update(Review).where(Review.product_id == scarf.id).values(body="Dropped"))
            raise RuntimeError("a twin won the race")
    except RuntimeError:
        pass
    db.session.commit()
    assert section_version(app) > before
    page = client.get("/p/sea-scarf").get_data(as_text=True)
    assert "Rewritten" in page and "Dropped" not in page


def test_a_head_request_stores_nothing_a_get_would_not_show(client, scarf):
    assert client.head("/p/sea-scarf").status_code == 200
    assert 'name="next" value="/p/sea-scarf"' in client.get("/p/sea-scarf").get_data(as_text=True)


def test_arguments_the_page_does_not_read_neither_fill_the_store_nor_reach_its_forms(app, client, scarf):
    client.get("/p/sea-scarf")
    stored = set(section_entries(app))
    for n in range(5):
        page = client.get(f"/p/sea-scarf?x={n}&utm_source=post{n}&fbclid=abc{n}").get_data(as_text=True)
        assert 'name="next" value="/p/sea-scarf"' in page  # no junk, no campaign handed on
    assert set(section_entries(app)) == stored


def test_a_page_showing_a_stored_section_is_kept_no_longer_than_the_section(app, client, scarf):
    client.get("/p/sea-scarf")
    path = app.config["PAGE_CACHE_URL"].removeprefix("sqlite:///")
    current = f"section:reviews:{section_version(app)}:"
    (key, entry), = [(key, entry) for key, entry in section_entries(app).items() if key.startswith(current)]
    entry["expires"] = time.time() + 5  # stored 55 s ago
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE pages SET entry = ? WHERE key = ?", (json.dumps(entry).encode(), key))
    scarf.variants[0].price = 3300  # the page is rendered again, the section read back
    db.session.commit()
    response = client.get("/p/sea-scarf")
    assert response.headers["X-Cache"] == "MISS" and price_on(response.get_data(as_text=True)) == "€33.00"
    assert int(re.search(r"s-maxage=(\d+)", response.headers["Cache-Control"]).group(1)) <= 5
