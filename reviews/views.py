"""Shoppers' pages for reading reviews: a product's reviews (sorted, filtered, paged), "How our
reviews work" with the shop's monthly ledger, and a product's ledger. Plus the deferred CSRF token
that lets post forms live on cacheable pages.

Every page here is the same bytes for every anonymous visitor of a (path, language): they write
nothing, set no cookie and carry nothing about the visitor (no CSRF token, no vote state).

Deferred CSRF. A post form on a cacheable page (add to cart, "helpful", "report", ask a question)
carries an empty `csrf_token` and `data-deferred-csrf="/forms/token"`. `static/js/deferred-csrf.js`,
on submit, fetches a token from `GET /forms/token` (private, never stored by a cache; it starts the
visitor's session, which is an action of theirs, not a page view), fills it in and posts the form
to its real address (`data-action`). A browser that runs no script posts the form to its plain
`action`, `POST /forms/confirm?to=<real address>`: a page that only shows "please confirm" with the
same fields, a fresh token and one button, so the form works without JavaScript and without a
loop. That page changes nothing, so it needs no token itself; it accepts only the forms listed in
`DEFERRED_FORMS`, by their route.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from urllib.parse import urlsplit

from babel import dates as babel_dates
from flask import Blueprint, abort, current_app, g, render_template, request
from flask_babel import format_date, format_decimal, get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from storefront.catalog.browse import get_product
from storefront.catalog.seo import absolute_url
from storefront.database import utcnow
from storefront.extensions import csrf
from storefront.i18n import current_locale

from . import evidence, queries
from .models import WithholdReason

bp = Blueprint("review_pages", __name__)

# A response about one visitor: never stored by a shared cache, never sent to another site.
PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "same-origin"}

LANGUAGE_LABELS = {"en": _l("English"), "es": _l("Spanish"), "lv": _l("Latvian")}
FIT_LABELS = {"small": _l("runs small"), "true": _l("true to size"), "large": _l("runs large")}
SORT_LABELS = {"helpful": _l("Most helpful"), "newest": _l("Newest"), "lowest": _l("Lowest rating"),
               "highest": _l("Highest rating")}
WITHHOLD_LABELS = {
    WithholdReason.ABUSE: (_l("Abuse"), _l("threats, hate or harassment aimed at a person or group")),
    WithholdReason.SPAM: (_l("Spam"), _l("advertising, links to other shops, or the same text posted again and again")),
    WithholdReason.OFF_TOPIC: (_l("Off-topic"), _l("not about the product or the buyer's experience of it")),
    WithholdReason.PERSONAL_DATA: (_l("Personal data"), _l("someone's phone number, address or e-mail")),
    WithholdReason.CONFLICT_OF_INTEREST: (_l("Conflict of interest"),
                                          _l("written by someone who works for us, a competitor or a supplier")),
}
# The forms that may be posted through the deferred token, by route, with the button the
# no-script confirmation shows.
DEFERRED_FORMS = {
    "cart.add": _l("Add to cart"),
    "review_forms.helpful": _l("Yes, this review was helpful"),
    "review_forms.report": _l("Report this review"),
    "question_pages.ask": _l("Send the question"),
    "question_pages.vote": _l("Yes, this answer was helpful"),
    "offers.store_code": _l("Get my in-store code"),
}
MAX_CONFIRM_FIELDS = 20


# --- template helpers (the product page uses them too) ------------------------------------------

@bp.app_template_filter("review_duration")
def review_duration(delta: dt.timedelta | None) -> str:
    """"1 h 12 min", "40 min", "3 days": how long an answer took, floored to the minute."""
    if delta is None:
        return ""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 1:
        return _("under a minute")
    if minutes < 60:
        return _("%(minutes)d min", minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes) if minutes \
            else _("%(hours)d h", hours=hours)
    days = hours // 24
    return ngettext("%(num)d day", "%(num)d days", days)


@bp.app_template_filter("review_date")
def review_date(value: dt.datetime | None) -> str:
    """"12 Mar" in the shop's zone and the shopper's language; with the year when not this one."""
    if value is None:
        return ""
    language, zone, this_year = _date_setting()
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    local = zone.normalize(value.astimezone(zone))  # flask_babel's `to_user_timezone`
    return day_label(local.date(), local.year == this_year, language)


def _date_setting() -> tuple[str, dt.tzinfo, int]:
    """The language, the shop's zone and this year there, found once per request and language
    (a product page shows twenty dates; flask_babel looks the first two up in six lookups)."""
    request_globals = g._get_current_object()
    locale = current_locale(request_globals)
    setting = getattr(request_globals, "review_date_setting", None)
    if setting is None or setting[0] is not locale:
        zone = get_timezone()
        setting = request_globals.review_date_setting = (
            locale, str(locale), zone, zone.normalize(utcnow().astimezone(zone)).year)
    return setting[1:]


@lru_cache(maxsize=4096)
def day_label(day: dt.date, this_year: bool, language: str) -> str:
    """Babel's words for a day in the shop's zone (what flask_babel's `format_date` does once it
    has moved the moment to that zone), kept: a product page shows twenty dates, ~20 µs each
    to format, and the same few hundred days come back on every page. English reads "12 Mar"
    ("12 Mar 2025" in another year), as the badge has always said; other languages as their
    locale writes a day and month ("12. marts" is "12. mar." in Latvian, "12 mar" in Spanish)."""
    if language.startswith("en"):
        return babel_dates.format_date(day, "d MMM" if this_year else "d MMM yyyy", locale=language)
    return babel_dates.format_skeleton("MMMd" if this_year else "yMMMd", day, locale=language)


@bp.app_template_global()
def bought_label(label: str, product) -> str:
    """What a reviewer bought, as the order wrote it in the shop's default language ("M / Oat",
    the variant's option values in the product's option order), with each value in the page's
    language where the product translates it ("M / Auzu bēšs"). A label that does not have one
    value per option (an option added since, a label written through the API) stays as written."""
    names = list(getattr(product, "option_names", None) or ())
    parts = label.split(" / ") if label else []
    if not names or len(parts) != len(names):
        return label
    return " / ".join(product.option_value_label(name, part) for name, part in zip(names, parts))


@bp.app_template_filter("rating_number")
def rating_number(value) -> str:
    """An average rating as the shopper's language writes a decimal: "4.3", "4,3"."""
    return format_decimal(value, "0.0") if value is not None else ""


