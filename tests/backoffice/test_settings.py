"""The settings page: an admin changes the shop's settings without a restart; the environment is
the default; every change is checked, audited (secrets masked) and reaches every page, cart,
order and e-mail from the next request on."""
from __future__ import annotations

import json
import os
import re
import uuid

import flask
import pytest
import redis
import sqlalchemy as sa

from storefront import create_app, page_cache, tasks
from storefront.audit.models import AuditEntry
from storefront.database import utcnow
from storefront.extensions import db
from storefront.orders.models import Order
from storefront.shop_settings import runtime, service
from storefront.shop_settings.models import ShopSetting
from storefront.shop_settings.registry import InvalidSetting
from tests.conftest import skip_or_fail
from tests.factories import checkout_form, make_product

DEMO_SECRETS = ("demo-meta-secret", "123456:demo-telegram-bot-token", "demo-vk-secret")


@pytest.fixture(autouse=True)
def environment_settings(app):
    """Each test starts and ends with the environment's settings in every process."""
    yield
    db.session.rollback()
    service.reset_all(None, now=utcnow())
    runtime.forget(app)


def settings_form(**changes) -> dict:
    """The settings page's form as it is shown now, with `changes` (None: leave the field out)."""
    runtime.refresh(flask.current_app)
    data: dict = {"version": service.version_seen(service.last_change())}
    for key, state in service.settings_in_force().items():
        widget = state.setting.widget
        if widget == "flag":
            data[key] = "y" if state.value else None
        elif widget == "choices":
            data[key] = list(state.value)
        elif widget == "apps":
            for row, app in enumerate(state.value or []):
                data.update({f"app{row}_platform": app["platform"], f"app{row}_app_id": app.get("app_id", ""),
                             f"app{row}_bot": app.get("bot", ""), f"app{row}_pages": ", ".join(app.get("pages", []))})
        elif widget == "methods":
            for row, method in enumerate(m for m in state.value or [] if not m.get("removed")):
                data.update({f"method{row}_code": method["code"], f"method{row}_rate": f"{method['rate'] / 100:.2f}",
                             f"method{row}_free_from": f"{method['free_from'] / 100:.2f}" if method.get("free_from")
                             else "", **{f"method{row}_name_{language}": name
                                         for language, name in method["names"].items()}})
        else:
            data[key] = state.setting.shown(state.value)
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def rows() -> dict:
    db.session.rollback()
    return {row.key: row.value for row in db.session.scalars(sa.select(ShopSetting))}


def audit_entries() -> list[AuditEntry]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "settings.change")
                                   .order_by(AuditEntry.id)))


def test_only_admins_see_the_settings_page(client, staff):
    assert client.get("/admin/settings").status_code == 302  # to the sign-in page
    staff("marketer")
    assert client.get("/admin/settings").status_code == 403
    assert client.post("/admin/settings", data=settings_form(SHOP_NAME="Mine")).status_code == 403
    assert rows() == {}


def test_the_page_shows_the_environment_as_the_default(client, admin):
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'value="4.95"' in page and 'value="12.90"' in page and 'value="60.00"' in page  # rates, in EUR
    assert 'value="21"' in page  # the tax rate in percent
    assert 'value="LV80 BANK 0000 4351 9500 1"' in page
    assert "Every setting is the server&#39;s default" in page or "Every setting is the server's default" in page
    assert '<a href="/admin/settings" aria-current="page">Settings</a>' in page


def test_a_new_shipping_rate_is_in_the_next_cart_and_in_the_order(client, admin):
    product = make_product(title="Jūras cardigan", variants=[{"price": 2500, "stock": 3}])
    response = client.post("/admin/settings", data=settings_form(SHIPPING_FLAT_RATE="7.50"))
    assert response.status_code == 302
    assert "Settings saved" in client.get("/admin/settings").get_data(as_text=True)
    assert rows()["SHIPPING_FLAT_RATE"] == 750

    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    cart = client.get("/cart/").get_data(as_text=True)
    assert "€7.50" in cart and "€32.50" in cart  # €25 + €7.50
    client.post("/checkout", data=checkout_form())
    review = client.get("/checkout/review").get_data(as_text=True)
    shown = re.search(r'name="shown_total"[^>]*value="(\d+)"', review).group(1)
    assert client.post("/checkout/place", data={"shown_total": shown}).status_code == 303
    db.session.rollback()
    order = db.session.scalar(sa.select(Order))
    assert (order.shipping, order.total) == (750, 3250)


