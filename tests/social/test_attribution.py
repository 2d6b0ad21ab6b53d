"""Every visit and order records where the shopper came from: channel, UTM source and campaign."""
import html
import re
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa
from flask import current_app

from storefront.extensions import db
from storefront.orders.models import Order
from storefront.social.models import Visit
from tests.checkout.test_pages import DETAILS
from tests.factories import make_product


@pytest.fixture
def product():
    return make_product("Jūras cardigan", variants=[{"sku": "CARDIGAN-M", "price": 4500, "stock": 5}])


def visits() -> list[Visit]:
    db.session.commit()
    return db.session.scalars(sa.select(Visit).order_by(Visit.id)).all()


SHOP = "http://localhost"


def land(client, url: str, referrer: str = "", **kwargs):
    """What a browser does: read the page (which writes nothing), then send its beacon; for a
    visitor without a session, neither sets a cookie."""
    browsing = client.get_cookie(current_app.config["SESSION_COOKIE_NAME"]) is None
    page = client.get(url, **kwargs)
    beacon = client.post("/beacon", data={"page": url, "referrer": referrer}, **kwargs)
    assert page.status_code == 200 and beacon.status_code == 204
    if browsing:
        assert "Set-Cookie" not in page.headers and "Set-Cookie" not in beacon.headers
    return page


def add_to_cart(client, product, page: str):
    """The first thing a shopper does that needs a session, sent from `page`."""
    response = client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1},
                           headers={"Referer": SHOP + page})
    assert response.status_code == 303 and "Set-Cookie" in response.headers


def test_a_visit_from_a_facebook_post_is_recorded_once_with_its_source_and_campaign(client, product):
    land(client, "/?utm_source=facebook&utm_medium=social&utm_campaign=spring",
         referrer="https://l.facebook.com/l.php?u=x")
    land(client, f"/p/{product.slug}", referrer=SHOP + "/?utm_source=facebook&utm_medium=social&utm_campaign=spring")
    client.get("/cart/")
    [visit] = visits()
    assert (visit.channel, visit.utm_source, visit.utm_campaign) == ("web", "facebook", "spring")
    assert (visit.landing_path, visit.referrer_host) == ("/", "l.facebook.com")


