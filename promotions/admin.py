"""The marketer's pages: offers, codes, preview, results; the store staff's scan page.

Views parse a form, call one use case of `promotions.lifecycle` or `promotions.channel_codes` (or
`redemptions.redeem_in_store`), read what they show from `promotions.results` and `promotions.preview`, and render. A `ShopError`
is shown on the field it names and answered with its 4xx status; nothing has been written then.
A staff area of the back office (`storefront.backoffice.shell`): every route names its permission
(deny by default), and the pages share the back office's layout and nav.
"""
from __future__ import annotations

import base64
import hashlib
import re

import pygal
import sqlalchemy as sa
from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pygal.style import Style

from storefront.accounts.models import Permission
from storefront.accounts.permissions import permission_required
from storefront.audit.targets import Named, int_ids, names
from storefront.backoffice.forms import translated_form
from storefront.backoffice.shell import (ConfirmForm, acting_user, require_confirmation, show_error,
                                         staff_blueprint)
from storefront.catalog.translations import other_languages
from storefront.database import utcnow
from storefront.errors import ShopError
from storefront.i18n import short_day
from storefront.extensions import db
from storefront.money import typed_amount
from storefront.security import allow_sources
from storefront.social import platforms

from . import channel_codes, exports, lifecycle, preview, redemptions, results, staff_actions, terms
from .forms import BatchForm, CodeForm, OfferForm, PreviewForm, RedeemForm, ScanForm
from .models import Offer

bp = staff_blueprint("offers_admin", __name__, url_prefix="/admin/offers")
manage = permission_required(Permission.MANAGE_OFFERS)


def _channel_choices():
    return [(c, platforms.channel_name(c)) for c in channel_codes.CHANNELS]


# --- the list and the offer form ------------------------------------------------------------

@bp.get("/")
@manage
def offers():
    return render_template("admin/offers/list.html", rows=results.offer_rows(utcnow()))


def _offer_form(offer: Offer | None = None) -> OfferForm:
    form = translated_form(OfferForm, tuple(other_languages()))(data=None if request.method == "POST" else _form_data(offer))
    form.product_ids.choices = results.product_choices()
    form.category_ids.choices = results.category_choices()
    form.audience_pages.choices = platforms.configured_pages()
    form.timezone.choices = [(z, z) for z in terms.zone_names()]
    return form


def _form_data(offer: Offer | None) -> dict:
    if offer is None:
        return {"timezone": terms.shop_zone(), "priority": "0"}
    currency = _currency()
    money = (lambda v: typed_amount(v, currency) if v else "")
    text = (lambda v: "" if v is None else str(v))
    zone = terms.form_zone(offer.timezone)
    return {
        "name": offer.name, "description": offer.description, "benefit": offer.benefit,
        "percent": text(offer.percent), "amount": money(offer.amount), "buy_qty": text(offer.buy_qty),
        "get_qty": text(offer.get_qty), "shipping_methods": list(offer.shipping_methods or ["standard"]),
        "target": offer.target, "product_ids": [p.id for p in offer.products],
        "category_ids": [c.id for c in offer.categories], "min_subtotal": money(offer.min_subtotal),
        "min_quantity": text(offer.min_quantity), "audience": offer.audience,
        "audience_pages": list(offer.audience_pages or []),
        "starts_at": terms.utc_to_local(offer.starts_at, zone),
        "ends_at": terms.utc_to_local(offer.ends_at, zone), "timezone": zone,
        "cap_total": text(offer.cap_total), "cap_per_customer": text(offer.cap_per_customer),
        "exclusive": offer.exclusive, "priority": str(offer.priority), "thank_you": offer.thank_you,
        **{f"{field}_{language}": text for language, entry in (offer.translations or {}).items()
           for field, text in entry.items()},
    }


def _currency() -> str:
    return current_app.config["SHOP_CURRENCY"]


@bp.app_template_filter("offer_time")
def offer_time(value, zone: str) -> str:
    """A moment of an offer's window as its form takes it, so that the list, the offer's page and
    the form agree: to the minute, in the offer's zone ("2027-05-01 00:00")."""
    return terms.utc_to_local(value, zone).strftime("%Y-%m-%d %H:%M")


def _render_form(form, offer=None, status: int = 200):
    return render_template("admin/offers/form.html", form=form, offer=offer,
                           status=offer.status_at(utcnow()) if offer else None,
                           platforms=platforms.platform_audiences(), platform_names=platforms.PLATFORM_LABELS), status


@bp.route("/new", methods=["GET", "POST"])
@manage
def offer_new():
    form = _offer_form()
    if not form.is_submitted():
        return _render_form(form)
    if not form.validate():
        return _render_form(form, status=400)
    try:
        offer = lifecycle.create_offer(form.data_for_service(), acting_user(), utcnow())
    except ShopError as error:
        return _render_form(form, status=show_error(form, error))
    flash(_("Offer saved as a draft. Preview it, then schedule it."), "success")
    return redirect(url_for(".offer_detail", offer_id=offer.id))


