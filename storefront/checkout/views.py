"""The checkout pages: details and choices, then a review with the full total, then the order.

The shopper's details live in the session between the two steps; the order is placed only from
the review page, with the total shown there, so the amount charged is the amount seen.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from promotions.limits import code_guess_limit
from promotions.messages import summary_notes
from promotions.service import pricing_context

from ..cart import session_cart
from ..cart.service import lost_for
from ..database import utcnow
from ..delivery import COLLECTED, shipping_options
from ..errors import ShopError
from ..money import MAX_PAYMENT
from ..orders.models import PaymentMethod
from ..social.attribution import count_checkout
from . import service, social_cart
from .addresses import InvalidPostalCode
from .admission import admit_checkout
from .forms import DetailsForm, PlaceOrderForm

bp = Blueprint("checkout", __name__, url_prefix="/checkout")
DETAILS_KEY = session_cart.CHECKOUT_DETAILS_KEY


def _choices():
    config = current_app.config
    options = shipping_options(config)
    shipping = [(code, str(option.name)) for code, option in options.items()]
    payment = [(m.value, str(service.PAYMENT_METHOD_NAMES[m])) for m in service.enabled_payment_methods(config)]
    return options, shipping, payment


def _offer_words(totals, pricing) -> dict:
    """The summary's words about offers: those the shopper had that stopped applying (and why),
    and what the others do or lack; the offers applied now are remembered for the next page."""
    lost = lost_for(totals, pricing, session_cart.offers_seen())
    session_cart.remember_offers(totals)
    return {"lost": lost, "notes": summary_notes(totals.offers, pricing.offers, lost)}


def _lines_or_redirect():
    cart = session_cart.current_cart()
    lines = service.cart_lines(cart) if cart else []
    return cart, lines


@bp.route("", methods=["GET", "POST"])
@code_guess_limit  # Meta's checkout link may carry a coupon to try
def details():
    if request.method == "GET" and social_cart.LINK_ARGS & request.args.keys():
        # Meta's checkout address (/checkout?products=ID:QTY,...&coupon=CODE) fills the cart first.
        for category, message in social_cart.fill_cart_from_link(request.args).messages():
            flash(message, category)
    cart, lines = _lines_or_redirect()
    if not lines:
        flash(_("Your cart is empty."), "error")
        return redirect(url_for("cart.show"), 303)
    count_checkout(cart.id)  # the dashboard's funnel: a checkout started, once per cart
    options, shipping, payment = _choices()
    first = next(iter(options))  # the shop's first delivery on offer
    saved = session.get(DETAILS_KEY) or {"country": current_app.config["SHOP_COUNTRY"]}
    if saved.get("shipping_method") not in options:  # none yet, or one the shop stopped offering since
        saved = {**saved, "shipping_method": first}
    form = DetailsForm(data=saved)
    form.set_choices(shipping, payment)
    if form.validate_on_submit():
        session[DETAILS_KEY] = {name: field.data for name, field in form._fields.items()
                                if name != "csrf_token" and field.data is not None}
        return redirect(url_for("checkout.review"), 303)
    pricing = pricing_context(email=form.email.data or None)
    quotes = {code: service.quote(lines, code, pricing) for code in options}
    chosen = form.shipping_method.data if form.shipping_method.data in quotes else first
    status = 400 if form.is_submitted() else 200
    return render_template("checkout/details.html", form=form, lines=lines, quotes=quotes, collected=COLLECTED,
                           totals=quotes[chosen], **_offer_words(quotes[chosen], pricing)), status


@bp.get("/review")
def review():
    cart, lines = _lines_or_redirect()
    saved = session.get(DETAILS_KEY)
    if not lines:
        flash(_("Your cart is empty."), "error")
        return redirect(url_for("cart.show"), 303)
    if not saved:
        return redirect(url_for("checkout.details"), 303)
    pricing = pricing_context(email=saved.get("email"))
    try:
        totals = service.quote(lines, saved["shipping_method"], pricing)
    except ShopError as error:
        flash(error.message, "error")
        return redirect(url_for("checkout.details"), 303)
    if totals.total > MAX_PAYMENT:  # shipping, tax or a price raised since took the cart past it
        flash(service.OrderTooLarge().message, "error")
        return redirect(url_for("cart.show"), 303)
    options, _shipping, _payment = _choices()
    form = PlaceOrderForm(shown_total=str(totals.total))
    return render_template("checkout/review.html", form=form, lines=lines, totals=totals, details=saved,
                           shipping=options[saved["shipping_method"]], collected=COLLECTED,
                           payment_name=service.PAYMENT_METHOD_NAMES[PaymentMethod(saved["payment_method"])],
                           **_offer_words(totals, pricing))


@bp.post("/place")
@admit_checkout(retry_endpoint="checkout.review")
def place():
    form = PlaceOrderForm()
    saved = session.get(DETAILS_KEY)
    cart = session_cart.current_cart()
    if not form.validate_on_submit() or cart is None:
        return redirect(url_for("checkout.details"), 303)
    if not saved:
        # The order was placed and the page re-sent (back button, second click).
        order = service.recent_order_from_cart(cart.token, now=utcnow())
        return _after_placing(order) if order else redirect(url_for("checkout.details"), 303)
    try:
        shown_total = int(form.shown_total.data)
    except (TypeError, ValueError):
        shown_total = -1  # a tampered total never matches: the review page is shown again
    details = service.ShopperDetails(locale=str(get_locale()), channel=session.get("channel", "web"),
                                     utm_source=session.get("utm_source", ""),
                                     utm_campaign=session.get("utm_campaign", ""),
                                     **{k: saved.get(k) or "" for k in service.DETAIL_FIELDS})
    try:
        now = utcnow()
        order = service.place_order(cart.token, details, now=now, shown_total=shown_total,
                                    pricing=pricing_context(now=now), seen_offer_ids=session_cart.offers_seen())
    except service.EmptyCart:
        # Pressed twice: the first press placed the order and emptied the cart; show that order.
        order = service.recent_order_from_cart(cart.token, now=utcnow())
        if order is None:
            flash(_("Your cart is empty."), "error")
            return redirect(url_for("cart.show"), 303)
    except service.TotalChanged as error:
        flash(error.message, "error")
        return redirect(url_for("checkout.review"), 303)
    # A choice no longer on offer, or details kept from before a rule: choose or correct them again.
    except (service.InvalidCheckout, InvalidPostalCode) as error:
        flash(error.message, "error")
        return redirect(url_for("checkout.details"), 303)
    except ShopError as error:
        flash(error.message, "error")
        return redirect(url_for("cart.show"), 303)
    session.pop(DETAILS_KEY, None)
    session_cart.forget_offers(order.id)
    return _after_placing(order)


def _after_placing(order):
    if order.payment_method == PaymentMethod.CARD and order.status == "pending_payment":
        return redirect(url_for("tracking.pay", token=order.tracking_token), 303)
    return redirect(url_for("tracking.track", token=order.tracking_token, placed=1), 303)