def test_reading_pages_writes_nothing_and_later_beacons_of_a_visit_write_nothing(client, product, count_queries):
    with count_queries() as counter:
        client.get("/?utm_source=facebook")
        client.get(f"/p/{product.slug}")
    assert not [s for s in counter.statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    client.post("/beacon", data={"page": "/?utm_source=facebook"})
    with count_queries() as counter:
        client.post("/beacon", data={"page": f"/p/{product.slug}", "referrer": SHOP + "/?utm_source=facebook"})
    assert not [s for s in counter.statements if "visits" in s.lower()]


def test_a_shopper_without_script_keeps_the_pages_tags_from_the_first_form_they_send(client, product):
    client.get(f"/p/{product.slug}?utm_source=vk&utm_campaign=winter")
    add_to_cart(client, product, f"/p/{product.slug}?utm_source=vk&utm_campaign=winter")
    with client.session_transaction() as session:
        assert (session["utm_source"], session["utm_campaign"]) == ("vk", "winter")
    assert visits() == []  # no beacon: not counted as a visit, and the form counts none


def test_the_first_form_starts_the_session_without_counting_the_visit_a_second_time(client, product):
    page = f"/p/{product.slug}?utm_source=vk&utm_campaign=winter"
    land(client, page, referrer="https://vk.com/wall")
    add_to_cart(client, product, page)
    land(client, "/cart/", referrer=SHOP + page)
    land(client, f"/p/{product.slug}", referrer=SHOP + "/cart/")
    [visit] = visits()
    assert (visit.utm_source, visit.utm_campaign, visit.referrer_host) == ("vk", "winter", "vk.com")


def test_a_shopper_from_facebook_who_checks_out_places_an_order_attributed_to_facebook(client, product):
    land(client, f"/p/{product.slug}?utm_source=facebook&utm_campaign=spring")
    add_to_cart(client, product, f"/p/{product.slug}?utm_source=facebook&utm_campaign=spring")
    client.post("/checkout", data=DETAILS)
    page = client.get("/checkout/review").get_data(as_text=True)
    total = re.search(r'name="shown_total"[^>]*value="(\d+)"', page).group(1)
    assert client.post("/checkout/place", data={"shown_total": total}).status_code == 303
    db.session.commit()
    [order] = db.session.scalars(sa.select(Order)).all()
    assert (order.channel, order.utm_source, order.utm_campaign) == ("web", "facebook", "spring")


def test_a_shopper_launched_from_a_platform_visits_through_that_channel(client, product):
    with client.session_transaction() as session:
        session["channel"] = "telegram"  # what a verified launch leaves in the session
    land(client, "/")
    [visit] = visits()
    assert visit.channel == "telegram"


def test_the_last_touch_wins_and_starts_a_new_visit(client, product):
    land(client, "/?utm_source=facebook&utm_campaign=spring")
    add_to_cart(client, product, "/?utm_source=facebook&utm_campaign=spring")
    land(client, f"/p/{product.slug}?utm_source=vk", referrer="https://vk.com/")
    first, second = visits()
    assert (first.utm_source, second.utm_source, second.utm_campaign) == ("facebook", "vk", "")
    with client.session_transaction() as session:
        assert (session["utm_source"], session["utm_campaign"]) == ("vk", "")


@pytest.mark.parametrize("path", ["/static/css/shop.css", "/feeds/catalog.csv", "/api/v1/products",
                                  "/healthz", "/account/login", "/admin/", "/media/nothing.jpg", "/no-such-page"])
def test_files_feeds_the_api_and_staff_pages_are_not_visits(client, product, path):
    client.get(f"{path}?utm_source=facebook")
    assert visits() == []


@pytest.mark.parametrize("page", ["https://evil.example/?utm_source=facebook", "//evil.example/", "javascript:x", ""])
def test_a_beacon_for_another_site_or_no_page_is_no_visit(client, page):
    assert client.post("/beacon", data={"page": page}).status_code == 204
    assert visits() == []


def test_only_storefront_pages_send_the_beacon(client, product):
    assert 'data-beacon="/beacon"' in client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "data-beacon" not in client.get("/account/login").get_data(as_text=True)


def test_link_previews_and_crawlers_are_not_visits(client, product):
    land(client, f"/p/{product.slug}?utm_source=facebook", headers={"User-Agent": "facebookexternalhit/1.1"})
    land(client, "/", headers={"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"})
    assert visits() == []


@pytest.mark.parametrize("raw, stored", [
    ("x" * 5000, "x" * 80),
    ("face\x00book\r\n\x1b[31m", "facebook31m"),  # control characters go, printable ones stay
    ("<script>alert(1)</script>", "scriptalert1script"),
    ("  News   Letter ", "news letter"),
    ("\u202eevil", "evil"),
])
def test_bad_tags_are_cleaned_and_cut_never_an_error(client, product, raw, stored):
    url = "/?" + urlencode({"utm_source": raw, "utm_campaign": raw})
    land(client, url)
    [visit] = visits()
    assert visit.utm_source == stored
    assert visit.utm_campaign.lower() == stored


def test_a_tag_of_nothing_but_bad_characters_keeps_the_previous_touch(client, product):
    land(client, "/?utm_source=facebook")
    add_to_cart(client, product, "/?utm_source=facebook")
    land(client, "/?" + urlencode({"utm_source": "\x00\x01<>"}))
    with client.session_transaction() as session:
        assert session["utm_source"] == "facebook"
    assert len(visits()) == 1


# --- Share buttons -------------------------------------------------------------------------------

PLATFORMS = {
    "facebook": "https://www.facebook.com/sharer/sharer.php?u=",
    "x": "https://x.com/intent/post?url=",
    "whatsapp": "https://wa.me/?text=",
    "telegram": "https://t.me/share/url?url=",
    "vk": "https://vk.com/share.php?url=",
}


def test_the_product_page_offers_share_links_tagged_for_each_platform(client, product):
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    links = {m.group(2): html.unescape(m.group(1))
             for m in re.finditer(r'href="([^"]+)" target="_blank" rel="noopener noreferrer"\s+'
                                  r'aria-label="[^"]+" data-share="(\w+)"', page)}
    assert set(links) == set(PLATFORMS)
    for platform, start in PLATFORMS.items():
        tagged = f"http://shop.test/p/{product.slug}?utm_source={platform}&utm_medium=social&utm_campaign=share"
        assert links[platform].startswith(start)
        assert quote(tagged, safe="") in links[platform]
    assert 'aria-label="Share on Telegram"' in page
    copy = re.search(r'class="share-link share-copy" href="([^"]+)"', page).group(1)
    assert html.unescape(copy).endswith("?utm_source=link&utm_medium=social&utm_campaign=share")


def test_share_links_are_plain_links_with_no_third_party_script(client, product):
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert not re.search(r'<script[^>]+src="https?://', page)
    assert page.count('data-share="') == 5 and page.count("data-copy-link") == 1


def test_a_page_answering_a_refused_form_sends_no_beacon(client, product):
    refused = client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": "abc"})
    assert refused.status_code == 400 and "data-beacon" not in refused.get_data(as_text=True)


def test_the_visits_one_address_can_start_through_the_beacon_are_limited(app, client, product, monkeypatch):
    """The beacon takes made-up tags from anyone, and each visit it starts is a row: an address
    may start BEACON_VISIT_RATE_LIMIT of them. Over it a beacon still answers 204 and still
    counts what is not a new visit; beacons of pages reached from the shop's own use none of it;
    another address has its own."""
    monkeypatch.setitem(app.config, "BEACON_VISIT_RATE_LIMIT", "3 per year")

    def beacon(page: str, referrer: str, address: str = "203.0.113.7"):
        response = client.post("/beacon", data={"page": page, "referrer": referrer},
                               environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 204 and "Set-Cookie" not in response.headers
        return response

    def enter(n: int, address: str = "203.0.113.7"):
        return beacon(f"/?utm_source=flood{n}", "https://elsewhere.example/", address)

    for _ in range(10):  # moving between the shop's pages: the same visit, no row
        beacon(f"/p/{product.slug}", SHOP + "/")
    for n in range(5):
        enter(n)
    assert [visit.utm_source for visit in visits()] == ["flood0", "flood1", "flood2"]
    # Over the limit, a product page entered on still counts its product view.
    views_before = product_views()
    beacon(f"/p/{product.slug}?utm_source=flood9", "https://elsewhere.example/")
    assert len(visits()) == 3 and product_views() == views_before + 1
    enter(5, address="198.51.100.20")
    assert [visit.utm_source for visit in visits()][-1] == "flood5"


def test_the_beacon_s_visit_limit_counts_an_ipv6_network_and_keeps_each_deployment_apart(app, client, monkeypatch):
    """A line is given a whole IPv6 /64: every address in it counts as one. Shops that share one
    Redis (RATELIMIT_KEY_PREFIX) count apart."""
    from storefront.extensions import limiter

    limiter.reset()
    monkeypatch.setitem(app.config, "BEACON_VISIT_RATE_LIMIT", "2 per year")

    def enter(n: int, address: str):
        client.post("/beacon", data={"page": f"/?utm_source=v6-{n}", "referrer": "https://elsewhere.example/"},
                    environ_base={"REMOTE_ADDR": address})

    for n, address in enumerate(("2001:db8:7:1::1", "2001:db8:7:1::2", "2001:db8:7:1:abcd::9")):
        enter(n, address)
    assert [visit.utm_source for visit in visits()] == ["v6-0", "v6-1"]
    enter(3, "2001:db8:7:2::1")  # the next /64: another line
    monkeypatch.setitem(app.config, "RATELIMIT_KEY_PREFIX", "another-shop")
    enter(4, "2001:db8:7:1::3")
    assert [visit.utm_source for visit in visits()] == ["v6-0", "v6-1", "v6-3", "v6-4"]
    limiter.reset()


def product_views() -> int:
    from storefront.social.models import FunnelCount

    db.session.commit()
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(FunnelCount.count), 0))
                             .where(FunnelCount.step == "product_views")) or 0