@bp.route("/<int:offer_id>/edit", methods=["GET", "POST"])
@manage
def offer_edit(offer_id: int):
    offer = lifecycle.get_offer(offer_id)
    form = _offer_form(offer)
    if not form.is_submitted():
        return _render_form(form, offer)
    if not form.validate():
        return _render_form(form, offer, status=400)
    try:
        lifecycle.update_offer(offer_id, form.data_for_service(), acting_user(), utcnow())
    except ShopError as error:
        status = show_error(form, error)
        return _render_form(form, lifecycle.get_offer(offer_id), status=status)
    flash(_("Offer saved."), "success")
    return redirect(url_for(".offer_detail", offer_id=offer_id))


# --- one offer: codes, batches, results, audit ----------------------------------------------

def _render_detail(offer_id: int, *, code_form=None, batch_form=None, status: int = 200):
    now = utcnow()
    offer = lifecycle.get_offer(offer_id)
    code_form = code_form or CodeForm(formdata=None)
    batch_form = batch_form or BatchForm(formdata=None)
    code_form.channel.choices = batch_form.channel.choices = _channel_choices()
    audit_entries = results.offer_audit(offer_id)
    return render_template(
        "admin/offers/detail.html", offer=offer, results=results.results(offer_id, now),
        codes=results.offer_codes(offer_id), batches=results.offer_batches(offer_id),
        audit_entries=audit_entries, action_sentences=staff_actions.offer_action_sentences(audit_entries),
        code_form=code_form, batch_form=batch_form,
        confirm_form=ConfirmForm(), offer_url=exports.offer_url(offer)), status


@bp.get("/<int:offer_id>")
@manage
def offer_detail(offer_id: int):
    return _render_detail(offer_id)


@bp.post("/<int:offer_id>/schedule")
@manage
def offer_schedule(offer_id: int):
    require_confirmation()
    lifecycle.schedule(offer_id, acting_user(), utcnow())
    flash(_("Offer scheduled."), "success")
    return redirect(url_for(".offer_detail", offer_id=offer_id))


@bp.post("/<int:offer_id>/end")
@manage
def offer_end(offer_id: int):
    require_confirmation()
    lifecycle.end_early(offer_id, acting_user(), utcnow())
    flash(_("Offer ended. Shoppers no longer get it."), "success")
    return redirect(url_for(".offer_detail", offer_id=offer_id))


@bp.post("/<int:offer_id>/codes")
@manage
def code_add(offer_id: int):
    form = CodeForm()
    form.channel.choices = _channel_choices()
    if not form.validate_on_submit():
        return _render_detail(offer_id, code_form=form, status=400)
    try:
        code = channel_codes.add_shared_code(offer_id, form.code.data, form.channel.data, form.utm_source.data,
                                         form.utm_campaign.data, form.channel_only.data, acting_user(), utcnow())
    except ShopError as error:
        status = show_error(form, error)
        return _render_detail(offer_id, code_form=form, status=status)
    flash(_("Code %(code)s added.", code=code.code), "success")
    return redirect(url_for(".offer_detail", offer_id=offer_id) + "#codes")


@bp.post("/<int:offer_id>/batches")
@manage
def batch_add(offer_id: int):
    form = BatchForm()
    form.channel.choices = _channel_choices()
    if not form.validate_on_submit():
        return _render_detail(offer_id, batch_form=form, status=400)
    try:
        batch = channel_codes.create_batch(offer_id, form.size.data, form.channel.data, form.utm_source.data,
                                       form.utm_campaign.data, acting_user(), utcnow())
    except ShopError as error:
        status = show_error(form, error)
        return _render_detail(offer_id, batch_form=form, status=status)
    flash(_("%(size)d single-use codes created. Download them as CSV.", size=batch.size), "success")
    return redirect(url_for(".offer_detail", offer_id=offer_id) + "#codes")


@bp.post("/batches/<int:batch_id>/csv")
@manage
def batch_download(batch_id: int):
    require_confirmation()
    batch, text = exports.batch_csv(batch_id, actor=acting_user())
    filename = f"offer-{batch.offer_id}-codes-{batch.id}-{batch.channel}.csv"
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- the results chart ----------------------------------------------------------------------

CHART_STYLE = Style(background="#ffffff", plot_background="#ffffff", foreground="#1d2330",
                    foreground_strong="#1d2330", foreground_subtle="#677083", colors=("#1f5f8b", "#e0a100"),
                    font_family="system-ui, sans-serif", label_font_size=12, major_label_font_size=12,
                    legend_font_size=13, title_font_size=14)


