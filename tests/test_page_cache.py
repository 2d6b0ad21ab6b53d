"""The page cache: anonymous pages write nothing, are shared by every visitor of a key, never hold
anything per visitor, and change on the very next request after what they show changes."""
from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import urllib.request
import uuid

import pytest
import sqlalchemy as sa

from storefront import page_cache
from storefront.catalog.models import Variant
from storefront.catalog.stock import take_stock
from storefront.database import write_transaction
from storefront.extensions import db
from tests.conftest import skip_or_fail
from storefront.orders.models import Order
from tests.factories import checkout_form, make_category, make_product
from tests.promotions.conftest import make_code, make_offer
from tests.promotions.test_shopper_pages import launch
from tests.social.test_launch import signed_request

UTC = dt.timezone.utc
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def hat():
    category = make_category("Hats", slug="hats")
    return make_product("Dune Hat", category=category, slug="dune-hat",
                        variants=[{"sku": "HAT-1", "price": 3900, "stock": 10}])


def shared_pages(product) -> list[str]:
    return ["/", "/c/hats", f"/p/{product.slug}", "/search?q=hat", f"/p/{product.slug}/reviews",
            f"/p/{product.slug}/questions", "/reviews/how-they-work"]


def price_on(page: str) -> str:
    return re.search(r"data-price[^>]*>([^<]+)<", page).group(1).strip()


def test_anonymous_pages_write_nothing_set_no_cookie_and_are_shared(client, hat, count_queries):
    for url in shared_pages(hat):
        with count_queries() as counter:  # the render, as the first visitor gets it
            rendered = client.get(url)
        assert rendered.status_code == 200, url
        assert [s for s in counter.statements if s.lstrip().upper().startswith(WRITES)] == [], url
        first, second = client.get(url), client.get(url)
        for response in (rendered, first, second):
            assert "Set-Cookie" not in response.headers, url
        assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT"), url
        assert second.get_data() == first.get_data() == rendered.get_data()
        control = second.headers["Cache-Control"]
        assert control.startswith("public, max-age=0, s-maxage=") and "stale-while-revalidate=" in control
        again = client.get(url, headers={"If-None-Match": second.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b""


def test_the_language_comes_from_the_url_or_the_browser_and_vary_says_which(client, hat):
    latvian = client.get("/", headers={"Accept-Language": "lv-LV,lv;q=0.9"})
    spanish = client.get("/", headers={"Accept-Language": "es"})
    assert '<html lang="lv"' in latvian.get_data(as_text=True)
    assert '<html lang="es"' in spanish.get_data(as_text=True)
    assert latvian.headers["Vary"] == "Accept-Language, Cookie" and latvian.headers["Content-Language"] == "lv"
    chosen = client.get("/?lang=es", headers={"Accept-Language": "lv"})
    page = chosen.get_data(as_text=True)
    assert '<html lang="es"' in page and chosen.headers["Vary"] == "Cookie"
    # The choice is kept by the links, not by a cookie: the product link stays in Spanish.
    assert f'href="/p/{hat.slug}?lang=es"' in page and "Set-Cookie" not in chosen.headers


def test_tracking_tags_share_the_page_without_them(client, hat):
    assert client.get(f"/p/{hat.slug}").headers["X-Cache"] == "MISS"
    tagged = client.get(f"/p/{hat.slug}?utm_source=facebook&utm_campaign=spring&fbclid=abc")
    assert tagged.headers["X-Cache"] == "HIT"


def test_a_price_change_is_visible_on_the_very_next_request(client, hat):
    assert price_on(client.get(f"/p/{hat.slug}").get_data(as_text=True)) == "€39.00"
    assert client.get(f"/p/{hat.slug}").headers["X-Cache"] == "HIT"
    hat.variants[0].price = 4200
    db.session.commit()
    changed = client.get(f"/p/{hat.slug}")
    assert changed.headers["X-Cache"] == "MISS" and price_on(changed.get_data(as_text=True)) == "€42.00"


def test_a_sale_keeps_the_pages_until_a_variant_sells_out(client, hat):
    variant_id = hat.variants[0].id
    client.get(f"/p/{hat.slug}")
    with write_transaction():
        assert take_stock({variant_id: 1}) == []  # 10 → 9: still in stock, pages stand
    assert client.get(f"/p/{hat.slug}").headers["X-Cache"] == "HIT"
    with write_transaction():
        assert take_stock({variant_id: 9}) == []  # sold out: every page must say so at once
    sold_out = client.get(f"/p/{hat.slug}")
    assert sold_out.headers["X-Cache"] == "MISS" and "Sold out" in sold_out.get_data(as_text=True)
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id)) == 0


