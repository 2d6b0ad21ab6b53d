"""Which platforms and pages the shop is connected to, and what each platform lets a shop reward:
read from the settings only."""
from __future__ import annotations

import pytest

from storefront.social import platforms

APPS = [
    {"platform": "meta", "app_id": "m1", "secret": "s", "pages": ["1001", "1002"]},
    {"platform": "telegram", "bot": "ShopBot", "secret": "s"},
    {"platform": "vk", "app_id": "51000001", "secret": "s"},
    {"platform": "vk", "app_id": "51000002", "secret": "s", "pages": ["club7"]},
]


@pytest.fixture
def settings(app):
    saved = {key: app.config.get(key) for key in ("SOCIAL_APPS", "OFFER_PLATFORM_AUDIENCES")}
    app.config["SOCIAL_APPS"] = APPS
    yield app.config
    app.config.update(saved)


def test_each_configured_app_names_the_pages_whose_tab_can_open_the_shop(settings):
    assert platforms.configured_pages() == [
        ("meta:1001", "Facebook / Instagram (Meta) · 1001"), ("meta:1002", "Facebook / Instagram (Meta) · 1002"),
        ("telegram:ShopBot", "Telegram · ShopBot"), ("vk:51000001", "VK · 51000001"), ("vk:club7", "VK · club7")]
    assert platforms.configured_platforms() == ["meta", "telegram", "vk"]


def test_no_platform_lets_a_shop_reward_likes_follows_or_shares(settings):
    for platform in ("meta", "telegram", "vk"):
        assert platforms.permits(platform, "tab_visitors") and platforms.permits(platform, "code_holders")
        assert not any(platforms.permits(platform, audience) for audience in platforms.FORBIDDEN_AUDIENCES)
    assert not platforms.permits("x", "tab_visitors")  # a platform the shop has no policy for


def test_a_shop_whose_contracts_differ_sets_its_own_policy(settings):
    settings["OFFER_PLATFORM_AUDIENCES"] = {"meta": ["code_holders"]}
    assert platforms.permits("meta", "code_holders")
    assert not platforms.permits("meta", "tab_visitors") and not platforms.permits("vk", "code_holders")


def test_shoppers_and_marketers_each_read_the_platforms_name_they_know():
    assert [platforms.platform_name(p) for p in ("meta", "instagram", "telegram", "vk", "mastodon", "")] == \
        ["Facebook", "Instagram", "Telegram", "VK", "Mastodon", ""]
    assert platforms.platform_label("meta") == "Facebook / Instagram (Meta)"