@bp.app_template_filter("month_label")
def month_label(value: dt.date) -> str:
    """"March 2026", in the shopper's language."""
    return format_date(value, "LLLL yyyy")


@bp.app_template_global()
def review_language_name(code: str) -> str:
    return str(LANGUAGE_LABELS.get(code, code))


@bp.app_template_global()
def review_fit_label(fit: str | None) -> str:
    return str(FIT_LABELS.get(fit, "")) if fit else ""


@bp.app_template_global()
def withhold_reason_label(reason: str) -> str:
    label = WITHHOLD_LABELS.get(reason)
    return str(label[0]) if label else reason


@bp.app_template_global()
def has_endpoint(endpoint: str) -> bool:
    """Whether a route exists (pages link to parts of the area that may not be installed)."""
    return endpoint in current_app.view_functions


@bp.app_template_global()
def review_sort_label(sort: str) -> str:
    return str(SORT_LABELS.get(sort, sort))


def shopper_language() -> str:
    return str(get_locale())


# --- pages --------------------------------------------------------------------------------------

@bp.get("/p/<slug>/reviews")
def product_reviews(slug: str):
    """All of a product's reviews: sort, filter by stars and fit, page. :raise 404: unknown product"""
    product = get_product(slug)
    chosen = queries.ReviewFilter.parse(request.args)
    reviews = queries.product_reviews(product, language=shopper_language(), chosen=chosen, highlights=False)
    return render_template("reviews/product_reviews.html", product=product, reviews=reviews,
                           ledger=evidence.product_ledger(product.id), sorts=queries.SORTS,
                           fits=queries.FITS, canonical_url=absolute_url(request.path))


@bp.get("/p/<slug>/reviews/ledger")
def ledger(slug: str):
    """What became of every review of the product. :raise 404: unknown product"""
    product = get_product(slug)
    return render_template("reviews/ledger.html", product=product, ledger=evidence.product_ledger(product.id),
                           reasons=WITHHOLD_LABELS)


@bp.get("/reviews/how-they-work")
def how_they_work():
    months, total = evidence.monthly_ledger(now=utcnow())
    config = current_app.config
    return render_template(
        "reviews/how_reviews_work.html", months=months, total=total, reasons=WITHHOLD_LABELS,
        hold_all=config["REVIEWS_HOLD_ALL"], allow_unverified=config["REVIEWS_ALLOW_UNVERIFIED"],
        allow_staff=config["REVIEWS_ALLOW_STAFF"], link_days=config["REVIEW_LINK_DAYS"],
        reminder_days=config["REVIEW_REMINDER_DAYS"], response_minutes=config["INBOX_RESPONSE_MINUTES"],
        negative_max=config["INBOX_NEGATIVE_MAX_RATING"], business_clock=config["INBOX_CLOCK"] == "business",
        favourable_min=config["REVIEWS_FAVOURABLE_MIN"], critical_max=config["REVIEWS_CRITICAL_MAX"])


# --- the deferred CSRF token --------------------------------------------------------------------

@bp.get("/forms/token")
def form_token():
    """A CSRF token for the visitor's session (starting the session if need be), for a form on a
    cacheable page that is being sent now."""
    return {"csrf_token": generate_csrf()}, 200, PRIVATE


def deferred_target(path: str) -> tuple[str, str]:
    """(address, endpoint) of a form that may be confirmed here. :raise 404: for anything else —
    another site, a route that is not a listed form."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        abort(404)
    try:
        endpoint, _args = current_app.url_map.bind_to_environ(request.environ).match(parts.path, method="POST")
    except (HTTPException, RequestRedirect):
        abort(404)
    if endpoint not in DEFERRED_FORMS:
        abort(404)
    return parts.path, endpoint


def _cross_site() -> bool:
    """Whether the browser says the post came from another site: Fetch Metadata where the browser
    sends it, else an Origin that is not this shop's."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site not in ("same-origin", "same-site", "none")
    origin = request.headers.get("Origin")
    return origin is not None and origin != request.host_url.rstrip("/")


@bp.post("/forms/confirm")
@csrf.exempt
def confirm_form():
    """The no-script path of a deferred form: the same fields, a token and one button. It writes
    no row (hence no token needed to get here), but making the token starts a session: a post from
    another site (which arrives without the shopper's SameSite=Lax cookie) would replace the
    shopper's session, losing their cart, so it is refused before anything touches the session.

    :raise 404: for a form not in DEFERRED_FORMS. :raise 403: for a post from another site.
    """
    if _cross_site():
        abort(403)
    action, endpoint = deferred_target(request.args.get("to", ""))
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if name != "csrf_token"][:MAX_CONFIRM_FIELDS]
    return render_template("reviews/product_form_confirm.html", action=action, fields=fields,
                           label=DEFERRED_FORMS[endpoint]), 200, PRIVATE
