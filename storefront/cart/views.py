"""The cart page and its POST actions (add, change quantity, remove), for the session's cart.

Every action is a CSRF-protected POST that redirects (303) after success with a flashed message.
A refused action re-renders the page it came from with the reason and the error's 4xx status,
and changes nothing: the service wrote nothing (its transaction rolled back), so the view neither
commits nor rolls back. Prices and totals sent by the client are never read.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from promotions import service as offers
from promotions import stats as offer_stats
from promotions.limits import TooManyCodes, code_guess_limit, retry_headers

from ..catalog import browse, kept
from ..catalog.views import render_product_page
from ..database import utcnow
from ..errors import ShopError
from ..social.attribution import count_cart
from . import session_cart
from .forms import AddToCartForm, ChangeQuantityForm, CodeForm, RemoveLineForm
from .service import pricing_rules

bp = Blueprint("cart", __name__, url_prefix="/cart")


@bp.get("/")
def show():
    return render_cart_page()


@bp.post("/add")
def add():
    form = AddToCartForm()
    try:
        line = session_cart.add_to_cart(form.variant_id.data, form.quantity.data)
    except ShopError as error:
        return _refused_add(form, error)
    count_cart(line.cart_id)  # the dashboard's funnel: a cart, counted once, on its first add
    flash(_("Added to your cart: %(item)s.", item=_line_name(line)), "success")
    return redirect(url_for("cart.show"), 303)


@bp.post("/update")
def update():
    form = ChangeQuantityForm()
    try:
        line = session_cart.change_quantity(form.variant_id.data, form.quantity.data)
    except ShopError as error:
        return render_cart_page(error=error, error_variant=form.variant_id.data, status=error.status)
    flash(_("Quantity updated: %(item)s × %(quantity)d.", item=_line_name(line), quantity=line.quantity), "success")
    return redirect(url_for("cart.show"), 303)


@bp.post("/remove")
def remove():
    form = RemoveLineForm()
    try:
        session_cart.remove(form.variant_id.data)
    except ShopError as error:
        return render_cart_page(error=error, status=error.status)
    flash(_("The item was removed from your cart."), "success")
    return redirect(url_for("cart.show"), 303)


@bp.post("/code")
@code_guess_limit
def enter_code():
    form = CodeForm()
    try:
        code = offers.enter_code(form.code.data, now=utcnow())
    except offers.CodeRefused as refused:
        return render_cart_page(error=refused, status=refused.status)
    flash(_("Code %(code)s applied: %(offer)s.", code=code.code, offer=code.offer.localized("name")), "success")
    return redirect(url_for("cart.show"), 303)


@bp.post("/code/remove")
def remove_code():
    offers.remove_code()
    flash(_("The code was removed from your cart."), "success")
    return redirect(url_for("cart.show"), 303)


@bp.errorhandler(429)
def too_many_codes(error):
    """Past the wrong-code limit: the cart page, with the reason on its code box."""
    body, status = render_cart_page(error=TooManyCodes(field="code"), status=429)
    return body, status, retry_headers(error)


def render_cart_page(*, error: ShopError | None = None, error_variant=None, status: int = 200):
    # Language links on a re-rendered page must lead to the cart, not to a POST-only address.
    g.page_endpoint = ("cart.show", {})
    view = session_cart.current_cart_view()
    offer_stats.note_cart_offers(view.totals)  # the page shows these offers applied: a cart for each
    return render_template(
        "cart/cart.html", view=view, rules=pricing_rules(),
        error=error, error_variant=str(error_variant or ""),
        has_checkout="checkout.details" in current_app.view_functions,
    ), status


def _refused_add(form: AddToCartForm, error: ShopError):
    """Back to the product page with the reason; without a known product, the error page."""
    try:
        product_id = int(form.product_id.data or 0)
        if not 0 < product_id < 2**31:
            raise ValueError("not a product id")
        slug = browse.active_product_slug(product_id)
    except (ValueError, ShopError):
        raise error from None
    # The add wrote nothing: the page is the product page as its GET shows it, and may be built
    # from what is kept for that (`page_cache.shows_a_page`): a sold-out rush is mostly these.
    g.page_endpoint = ("catalog.product", {"slug": slug})
    product = kept.product_for_page(slug)
    return render_product_page(product, requested_variant=form.variant_id.data,
                               quantity=(form.quantity.data or "")[:12], error=error, status=error.status)


def _line_name(line) -> str:
    label = line.variant.localized_label()
    title = line.variant.product.localized("title")
    return f"{title} ({label})" if label else title