def test_a_visit_is_counted_when_the_limit_s_store_is_away(app, client, product, monkeypatch):
    from storefront.extensions import limiter

    def away(*args, **kwargs):
        raise ConnectionError("the rate limits' store is away")

    monkeypatch.setattr(limiter.limiter, "hit", away)
    response = client.post("/beacon", data={"page": "/?utm_source=stormy", "referrer": "https://elsewhere.example/"})
    assert response.status_code == 204
    assert [visit.utm_source for visit in visits()] == ["stormy"]


def test_over_the_limit_a_shopper_with_a_session_keeps_their_touch_and_product_view(app, client, product,
                                                                                    monkeypatch):
    monkeypatch.setitem(app.config, "BEACON_VISIT_RATE_LIMIT", "1 per year")
    with client.session_transaction() as session:
        session["channel"] = "meta"  # a tab launch's session
    client.post("/beacon", data={"page": "/?utm_source=first", "referrer": "https://elsewhere.example/"})
    views_before = product_views()
    response = client.post("/beacon", data={"page": f"/p/{product.slug}?utm_source=second",
                                            "referrer": "https://elsewhere.example/"})
    assert response.status_code == 204
    assert [visit.utm_source for visit in visits()] == ["first"]  # the second touch's visit: over the limit
    assert product_views() == views_before + 1
    with client.session_transaction() as session:
        assert session["utm_source"] == "second" and session["visit_touch"][:2] == ["meta", "second"]