def test_a_shopper_who_browses_and_buys_leaves_every_other_visitors_pages_stored(client, app, hat):
    """A flash sale: each shopper's page-view beacon, cart, checkout and order must not render every
    page again for everyone. The funnel's counts, an order's discounts and a tab launch's replay
    guard each made every stored page stale, once per shopper."""
    make_offer(slug="friends", audience="tab_visitors", percent=20, name="Friends of the page")
    visitor = app.test_client()
    product = f"/p/{hat.slug}"
    assert visitor.get(product).headers["X-Cache"] == "MISS"

    launch(client, app_data=f"p:{hat.slug}")
    client.post("/beacon", data={"page": f"http://localhost{product}", "referrer": ""})
    client.post("/cart/add", data={"variant_id": hat.variants[0].id, "quantity": 1})
    client.post("/checkout", data=checkout_form())
    review = client.get("/checkout/review").get_data(as_text=True)
    shown = re.search(r'name="shown_total"[^>]*value="(\d+)"', review).group(1)
    placed = client.post("/checkout/place", data={"shown_total": shown})
    assert "/orders/" in placed.headers["Location"]
    order = db.session.scalars(sa.select(Order)).one()
    assert [d.name for d in order.discounts] == ["Friends of the page"]  # the offer was used: 10 → 9 units

    assert visitor.get(product).headers["X-Cache"] == "HIT"
    assert visitor.get("/c/hats").headers["X-Cache"] == "MISS"  # (first asked now)
    assert visitor.get("/c/hats").headers["X-Cache"] == "HIT"


def _buy(client, hat, shopper: str) -> Order:
    launched = client.post("/tab", data={"signed_request": signed_request(locale="en_GB", user_id=shopper)})
    assert launched.status_code == 303
    client.post("/cart/add", data={"variant_id": hat.variants[0].id, "quantity": 1})
    client.post("/checkout", data=checkout_form())
    review = client.get("/checkout/review").get_data(as_text=True)
    shown = re.search(r'name="shown_total"[^>]*value="(\d+)"', review).group(1)
    assert "/orders/" in client.post("/checkout/place", data={"shown_total": shown}).headers["Location"]
    return db.session.scalar(sa.select(Order).order_by(Order.id.desc()).limit(1))


def test_an_offers_counter_changes_the_pages_and_the_kept_offers_only_when_it_fills_or_reopens(app, hat):
    """Each redemption moved the offer's counter, and every process read the live offers again for
    its next page; the offer's rules change only when it fills up (it stops applying) or reopens."""
    from storefront.orders import staff
    from tests.reviews.factories import staff_member

    make_offer(slug="friends", audience="tab_visitors", percent=20, name="Friends of the page", cap_total=2)
    store = app.extensions["page_cache"]

    def versions():
        return store.get("nothing")[0], store.read_marker(page_cache._section_marker("offers"))

    before = versions()
    first = _buy(app.test_client(), hat, "5001")
    assert [d.name for d in first.discounts] == ["Friends of the page"]
    assert versions() == before  # 1 of 2: nothing any page shows changed
    second = _buy(app.test_client(), hat, "5002")
    assert [d.name for d in second.discounts] == ["Friends of the page"]
    filled = versions()
    assert filled[0] != before[0] and filled[1] != before[1]  # full: the offer stops applying
    staff.cancel(first.id, actor=staff_member(), now=dt.datetime.now(UTC))
    reopened = versions()
    assert reopened[0] != filled[0] and reopened[1] != filled[1]  # a place again


# The tables a storefront page shows: a write to one of them renders the pages again.
SHOWN_TABLES = {
    "answer_votes", "answers", "categories", "legal_texts", "offer_categories", "offer_code_batches", "offer_codes",
    "offer_products", "offers", "product_images", "products", "questions", "review_follow_ups", "review_photos",
    "review_replies", "review_reply_versions", "review_stats", "review_versions", "review_votes", "reviews",
    "variants",
}


def test_every_table_is_either_shown_by_the_pages_or_quiet():
    """A new table must be placed: quiet (no page shows it) or shown. Unplaced, every write to it
    bumps every stored page, as the funnel's counts did for each shopper of a flash sale."""
    tables = set(db.metadata.tables)
    assert not page_cache.QUIET_TABLES & SHOWN_TABLES
    assert tables - page_cache.QUIET_TABLES - SHOWN_TABLES == set()
    assert (page_cache.QUIET_TABLES | SHOWN_TABLES) - tables == set()


def test_an_offer_that_starts_soon_limits_how_long_pages_are_kept(client, hat):
    make_offer(slug="noon", starts_at=dt.datetime.now(UTC) + dt.timedelta(seconds=20))
    response = client.get(f"/p/{hat.slug}")
    s_maxage = int(re.search(r"s-maxage=(\d+)", response.headers["Cache-Control"]).group(1))
    assert s_maxage <= 20