def test_new_bank_details_are_on_the_tracking_page_and_in_the_e_mail(client, admin, smtp_server):
    product = make_product(title="Dzintars pullover", variants=[{"price": 8900, "stock": 3}])
    assert client.post("/admin/settings", data=settings_form(
        BANK_IBAN="de89 3704 0044 0532 0130 00", BANK_BIC="cobadeffxxx",
        BANK_ACCOUNT_HOLDER="Ziemeļu Vilna GmbH")).status_code == 302
    assert rows()["BANK_IBAN"] == "DE89 3704 0044 0532 0130 00"  # spaced in fours, as people read it

    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    client.post("/checkout", data=checkout_form())
    review = client.get("/checkout/review").get_data(as_text=True)
    shown = re.search(r'name="shown_total"[^>]*value="(\d+)"', review).group(1)
    placed = client.post("/checkout/place", data={"shown_total": shown})
    tracking = client.get(placed.headers["Location"]).get_data(as_text=True)
    read = re.sub(r"<[^>]+>", "", tracking)  # as read (the IBAN's groups are spans)
    assert "DE89 3704 0044 0532 0130 00" in read and "LV80" not in read
    [message] = smtp_server.messages
    text = message.get_body(("plain",)).get_content()
    assert "IBAN: DE89 3704 0044 0532 0130 00" in text and "COBADEFFXXX" in text


