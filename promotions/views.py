"""The shopper's side of offers: the offer page (with a code in its link), the in-store QR code,
and the template helpers the shop's pages use to show offers.

An offer link's `?code=` goes through the wrong-code limit (`promotions.limits`), as every route
that tries a code does. Nothing a client says about itself (is_follower, price, discount) is read.
Every load of the offer page counts as a view, through its beacon (`stats.count_page_views`);
the template helpers below only read.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from storefront.database import utcnow
from storefront.errors import ShopError, error_response
from storefront.extensions import limiter
from storefront.i18n import duration_words
from storefront.mail.service import public_url

from . import banners, messages, service, store_codes, thanks
from .limits import TooManyCodes, code_guess_limit, retry_headers

bp = Blueprint("offers", __name__)


@bp.errorhandler(429)
def too_many_codes(error):
    """Past the wrong-code limit (an offer link with a code): the reason, in the shop's words."""
    refused = TooManyCodes(field="code")
    body, status = error_response(refused.status, refused.code, refused.message, refused.field)
    return body, status, retry_headers(error)


# --- the offer page -------------------------------------------------------------------------

@bp.get("/offers/<slug>")
@code_guess_limit
def show(slug: str):
    offer = service.offer_by_slug(slug)
    if offer is None:
        abort(404)
    error, status = None, 200
    if request.args.get("code"):
        try:
            service.enter_code(request.args["code"][:60], now=utcnow())
            flash(_("Your code is applied: %(benefit)s.", benefit=messages.benefit_text(offer)), "success")
            # The address without the code: a reload or a shared screenshot does not re-enter it.
            return redirect(url_for("offers.show", slug=slug), 303)
        except service.CodeRefused as refused:
            error, status = refused, refused.status
    return render_offer_page(offer, error=error, status=status)


def render_offer_page(offer, *, error: ShopError | None = None, status: int = 200):
    """The offer page. Its beacon counts the view, by the page's address
    (`stats.count_page_views`): the page itself writes nothing, and may be a cached copy."""
    context = banners.shopper_context()
    verdict = banners.page_verdict(offer, context)
    store_code = store_codes.session_store_code(offer)
    return render_template(
        "offers/offer.html", offer=offer, verdict=verdict, verdict_text=messages.verdict_text(verdict, offer),
        now=context.now, live=offer.is_live(context.now), store_code=store_code,
        qr_svg=_qr_svg(store_code.code) if store_code else None, error=error,
        words=_page_words(offer),
    ), status


def _page_words(offer) -> dict:
    """The offer in words, and where to shop it: its products, its categories, or the shop."""
    if offer.target == "products":
        links = [(p.localized("title"), url_for("catalog.product", slug=p.slug)) for p in offer.products if p.active]
    elif offer.target == "categories":
        links = [(c.localized("name"), url_for("catalog.category", slug=c.slug)) for c in offer.categories]
    else:
        links = []
    return {
        "target": messages.target_text(offer, [name for name, _url in links]),
        "audience": messages.audience_text(offer),
        "conditions": messages.conditions_text(offer),
        "shop_url": links[0][1] if len(links) == 1 else url_for("catalog.home"),
        "links": links if len(links) > 1 else [],
    }


@bp.post("/offers/<slug>/store-code")
@limiter.limit("30 per hour")
def store_code(slug: str):
    offer = service.offer_by_slug(slug)
    if offer is None:
        abort(404)
    try:
        store_codes.store_code_for(offer, banners.shopper_context())
    except ShopError as error:
        return render_offer_page(offer, error=error, status=error.status)
    return redirect(url_for("offers.show", slug=slug, _anchor="store-code"), 303)


def scan_url(code: str) -> str:
    """The store staff's scan page for `code`, as an absolute address the QR code carries."""
    if "offers_admin.scan" in current_app.view_functions:
        base = current_app.config.get("PUBLIC_BASE_URL")
        if base:
            return base.rstrip("/") + url_for("offers_admin.scan", code=code)
        return url_for("offers_admin.scan", code=code, _external=True)
    base = (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")
    return f"{base}/admin/offers/scan?{urlencode({'code': code})}"


def _qr_svg(code: str) -> str:
    """The QR code as inline SVG markup (attributes only: the CSP allows no style attribute)."""
    qr = segno.make(scan_url(code), error="m")
    return qr.svg_inline(scale=1, border=4, omitsize=True, svgclass="qr-code", lineclass="qr-module",
                         title=_("QR code for %(code)s", code=code), light="#fff", dark="#000")


# --- for templates (reading only: the views count what their pages show) ---------------------

@bp.app_template_global()
def offer_banners(product=None) -> list[banners.ShownOffer]:
    """Live offers for this shopper (for `product`: those on it or on the whole order)."""
    try:
        return banners.banners_for(product)
    except ShopError:
        return []


@bp.app_template_filter("offer_benefit")
def offer_benefit(offer) -> str:
    return messages.benefit_text(offer)


@bp.app_template_filter("offer_verdict")
def offer_verdict(verdict, offer) -> str | None:
    return messages.verdict_text(verdict, offer)


@bp.app_template_global()
def entered_code() -> str:
    return session.get(service.CODE_SESSION_KEY) or ""


@bp.app_template_global()
def offer_notes(totals) -> list[tuple[str, str]]:
    """What the cart's shopper should know about offers that did not apply: (name, words)."""
    if totals is None or totals.offers is None:
        return []
    return messages.cart_notes(totals.offers, banners.shopper_context().offers)


@bp.app_template_global()
def thank_you_for(order_id: int, language: str) -> dict | None:
    """The order's thank-you code for its receipt, with the offer page's address in the
    receipt's `language`."""
    code = thanks.code_for_order(order_id)
    if code is None:
        return None
    return {"code": code.code, "offer": code.offer, "benefit": messages.benefit_text(code.offer),
            "url": public_url("offers.show", slug=code.offer.slug, code=code.code, lang=language)}


@bp.app_template_global()
def offer_clock():
    """The server's now for this request: countdowns start from it, not from the client's clock."""
    return banners.shopper_context().now


@bp.app_template_filter("iso_utc")
def iso_utc(value) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@bp.app_template_filter("time_left")
def time_left(ends_at, now) -> str:
    """ "2 d 4 h", "4 h 5 min" or "5 min": the time an offer has left, to the minute (as staff
    read durations). countdown.js writes the same once the page has loaded, from the device's
    clock; it does not tick on (WCAG 2.2.2: nothing on the page updates itself while it is read)."""
    return duration_words((ends_at - now).total_seconds())


@bp.app_template_global()
def countdown_formats() -> dict[str, str]:
    """The same words with placeholders countdown.js fills in ({d} days, {h} hours, {m} minutes):
    `time_left`'s own messages, written with numbers no text holds, which become the placeholders."""
    d, h, m = 987_651, 987_652, 987_653

    def placeheld(text: str) -> str:
        return text.replace(str(d), "{d}").replace(str(h), "{h}").replace(str(m), "{m}")

    return {"days": placeheld(_("%(d)d d %(h)d h", d=d, h=h)), "hours": placeheld(_("%(h)d h %(m)d min", h=h, m=m)),
            "minutes": placeheld(_("%(m)d min", m=m))}
