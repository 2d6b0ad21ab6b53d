"""Staff order pages: the filtered order list, one order's detail, and the actions on it.

Viewing needs VIEW_ORDERS (support and marketers have it); moving an order along, resending its
last e-mail and writing internal notes need HANDLE_ORDERS (admins and support); a refund needs
REFUND_ORDERS (admins, and support where SUPPORT_MAY_REFUND is set). Each action is a
CSRF-protected POST that calls one use case (orders.staff for the state and notes, payments for
manual payments and refunds, mail for a resend; audited, one write transaction) and answers 303
back to the detail with a flash message. A refused action, by the form or by the use case (409
InvalidTransition, InvalidRefund, InvalidShipment, 503 PaymentUnavailable), re-renders the detail
with the message and the error's status; nothing has been written then.
"""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from promotions.service import redemptions_for_order

from ..accounts.models import Permission
from ..accounts.permissions import permission_required
from ..checkout.service import PAYMENT_METHOD_NAMES
from ..database import utcnow
from ..delivery import shipping_method_names
from ..errors import NotFoundError, ShopError
from ..mail import service as mail
from ..money import format_money, typed_amount
from ..orders import queries, staff
from ..orders.breakdown import order_breakdown
from ..orders.models import OrderStatus
from ..payments import refunds
from ..payments import service as payments
from . import bp
from . import queries as list_queries
from .order_forms import ORDER_STATUS_NAMES, REDEMPTION_STATUS_NAMES, NoteForm, OrderFilterForm, RefundForm, ShipForm
from .shell import ConfirmForm, acting_user, page_number, show_error

view_orders = permission_required(Permission.VIEW_ORDERS)
handle_orders = permission_required(Permission.HANDLE_ORDERS)
refund_orders = permission_required(Permission.REFUND_ORDERS)


def _names() -> dict:
    return {"status_names": ORDER_STATUS_NAMES, "payment_names": PAYMENT_METHOD_NAMES,
            "redemption_names": REDEMPTION_STATUS_NAMES}


@bp.get("/orders")
@view_orders
def orders():
    form = OrderFilterForm(request.args)
    if not form.validate():
        return render_template("admin/orders.html", form=form, page=None, **_names()), 400
    page = queries.order_page(form.filters(utcnow(), list_queries.HOLD_EXPIRING),
                              time_zone=current_app.config["SHOP_TIMEZONE"], page=page_number())
    return render_template("admin/orders.html", form=form, page=page, **_names())


def _allowed_actions(order) -> frozenset[str]:
    """The actions the order's state allows that this member may take (the buttons shown)."""
    if not current_user.can(Permission.HANDLE_ORDERS):
        return frozenset()
    actions = set(queries.staff_actions(order)) | {"note"}
    # A cancelled order's last mail asked for a payment that is no longer due.
    if order.status != OrderStatus.CANCELLED and mail.last_order_email(order.id) is not None:
        actions.add("resend_email")
    if not current_user.can(Permission.REFUND_ORDERS):
        actions.discard("refund")
    return frozenset(actions)


def _render_detail(order_id: int, status: int = 200, *, ship_form: ShipForm | None = None,
                   refund_form: RefundForm | None = None, note_form: NoteForm | None = None):
    order = queries.order_for_staff(order_id)
    g.language_page = ("admin.order_detail", {"order_id": order_id})  # also after a refused action
    remaining = queries.refundable_amount(order)
    if refund_form is None:
        refund_form = RefundForm(formdata=None, currency=order.currency,
                                 data={"amount": typed_amount(remaining, order.currency)})
    return render_template(
        "admin/order_detail.html", order=order, breakdown=order_breakdown(order),
        audit_entries=queries.audit_entries_for(order),
        actions=_allowed_actions(order), remaining=remaining,
        confirm_form=ConfirmForm(formdata=None), ship_form=ship_form or ShipForm(formdata=None),
        note_form=note_form or NoteForm(formdata=None),
        refund_form=refund_form, redemptions=redemptions_for_order(order.id), **_names(),
        shipping_names=shipping_method_names()), status  # an order's method, also one no longer offered