@pytest.mark.parametrize("changes, message", [
    ({"SHIPPING_FLAT_RATE": "-1"}, "Enter an amount such as 4.95"),
    ({"SHIPPING_EXPRESS_RATE": "12.999"}, "Enter an amount such as 4.95"),
    ({"FREE_SHIPPING_THRESHOLD": "lots"}, "Enter an amount such as 4.95"),
    ({"SHIPPING_FLAT_RATE": "99999"}, "Enter an amount from 0 to 10000.00"),
    ({"TAX_RATE_BPS": "150"}, "Enter a percentage from 0 to 100"),
    ({"STOCK_HOLD_MINUTES": "0"}, "Enter a whole number from 1 to 1440"),
    ({"MANUAL_PAYMENT_HOLD_HOURS": "two"}, "Enter a whole number from 1 to 720"),
    ({"SHOP_NAME": "  "}, "This field is required"),
    ({"BANK_IBAN": "LV80 BANK 0000 4351 9500 2"}, "Enter a valid IBAN"),
    ({"BANK_BIC": "BANK"}, "Enter a BIC of 8 or 11"),
    ({"SHIP_TO_COUNTRIES": "LV, XY"}, "Not a country code: XY"),
    ({"SHIP_TO_COUNTRIES": ""}, "Enter at least one country"),
    ({"LANGUAGES": ["es", "lv"]}, "The default language (en) must stay on"),
    ({"LANGUAGES": ["en", "de"]}, "The shop cannot speak de"),
    ({"FRAME_ANCESTORS": "https://*.facebook.com"}, "is not an exact origin"),
    ({"FRAME_ANCESTORS": "https://www.facebook.com/shop"}, "is not an exact origin"),
    ({"app3_platform": "meta", "app3_app_id": "77", "app3_pages": "42"}, "Enter the secret of each new app"),
    ({"app0_pages": ""}, "Enter the ids of the Facebook pages"),
], ids=lambda value: str(value)[:40])
def test_a_refused_value_is_shown_on_its_field_and_nothing_is_written(client, admin, changes, message):
    response = client.post("/admin/settings", data=settings_form(SHOP_TAGLINE="Changed too", **changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert "has-error" in page or "app" in next(iter(changes))
    assert rows() == {} and audit_entries() == []


def test_a_change_is_audited_with_old_and_new_values_and_the_secrets_masked(client, admin):
    assert client.post("/admin/settings", data=settings_form(
        SHIPPING_FLAT_RATE="5.95", app0_secret="a-brand-new-meta-secret")).status_code == 302
    entries = {entry.target_id: entry for entry in audit_entries()}
    assert set(entries) == {"SHIPPING_FLAT_RATE", "SOCIAL_APPS"}
    rate = entries["SHIPPING_FLAT_RATE"]
    assert (rate.actor_email, rate.details["old"], rate.details["new"]) == ("admin@example.com", 495, 595)
    apps = entries["SOCIAL_APPS"].details
    assert [app["secret"] for app in apps["old"]] == ["set", "set", "set"]
    assert [app["secret"] for app in apps["new"]] == ["replaced", "set", "set"]
    stored = json.dumps([entry.details for entry in audit_entries()])
    assert "a-brand-new-meta-secret" not in stored and not any(secret in stored for secret in DEMO_SECRETS)
    runtime.refresh(flask.current_app)
    assert flask.current_app.config["SOCIAL_APPS"][0]["secret"] == "a-brand-new-meta-secret"
    assert flask.current_app.config["SOCIAL_APPS"][1]["secret"] == DEMO_SECRETS[1]  # blank: kept


def test_secrets_are_never_in_a_page(client, admin):
    bodies = [client.get("/admin/settings").get_data(as_text=True)]
    # A refused form is shown again: the secret typed is not sent back either.
    refused = client.post("/admin/settings", data=settings_form(SHOP_NAME="", app1_secret="typed-new-secret"))
    assert refused.status_code == 400
    bodies.append(refused.get_data(as_text=True))
    client.post("/admin/settings", data=settings_form(app1_secret="typed-new-secret"))
    audit = client.get("/admin/audit")
    assert audit.status_code == 200 and "SOCIAL_APPS" in audit.get_data(as_text=True)
    bodies += [client.get("/admin/settings").get_data(as_text=True), audit.get_data(as_text=True)]
    for body in bodies:
        for secret in (*DEMO_SECRETS, "typed-new-secret"):
            assert secret not in body
    assert "Leave blank to keep it" in bodies[0]


def test_an_app_can_be_added_and_removed(client, admin):
    response = client.post("/admin/settings", data=settings_form(
        app2_remove="y", app3_platform="telegram", app3_bot="@NewShopBot", app3_secret="42:new-bot-token"))
    assert response.status_code == 302
    runtime.refresh(flask.current_app)
    apps = flask.current_app.config["SOCIAL_APPS"]
    assert [app["platform"] for app in apps] == ["meta", "telegram", "telegram"]
    assert apps[2] == {"platform": "telegram", "bot": "NewShopBot", "secret": "42:new-bot-token"}


def test_a_reset_puts_the_environment_value_back(client, admin):
    client.post("/admin/settings", data=settings_form(SHIPPING_FLAT_RATE="9.00", SHOP_NAME="Vilna Outlet"))
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Changed by admin@example.com" in page and "Default: 4.95." in page
    assert flask.current_app.config["SHIPPING_FLAT_RATE"] == 900

    assert client.post("/admin/settings/reset/SHIPPING_FLAT_RATE").status_code == 302
    client.get("/admin/settings")
    assert flask.current_app.config["SHIPPING_FLAT_RATE"] == 495
    assert flask.current_app.config["SHOP_NAME"] == "Vilna Outlet"
    assert set(rows()) == {"SHOP_NAME", "_version"}
    last = audit_entries()[-1]
    assert (last.target_id, last.details["old"], last.details["new"], last.details["default"]) == (
        "SHIPPING_FLAT_RATE", 900, 495, True)
    # Typing the default again is a reset too: the environment stays in charge of it.
    client.post("/admin/settings", data=settings_form(SHOP_NAME="Ziemeļu Vilna"))
    assert set(rows()) == {"_version"}
    assert client.post("/admin/settings/reset/SECRET_KEY").status_code == 400


def test_a_form_shown_before_another_admin_s_change_is_refused_and_shows_the_change(client, admin):
    stale = settings_form(SHOP_NAME="Vilna Outlet")
    assert client.post("/admin/settings", data=settings_form(SHIPPING_FLAT_RATE="6.00")).status_code == 302
    response = client.post("/admin/settings", data=stale)  # still says 4.95, and another name
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else saved the settings meanwhile" in page and 'value="6.00"' in page
    assert rows()["SHIPPING_FLAT_RATE"] == 600 and "SHOP_NAME" not in rows()


def test_the_service_checks_every_value_itself(app, admin):
    with app.test_request_context("/"):
        for changes in ({"SHOP_NAME": "Vilna\x00"}, {"SHIPPING_FLAT_RATE": "7.50"}, {"TAX_RATE_BPS": 10_001},
                        {"PRICES_INCLUDE_TAX": "yes"}, {"FRAME_ANCESTORS": "https://a.example"}, {"SECRET_KEY": "x"}):
            with pytest.raises(InvalidSetting):
                service.change_settings(changes, admin, now=utcnow())
    assert rows() == {} and audit_entries() == []


def test_saving_without_a_change_writes_nothing(client, admin):
    assert client.post("/admin/settings", data=settings_form()).status_code == 302
    assert "Nothing changed" in client.get("/admin/settings").get_data(as_text=True)
    assert rows() == {} and audit_entries() == []


def test_a_change_purges_the_shared_pages(client, admin, app):
    make_product(title="Dzintars pullover", variants=[{"price": 8900, "stock": 3}])
    visitor = app.test_client()
    visitor.get("/")
    assert visitor.get("/").headers["X-Cache"] == "HIT"
    client.post("/admin/settings", data=settings_form(SHOP_NAME="Vilna Outlet", SHOP_TAGLINE="Seconds and samples"))
    page = visitor.get("/")
    assert page.headers["X-Cache"] == "MISS"
    assert "Vilna Outlet" in page.get_data(as_text=True)


def test_new_parent_origins_are_in_the_next_page_s_frame_policy(client, admin, app):
    client.post("/admin/settings", data=settings_form(FRAME_ANCESTORS="https://www.facebook.com\nhttps://VK.com:443"))
    policy = app.test_client().get("/").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.facebook.com https://vk.com:443" in policy


def test_a_language_switched_off_is_no_longer_offered(client, admin, app):
    client.post("/admin/settings", data=settings_form(LANGUAGES=["en", "es"]))
    home = app.test_client().get("/?lang=lv", headers={"Accept-Language": "en"})
    assert home.headers["Content-Language"] == "en"
    assert 'hreflang="lv"' not in home.get_data(as_text=True)


def test_a_worker_process_applies_a_change_at_its_next_task(client, admin, app):
    worker = create_app({key: app.config[key] for key in (
        "TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "UPLOAD_FOLDER", "TASKS_IMMEDIATE", "HUEY_URL",
        "PAGE_CACHE_URL", "RATELIMIT_STORAGE_URI", "SOCIAL_APPS", "FRAME_ANCESTORS", "SMTP_HOST")}
        | {"INSTANCE_PATH": app.instance_path})
    try:
        with worker.app_context(), tasks.task_context():
            assert worker.config["BANK_IBAN"] == "LV80 BANK 0000 4351 9500 1"
        client.post("/admin/settings", data=settings_form(BANK_IBAN="DE89370400440532013000", SHOP_NAME="Vilna"))
        with worker.app_context(), tasks.task_context():
            assert (worker.config["BANK_IBAN"], worker.config["SHOP_NAME"]) == ("DE89 3704 0044 0532 0130 00", "Vilna")
        client.post("/admin/settings/reset/BANK_IBAN")
        with worker.app_context(), tasks.task_context():
            assert worker.config["BANK_IBAN"] == "LV80 BANK 0000 4351 9500 1"
    finally:
        with worker.app_context():
            db.engine.dispose()


def test_a_database_not_migrated_yet_is_no_warning(app, tmp_path, caplog):
    """`make run` enters the app to run `flask db upgrade` on a new database: no settings table yet,
    and nothing to say about it (a database that is away still gets its warning)."""
    fresh = create_app({key: app.config[key] for key in ("TESTING", "SECRET_KEY", "HUEY_URL",
                                                         "RATELIMIT_STORAGE_URI")}
                       | {"INSTANCE_PATH": str(tmp_path), "PAGE_CACHE_URL": "off",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'new.db'}"})
    try:
        with caplog.at_level("WARNING", logger="storefront.shop_settings.runtime"), fresh.app_context():
            assert fresh.config["SHOP_NAME"] == app.config["SHOP_NAME"]
        assert not [record for record in caplog.records if record.name == "storefront.shop_settings.runtime"]
    finally:
        with fresh.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("kind", ["memory", "sqlite", "redis"])
def test_every_page_store_keeps_the_settings_version_for_every_process(kind, tmp_path):
    """The number each process compares lives in the page cache's store: what one process
    writes, another process's store object reads (the SQLite file, Redis); a store never written
    says None, so a process reads the rows once."""
    if kind == "memory":
        writer = reader = page_cache.MemoryStore()
    elif kind == "sqlite":
        writer, reader = (page_cache.SqliteStore(str(tmp_path / "pages.db")) for _ in range(2))
    else:
        url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
        prefix = f"test:{uuid.uuid4().hex}:"
        try:
            redis.Redis.from_url(url).ping()
        except redis.RedisError as error:
            skip_or_fail(f"Redis is not reachable at {url} ({error})")
        writer, reader = (page_cache.RedisStore(url, prefix=prefix) for _ in range(2))
    assert reader.read_marker(runtime.MARKER) is None
    writer.write_marker(runtime.MARKER, 2**62 - 1)
    assert reader.read_marker(runtime.MARKER) == 2**62 - 1
    writer.bump()  # the pages' version is another number
    assert reader.read_marker(runtime.MARKER) == 2**62 - 1
    if kind == "redis":
        redis.Redis.from_url(url).delete(f"{prefix}marker:{runtime.MARKER}", f"{prefix}version")
