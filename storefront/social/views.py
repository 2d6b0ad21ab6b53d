"""Platform launches: `POST /tab`, `GET|POST /tab/telegram`, `GET /tab/vk`; the page beacon.

Each verifies the platform's signed launch, starts the tab session and sends the shopper into
the shop with a 303. A launch that cannot be trusted gets a friendly page (400) in the shopper's
own language (never the language the untrusted launch claims) and starts nothing.
"""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from promotions import stats as offer_stats

from ..errors import error_response, wants_json
from ..extensions import csrf
from ..i18n import keep_language
from . import attribution, service
from .adapters import InvalidLaunch
from .platforms import platform_name

bp = Blueprint("social", __name__)


# A storefront page writes nothing when it is read (it may be a cached copy): static/js/beacon.js
# posts this once the page has loaded, naming the page. It keeps the language the visitor chose
# with `?lang=`, if they did, and, for a person rather than a crawler, starts the visit and counts
# the offers the page showed. It only ever counts, so it needs no CSRF token (sendBeacon cannot
# send one), and it never starts a session: only something the shopper does sets the cookie
# (storefront.social.attribution says how visits are counted without one).
@bp.post("/beacon")
@csrf.exempt
def beacon():
    page = request.form.get("page")
    landed = attribution.same_site_page(page)
    if landed is None:
        return "", 204
    with attribution.without_new_session():  # browsing sets no cookie
        keep_language((landed[1].get("lang") or [None])[0])
        if not attribution.is_bot():
            referrer = request.form.get("referrer")
            banners = request.form.get("offers") if attribution.counts_once_per_visit(referrer) else ""
            attribution.attribute_page_view(page, referrer)
            offer_stats.count_page_views(offer_stats.parse_offer_ids(banners), landed[0])
    return "", 204


def open_shop(platform: str, raw):
    launch = service.verify_launch(platform, raw)
    service.start_tab_session(launch)
    endpoint, args = service.landing_for(launch)
    return redirect(url_for(endpoint, **args), code=303)


# The platforms post these launches from their own sites: there is no CSRF token to send, and the
# signature is what proves where the launch came from.
@bp.post("/tab")
@csrf.exempt
def meta_tab():
    g.launch_platform = "meta"
    return open_shop("meta", request.form.get("signed_request", ""))


@bp.get("/tab/telegram")
def telegram_tab():
    g.launch_platform = "telegram"
    init_data = request.args.get("tgWebAppData") or request.args.get("init_data")
    if init_data is None:
        # Telegram hands initData to the page in the URL fragment, which browsers never send:
        # this page's script reads it and posts it back here.
        return render_template("social/telegram_launch.html")
    return open_shop("telegram", init_data)


@bp.post("/tab/telegram")
@csrf.exempt
def telegram_tab_post():
    g.launch_platform = "telegram"
    body = request.get_json(silent=True) if request.is_json else None
    init_data = body.get("init_data") if isinstance(body, dict) else request.form.get("init_data", "")
    return open_shop("telegram", init_data)


@bp.get("/tab/vk")
def vk_tab():
    g.launch_platform = "vk"
    return open_shop("vk", request.query_string.decode("utf-8", "replace"))


@bp.errorhandler(InvalidLaunch)
def refused_launch(error: InvalidLaunch):
    if wants_json():
        return error_response(error.status, error.code, error.message, reason=error.reason)
    platform = platform_name(g.get("launch_platform", ""))
    g.page_endpoint = ("catalog.home", {})  # the language links of a refused POST go home
    return render_template("social/launch_error.html", message=error.message, reason=error.reason,
                           platform=platform), error.status