def whole_ticks(top: int, most: int = 6) -> list[int]:
    """Ticks for a count axis from 0 to at least `top`: whole numbers 1, 2 or 5 × 10ⁿ apart, at
    most `most` steps (a count of redemptions has no 0.2 or 1.5, and no tick is shown twice)."""
    top, magnitude = max(top, 1), 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            steps = -(-top // step)  # rounded up
            if steps <= most:
                return list(range(0, steps * step + 1, step))
        magnitude *= 10


def chart_svg(series) -> str:
    """Redeemed (paid) redemptions per day as bars on one axis of whole numbers, as SVG without
    scripts; an empty state when there is none yet (a draft, an offer that has not started)."""
    counts = [day.redemptions for day in series]
    ticks = whole_ticks(max(counts, default=0))
    chart = pygal.Bar(js=[], style=CHART_STYLE, width=900, height=320, show_legend=False,
                      show_y_guides=True, x_label_rotation=0, truncate_label=-1, print_values=False,
                      margin=16, no_data_text=_("No redemptions yet"), show_minor_x_labels=False,
                      value_formatter=lambda value: f"{value:,.0f}", include_x_axis=True,
                      y_title=_("Redeemed per day"), y_labels=ticks, range=(0, ticks[-1]),
                      x_labels_major_every=max(1, len(series) // 10) if series else None)
    chart.x_labels = [short_day(day.day) for day in series]
    chart.add(_("Redeemed per day"), counts if any(counts) else [])
    svg = chart.render(is_unicode=True)
    # js=[] still leaves a config <script>, and the tooltip (unused without scripts) an inline style.
    svg = re.sub(r"<script\b[^>]*>.*?</script>", "", svg, flags=re.DOTALL)
    return svg.replace(' style="opacity: 0"', "")


@bp.get("/<int:offer_id>/chart.svg")
@manage
def offer_chart(offer_id: int):
    svg = chart_svg(results.results(offer_id, utcnow()).days)
    # An SVG shown through <img> is governed by its own response's CSP: allow exactly its own
    # <style> blocks, by hash (a nonce-based policy ignores 'unsafe-inline').
    for style in re.findall(r"<style[^>]*>(.*?)</style>", svg, flags=re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        allow_sources("style-src", f"'sha256-{digest}'")
    return Response(svg, mimetype="image/svg+xml")


# --- preview --------------------------------------------------------------------------------

@bp.get("/<int:offer_id>/preview")
@manage
def offer_preview(offer_id: int):
    offer = lifecycle.get_offer(offer_id)
    variants, defaults = preview.preview_variants(offer)
    asked = "persona" in request.args
    form = PreviewForm(request.args if asked else None,
                       data=None if asked else preview.preview_defaults(offer, utcnow()))
    form.page.choices = [("", _("No page (opened directly)")), *platforms.configured_pages()]
    form.timezone.choices = [(z, z) for z in terms.zone_names()]
    quantities = ({v.id: request.args.get(f"qty-{v.id}", 0, type=int) or 0 for v in variants} if asked
                  else defaults)
    result, status = None, 200
    if asked:
        if not form.validate():
            status = 400
        else:
            try:
                result = preview.preview(offer_id, persona=form.persona.data, page=form.page.data or None,
                                         moment=form.moment.data, zone=form.timezone.data, quantities=quantities)
            except ShopError as error:
                status = show_error(form, error)
    return render_template("admin/offers/preview.html", offer=offer, form=form, variants=variants,
                           quantities=quantities, result=result), status


# --- the store's scan page ------------------------------------------------------------------

def _render_scan(code: str, status: int = 200):
    form = ScanForm(data={"code": code})
    scan = preview.scan_status(code, utcnow()) if code else None
    return render_template("admin/offers/scan.html", form=form, scan=scan,
                           redeem_form=RedeemForm(data={"code": code})), status


@bp.get("/scan")
@permission_required(Permission.REDEEM_IN_STORE)
def scan():
    return _render_scan((request.args.get("code") or "")[:60])


@bp.post("/scan")
@permission_required(Permission.REDEEM_IN_STORE)
def scan_redeem():
    form = RedeemForm()
    if not form.validate_on_submit():
        return _render_scan("", status=400)
    try:
        redemptions.redeem_in_store(form.code.data, actor=acting_user(), now=utcnow())
    except ShopError as error:
        flash(str(error.message), "error")
        return _render_scan(form.code.data, status=error.status)
    flash(_("Marked used. Give the shopper the offer."), "success")
    return redirect(url_for(".scan", code=form.code.data))



@names("offer")
def _offers_in_the_audit_log(ids: list[str]) -> dict[str, Named]:
    """The audit log's name for an offer: its name in the staff member's language, linked."""
    offers = db.session.scalars(sa.select(Offer).where(Offer.id.in_(int_ids(ids))))
    return {str(offer.id): Named(offer.localized("name"), url_for("offers_admin.offer_detail", offer_id=offer.id))
            for offer in offers}
