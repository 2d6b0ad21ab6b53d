"""The demo social page: a brand's page with the shop in a tab, playing the platforms' servers.

`GET /demo/` looks like Ziemeļu Vilna's page on a social platform. It signs a launch message
server-side with the demo apps' secrets (setting `SOCIAL_APPS`), exactly as the platform would,
and opens the shop in a frame on a different site: a page at http://127.0.0.1:PORT frames the shop
at http://localhost:PORT and the other way round, so the tab is a real cross-site frame
(`DEMO_SHOP_ORIGIN` overrides that). The page is no part of the shop and decides nothing in it.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..database import utcnow
from ..security import allow_sources
from .adapters import meta, telegram, vk

bp = Blueprint("demo", __name__, url_prefix="/demo")

PLATFORMS = {"meta": "Facebook", "telegram": "Telegram", "vk": "VK"}
TABS = ("posts", "about", "shop")
FRAME_NAME = "shop-tab"
# The community a VK launch comes from (VK names it in vk_group_id).
DEMO_VK_GROUP = "218000001"


@dataclass(frozen=True)
class DemoShopper:
    key: str
    name: str
    locale: str          # as the platform spells it
    user_id: str
    description: str


SHOPPERS = {
    shopper.key: shopper for shopper in (
        DemoShopper("liga", "Līga", "lv_LV", "100000001", _l("Latvian")),
        DemoShopper("lucia", "Lucía", "es_ES", "100000002", _l("Spanish")),
        DemoShopper("emma", "Emma", "en_GB", "100000003", _l("English")),
    )
}


def default_shopper() -> DemoShopper:
    """The shopper who speaks the demo page's own language (its ?lang=, or the browser's): someone
    trying the demo sees the framed shop in the language they read the page in."""
    language = str(get_locale())
    return next((s for s in SHOPPERS.values() if s.locale.split("_")[0] == language), SHOPPERS["emma"])


@dataclass(frozen=True)
class DemoLaunch:
    """How the frame is opened: a form POST into it (`fields`), or its address (`url`)."""

    platform: str
    method: str          # "post" | "get"
    url: str
    fields: dict
    raw: str             # the signed message itself, shown to the curious



def shop_origin() -> str:
    """The shop's origin as seen from the demo page: the other loopback name, so it is another site."""
    override = current_app.config.get("DEMO_SHOP_ORIGIN")
    if override:
        return override.rstrip("/")
    address = urlsplit(request.host_url)
    other = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}.get(address.hostname or "", address.hostname)
    port = f":{address.port}" if address.port else ""
    return f"{address.scheme}://{other}{port}"


def _app(platform: str) -> dict | None:
    return next((app for app in current_app.config["SOCIAL_APPS"]
                 if app.get("platform") == platform and app.get("secret")), None)


def build_launch(platform: str, shopper: DemoShopper, *, origin: str, app_data: str = "", now=None) -> DemoLaunch | None:
    """Sign a launch for `shopper` as `platform` would; None when no app of that platform is configured."""
    app = _app(platform)
    if app is None:
        return None
    issued_at = int((now or utcnow()).timestamp())
    if platform == "meta":
        pages = app.get("pages") or [""]
        raw = meta.sign(secret=app["secret"], page_id=str(pages[0]), issued_at=issued_at, user_id=shopper.user_id,
                        locale=shopper.locale, app_data=app_data, country="lv")
        return DemoLaunch(platform, "post", f"{origin}/tab", {"signed_request": raw}, raw)
    if platform == "telegram":
        raw = telegram.sign(bot_token=app["secret"], auth_date=issued_at, start_param=app_data,
                            user={"id": int(shopper.user_id), "first_name": shopper.name,
                                  "language_code": shopper.locale.split("_")[0]})
        return DemoLaunch(platform, "get", f"{origin}/tab/telegram?{urlencode({'tgWebAppData': raw})}", {}, raw)
    raw = vk.sign(secret=app["secret"], app_id=str(app["app_id"]), ts=issued_at, user_id=shopper.user_id,
                  group_id=DEMO_VK_GROUP, language=shopper.locale.split("_")[0], app_data=app_data)
    return DemoLaunch(platform, "get", f"{origin}/tab/vk?{raw}", {}, raw)


@bp.before_request
def only_when_enabled():
    # The demo signs launches with the demo apps' public secrets: anywhere but a demo it would
    # hand out valid launches to anyone who asks (see DEMO_PAGE in storefront/config.py).
    if not current_app.config["DEMO_PAGE"]:
        abort(404)


@bp.get("/")
def page():
    platform = request.args.get("platform") if request.args.get("platform") in PLATFORMS else "meta"
    shopper = SHOPPERS.get(request.args.get("shopper", "")) or default_shopper()
    tab = request.args.get("tab") if request.args.get("tab") in TABS else "shop"
    origin = shop_origin()
    launch = build_launch(platform, shopper, origin=origin, app_data=request.args.get("app_data", "")[:200])
    # The demo page frames the shop and posts the launch into the frame, as the platform did.
    allow_sources("frame-src", origin)
    allow_sources("form-action", origin)
    return render_template("social/demo.html", platforms=PLATFORMS, platform=platform, shoppers=SHOPPERS,
                           shopper=shopper, tab=tab, launch=launch, shop_origin=origin, frame_name=FRAME_NAME)


@bp.after_request
def never_framed(response):
    # The demo page plays a platform's top-level page; nothing may frame it. (Browsers prefer
    # CSP frame-ancestors when both are sent; see the report on security.py.)
    response.headers["X-Frame-Options"] = "DENY"
    return response