@bp.get("/orders/<int:order_id>")
@view_orders
def order_detail(order_id: int):
    return _render_detail(order_id)


def _run_action(order_id: int, form, use_case, done_message, *, form_name: str | None = None):
    """Validate `form`, run `use_case(form)`, then redirect with `done_message(result)`, or re-render
    the detail with what went wrong and its status."""
    refused = {form_name: form} if form_name else {}
    if not form.validate_on_submit():
        return _render_detail(order_id, 400, **refused)
    try:
        result = use_case(form)
    except NotFoundError:
        raise
    except ShopError as error:
        # The use case rolled its transaction back: nothing was written.
        return _render_detail(order_id, show_error(form, error), **refused)
    flash(done_message(result), "success")
    return redirect(url_for(".order_detail", order_id=order_id), 303)


@bp.post("/orders/<int:order_id>/mark-paid")
@handle_orders
def order_mark_paid(order_id: int):
    return _run_action(
        order_id, ConfirmForm(),
        lambda form: payments.mark_manual_payment_received(order_id, actor=acting_user(), now=utcnow()),
        lambda order: _("Order %(number)s is marked paid; the shopper gets a receipt.", number=order.number))


@bp.post("/orders/<int:order_id>/fulfil")
@handle_orders
def order_fulfil(order_id: int):
    return _run_action(
        order_id, ConfirmForm(), lambda form: staff.fulfil(order_id, actor=acting_user(), now=utcnow()),
        lambda order: _("Order %(number)s is packed and ready to ship.", number=order.number))


@bp.post("/orders/<int:order_id>/ship")
@handle_orders
def order_ship(order_id: int):
    return _run_action(
        order_id, ShipForm(),
        lambda form: staff.ship(order_id, carrier=form.carrier.data, tracking_number=form.tracking_number.data,
                                actor=acting_user(), now=utcnow()),
        lambda order: _("Order %(number)s is shipped; the shopper gets the tracking number by e-mail.",
                        number=order.number),
        form_name="ship_form")


@bp.post("/orders/<int:order_id>/deliver")
@handle_orders
def order_deliver(order_id: int):
    return _run_action(
        order_id, ConfirmForm(), lambda form: staff.deliver(order_id, actor=acting_user(), now=utcnow()),
        lambda order: _("Order %(number)s is marked delivered.", number=order.number))


@bp.post("/orders/<int:order_id>/cancel")
@handle_orders
def order_cancel(order_id: int):
    return _run_action(
        order_id, ConfirmForm(), lambda form: staff.cancel(order_id, actor=acting_user(), now=utcnow()),
        lambda order: _("Order %(number)s is cancelled and its items are back in stock.", number=order.number))


@bp.post("/orders/<int:order_id>/refund")
@refund_orders
def order_refund(order_id: int):
    form = RefundForm(currency=queries.order_for_staff(order_id).currency)
    return _run_action(
        order_id, form, lambda form: refunds.refund(order_id, form.amount_minor, actor=acting_user(), now=utcnow()),
        lambda order: _("%(amount)s refunded on order %(number)s.",
                        amount=format_money(form.amount_minor, order.currency), number=order.number),
        form_name="refund_form")


@bp.post("/orders/<int:order_id>/resend-email")
@handle_orders
def order_resend_email(order_id: int):
    return _run_action(
        order_id, ConfirmForm(),
        lambda form: mail.resend_last_order_email(order_id, actor=acting_user(), now=utcnow()),
        lambda email: _("The e-mail is on its way again to %(email)s.", email=email.recipient))


@bp.post("/orders/<int:order_id>/notes")
@handle_orders
def order_add_note(order_id: int):
    return _run_action(
        order_id, NoteForm(),
        lambda form: staff.add_note(order_id, form.text.data, actor=acting_user(), now=utcnow()),
        lambda order: _("Your note is on the order's timeline."),
        form_name="note_form")
