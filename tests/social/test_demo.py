"""The demo social page shows Ziemeļu Vilna's page on a platform with the shop in its Shop tab,
launched with a correctly signed message, in a frame on another site."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from storefront.social import service

PLATFORMS = ("meta", "telegram", "vk")
SHOPPERS = {"liga": "lv", "lucia": "es", "emma": "en"}


def demo_page(client, base_url="http://127.0.0.1:5000", **args):
    response = client.get("/demo/", query_string=args, base_url=base_url)
    assert response.status_code == 200
    return response, response.get_data(as_text=True)


def frame_launch(page_html: str) -> tuple[str, str]:
    """Where the page sends the frame, and the signed launch it sends."""
    form = re.search(r'<form class="launch-form" method="post" action="([^"]+)" target="shop-tab"', page_html)
    if form:
        raw = re.search(r'name="signed_request" value="([^"]+)"', page_html)[1]
        return html.unescape(form[1]), html.unescape(raw)
    src = html.unescape(re.search(r'<iframe class="shop-frame" name="shop-tab"[^>]*src="([^"]+)"', page_html, re.S)[1])
    address = urlsplit(src)
    if address.path == "/tab/telegram":
        return src, parse_qs(address.query)["tgWebAppData"][0]
    return src, address.query


def test_the_demo_page_looks_like_the_brands_social_page_with_a_shop_tab(client):
    _, page = demo_page(client)
    assert "Ziemeļu Vilna" in page and "demo-cover.svg" in page
    for tab in ("Posts", "About", "Shop"):
        assert f">{tab}</a>" in page
    assert 'aria-current="page" data-shop-tab' in page
    assert len(re.findall(r"data-share-count>\d+ shares?<", page)) == 2
    assert re.search(r'<iframe class="shop-frame" name="shop-tab" title="[^"]+" width="520"', page)


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("shopper", list(SHOPPERS))
def test_each_platform_and_shopper_gets_a_launch_the_shop_accepts(client, platform, shopper):
    _, page = demo_page(client, platform=platform, shopper=shopper)
    target, raw = frame_launch(page)
    assert target.startswith("http://localhost:5000/tab")
    launch = service.verify_launch(platform, raw)
    assert launch.platform == platform and launch.locale == SHOPPERS[shopper]
    assert f'data-shopper="{shopper}"' in page and f'aria-current="true" data-shopper="{shopper}"' in page


def test_a_page_tab_launch_is_a_form_posted_into_the_frame(client):
    _, page = demo_page(client, platform="meta")
    assert re.search(r'<form class="launch-form" method="post" action="http://localhost:5000/tab" target="shop-tab"', page)
    assert "js/demo.js" in page


def test_the_frame_is_on_the_other_site_whichever_name_the_demo_page_is_opened_by(client):
    _, page = demo_page(client, base_url="http://localhost:8123", platform="vk")
    assert frame_launch(page)[0].startswith("http://127.0.0.1:8123/tab/vk?")
    _, page = demo_page(client, base_url="http://127.0.0.1:8123", platform="telegram")
    assert frame_launch(page)[0].startswith("http://localhost:8123/tab/telegram?")


def test_the_shop_origin_can_be_set_for_the_demo(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_SHOP_ORIGIN", "https://shop.example/")
    response, page = demo_page(client, platform="meta")
    assert frame_launch(page)[0] == "https://shop.example/tab"
    assert "frame-src https://shop.example" in response.headers["Content-Security-Policy"]


def test_a_deep_link_from_the_demo_page_reaches_the_launch(client):
    _, page = demo_page(client, platform="vk", app_data="p:baltic-sweater")
    assert service.verify_launch("vk", frame_launch(page)[1]).app_data == "p:baltic-sweater"


def test_the_demo_page_may_frame_only_the_shop_and_carries_no_inline_script(client):
    response, page = demo_page(client, platform="meta")
    policy = response.headers["Content-Security-Policy"]
    assert "frame-src http://localhost:5000" in policy
    assert "<script>" not in page and "<style" not in page


def test_the_demo_page_may_post_the_launch_to_the_shops_site(client):
    # Needs storefront/security.py to let a page widen form-action (allow_sources), as frame-src.
    response, _ = demo_page(client, platform="meta")
    assert re.search(r"form-action 'self' http://localhost:5000(;|$)", response.headers["Content-Security-Policy"])


def test_nothing_may_frame_the_demo_page(client):
    # Needs storefront/security.py to send frame-ancestors 'none' for the demo blueprint.
    response, _ = demo_page(client)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("language, shopper", [("en", "emma"), ("es", "lucia"), ("lv", "liga")])
def test_an_unknown_platform_or_shopper_falls_back_to_meta_and_the_shopper_of_the_pages_language(
        client, language, shopper):
    _, page = demo_page(client, platform="myspace", shopper="mallory", tab="admin", lang=language)
    assert 'aria-current="true" data-platform="meta"' in page
    assert f'aria-current="true" data-shopper="{shopper}"' in page
    assert f'<html lang="{language}"' in page


def test_a_visitor_whose_browser_reads_latvian_sees_the_shop_framed_for_liga(client):
    page = client.get("/demo/", headers={"Accept-Language": "lv,en;q=0.5"}).get_data(as_text=True)
    assert 'aria-current="true" data-shopper="liga"' in page


def open_demo_in_chromium(page, live_server, platform):
    page.goto(f"{live_server.url}/demo/?platform={platform}&shopper=lucia")
    page.wait_for_load_state("networkidle")
    return page.frame(name="shop-tab")


@pytest.mark.parametrize("platform", ["vk", "telegram"])
def test_the_demo_page_opens_the_shop_cross_site_in_its_tab_in_chromium(app, live_server, page, screenshot,
                                                                        monkeypatch, platform):
    # The shop lets the demo page's origin frame it, as `make run` configures.
    monkeypatch.setitem(app.config, "FRAME_ANCESTORS", [live_server.url])
    frame = open_demo_in_chromium(page, live_server, platform)
    screenshot(page, f"social-demo-{platform}")
    assert frame.url == live_server.url.replace("127.0.0.1", "localhost") + "/"
    assert frame.locator(".brand-name").inner_text() == "Ziemeļu Vilna"
    assert page.locator(".page-name").inner_text() == "Ziemeļu Vilna"
    assert page.locator("iframe.shop-frame").bounding_box()["width"] == pytest.approx(520, abs=2)


def test_the_demo_page_posts_a_page_tab_launch_into_its_frame_in_chromium(app, live_server, page, screenshot,
                                                                          monkeypatch):
    # Needs form-action to allow the shop's site (see test_the_demo_page_may_post_the_launch_to_the_shops_site).
    monkeypatch.setitem(app.config, "FRAME_ANCESTORS", [live_server.url])
    frame = open_demo_in_chromium(page, live_server, "meta")
    screenshot(page, "social-demo-meta")
    assert frame.url == live_server.url.replace("127.0.0.1", "localhost") + "/"
    assert frame.locator(".brand-name").inner_text() == "Ziemeļu Vilna"


def test_outside_a_demo_the_demo_page_does_not_exist(app, client):
    # It signs launches with the demo's public secrets: in production it would forge launches.
    app.config["DEMO_PAGE"] = False
    try:
        assert client.get("/demo/").status_code == 404
    finally:
        app.config["DEMO_PAGE"] = True


def test_without_the_demo_no_platform_app_is_trusted_by_default(monkeypatch):
    from storefront import config

    monkeypatch.delenv("DEMO_PAGE", raising=False)
    monkeypatch.delenv("SOCIAL_APPS", raising=False)
    assert config.from_environment(config.INSTANCE_PATH)["SOCIAL_APPS"] == []
    monkeypatch.setenv("DEMO_PAGE", "true")
    assert config.from_environment(config.INSTANCE_PATH)["SOCIAL_APPS"] == config.DEMO_SOCIAL_APPS