def test_tab_visitors_and_direct_visitors_are_shown_their_own_offers(client, app, hat):
    make_offer(slug="friends", audience="tab_visitors", percent=50, name="Friends of the page")
    direct = app.test_client()
    assert "Friends of the page" not in direct.get(f"/p/{hat.slug}").get_data(as_text=True)
    launch(client)
    tab_page = client.get(f"/p/{hat.slug}")
    assert "Friends of the page" in tab_page.get_data(as_text=True)
    assert client.get(f"/p/{hat.slug}").headers["X-Cache"] == "HIT"  # shared by the page's tab visitors
    assert "Friends of the page" not in direct.get(f"/p/{hat.slug}").get_data(as_text=True)


def test_a_visitor_with_a_cart_gets_pages_of_their_own_and_no_cached_body_holds_one(client, app, hat):
    launch(client)  # a tab visitor, whose launch names their platform user
    client.post("/cart/add", data={"variant_id": hat.variants[0].id, "quantity": 2})
    token = client.get("/forms/token").get_json()["csrf_token"]
    with client.session_transaction() as session:
        cart_token, user_id = session["cart_token"], session["launch"]["user_id"]
    for url in shared_pages(hat):
        own = client.get(url)
        assert "X-Cache" not in own.headers and own.headers["Cache-Control"] == "private, no-cache", url
    assert re.search(r"data-cart-count[^>]*>2<", client.get("/").get_data(as_text=True))
    for url in shared_pages(hat):  # anonymous visitors fill the cache
        app.test_client().get(url)
    bodies = stored_bodies(app)
    assert bodies, "nothing was stored"
    assert any(b'id="reviews"' in body and b"<html" not in body for body in bodies), "no section was stored"
    for body in bodies:
        for secret in (cart_token, token, user_id):
            assert secret.encode() not in body
        assert b'name="csrf_token" value=""' in body or b"csrf_token" not in body


def stored_bodies(app) -> list[bytes]:
    """The bodies of the stored pages, and the HTML of the stored sections (parts of pages)."""
    path = app.config["PAGE_CACHE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT key, entry FROM pages").fetchall()
    return [json.loads(raw)["value"]["html"].encode() if key.startswith(page_cache.SECTION_PREFIX)
            else page_cache.decode(raw)["b"] for key, raw in rows]


# --- the stores -------------------------------------------------------------------------------------

def redis_url() -> str:
    url = "redis://127.0.0.1:6379/15"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001  (any failure means: no Redis here)
        skip_or_fail(f"Redis is not reachable at {url}")
    return url


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store(request, tmp_path):
    if request.param == "memory":
        yield page_cache.MemoryStore()
        return
    if request.param == "sqlite":
        yield page_cache.SqliteStore(str(tmp_path / "pages.db"))
        return
    store = page_cache.RedisStore(redis_url(), prefix=f"test:{uuid.uuid4().hex}:")
    yield store
    keys = store._redis.keys(f"{store._prefix}*")
    if keys:
        store._redis.delete(*keys)


def test_every_store_keeps_pages_under_a_version_and_lets_one_request_revalidate(store):
    version, missing = store.get("page")
    assert missing is None
    store.put("page", b"body", 60)
    assert store.get("page") == (version, b"body")
    assert store.bump() == version + 1
    assert store.get("page")[0] == version + 1  # the entry may stay; its version says it is old
    assert store.claim("page", 30) is True
    assert store.claim("page", 30) is False


def test_every_store_keeps_sections_under_versions_of_their_own(store):
    section_key = f"{page_cache.SECTION_PREFIX}reviews:0:abc"
    store.put(section_key, b'{"value": {}}', 60)
    assert store.read_marker("section:reviews") is None
    first = store.bump_marker("section:reviews")  # a count starts anywhere (page_cache.first_marker)
    assert store.bump_marker("section:reviews") == first + 1
    assert store.read_marker("section:reviews") == first + 1
    store.bump()  # the pages' version: a section stays until its own version moves on
    assert store.get(section_key)[1] == b'{"value": {}}'


# --- two server processes ---------------------------------------------------------------------------

def fetch(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.headers.get("X-Cache", ""), response.read().decode()


def test_a_price_change_reaches_every_server_process_on_the_next_request(gunicorn_server, hat):
    url = f"{gunicorn_server}/p/{hat.slug}"
    outcomes = [fetch(url) for _ in range(8)]  # four worker processes share one store
    assert outcomes[0][0] == "MISS" and {outcome for outcome, _ in outcomes[1:]} == {"HIT"}
    assert price_on(outcomes[-1][1]) == "€39.00"
    hat.variants[0].price = 4500  # written by another process, as a back-office node would
    db.session.commit()
    after = [fetch(url) for _ in range(8)]
    assert after[0][0] == "MISS"
    assert {price_on(page) for _, page in after} == {"€45.00"}


def test_a_query_argument_the_page_does_not_read_is_rendered_but_never_stored(client, hat):
    for _ in range(2):
        response = client.get(f"/p/{hat.slug}?x=random-{uuid.uuid4().hex}")
        assert "X-Cache" not in response.headers and response.headers["Cache-Control"] == "private, no-cache"
    assert client.get(f"/p/{hat.slug}?variant={hat.variants[0].id}").headers["X-Cache"] == "MISS"


def test_links_on_a_tagged_page_never_pass_the_campaign_on(client, hat):
    page = client.get(f"/p/{hat.slug}?utm_source=facebook&utm_campaign=spring").get_data(as_text=True)
    assert "utm_" not in page.split("<main", 1)[0]  # the language switch and the header's links
    assert client.get(f"/p/{hat.slug}").headers["X-Cache"] == "HIT"


def test_when_the_database_is_away_the_last_copy_is_answered(client, hat, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from storefront.catalog import browse

    client.get(f"/p/{hat.slug}")
    hat.variants[0].price = 4100
    db.session.commit()  # the stored copy is now of an older version

    def away(*args, **kwargs):
        raise OperationalError("SELECT", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(browse, "get_product", away)
    response = client.get(f"/p/{hat.slug}")
    assert response.status_code == 200 and response.headers["X-Cache"] == "STALE-IF-ERROR"
    assert price_on(response.get_data(as_text=True)) == "€39.00"
    never_stored = client.get(f"/p/{hat.slug}?variant={uuid.uuid4().int % 10**9}")
    assert never_stored.status_code == 503 and never_stored.headers["Retry-After"]  # no copy: the apology


# --- the offer page -----------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["", "?lang=es", "?lang=lv"])
def test_an_offer_page_writes_nothing_sets_no_cookie_and_is_shared(client, hat, count_queries, csrf_enabled, query):
    """Its in-store code form embedded a CSRF token, which started a session for every reader."""
    make_offer(slug="hat-days", target="products", products=[hat], name="Hat days")
    url = f"/offers/hat-days{query}"
    with count_queries() as counter:
        rendered = client.get(url)
    assert rendered.status_code == 200
    assert [s for s in counter.statements if s.lstrip().upper().startswith(WRITES)] == []
    first, second = client.get(url), client.get(url)
    for response in (rendered, first, second):
        assert "Set-Cookie" not in response.headers
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert second.headers["Cache-Control"].startswith("public, max-age=0, s-maxage=")
    page = second.get_data(as_text=True)
    assert "data-get-store-code" in page and 'name="csrf_token" value=""' in page


def test_the_in_store_code_form_of_a_shared_offer_page_fetches_its_token_or_confirms(client, hat, csrf_enabled):
    from promotions.models import OfferCode

    make_offer(slug="hat-days")
    page = client.get("/offers/hat-days").get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+)"\s+data-action="([^"]+)"', page)
    assert form.group(2) == "/offers/hat-days/store-code"
    confirm = client.post(form.group(1).replace("&amp;", "&"), data={"csrf_token": ""})  # no script
    assert confirm.status_code == 200 and ">Get my in-store code</button>" in confirm.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.get_data(as_text=True)).group(1)
    assert client.post(form.group(2), data={"csrf_token": token}).status_code == 303
    code = db.session.scalars(sa.select(OfferCode)).one().code
    own = client.get("/offers/hat-days")  # the visitor's code: a page of their own
    assert code in own.get_data(as_text=True) and "X-Cache" not in own.headers


def test_a_visitor_with_an_offer_link_gets_the_code_and_then_shares_the_code_holders_page(client, app, hat):
    offer = make_offer(slug="telegram", audience="code_holders", name="Telegram friends")
    make_code(offer, "TG-HATS", kind="shared", channel="telegram", max_uses=None)
    entered = client.get("/offers/telegram?code=TG-HATS")
    assert entered.status_code == 303 and entered.headers["Location"].endswith("/offers/telegram")
    with client.session_transaction() as session:
        assert session["offer_code"] == "TG-HATS"
    applied = client.get("/offers/telegram")  # with the "code applied" message: their own
    assert "Your code is applied" in applied.get_data(as_text=True) and "X-Cache" not in applied.headers
    assert client.get("/offers/telegram").headers["X-Cache"] == "MISS"
    holder = client.get("/offers/telegram")
    assert holder.headers["X-Cache"] == "HIT" and "This offer is for you." in holder.get_data(as_text=True)
    direct = app.test_client().get("/offers/telegram")
    assert direct.headers["X-Cache"] == "MISS" and "This offer is for you." not in direct.get_data(as_text=True)
