"""The customer pages of the back office: the list, one customer's page, the export of their
personal data and their erasure.

Seeing customers needs VIEW_CUSTOMERS (admins and support, who answer them); exporting one's
personal data (EXPORT_CUSTOMERS) and erasing it (ERASE_CUSTOMERS) are admins' alone: a
data-subject request is rare, and the file is everything the shop knows about a person. The
export and the erasure are CSRF-protected POSTs, audited; the erasure asks for the customer's
address typed again.
"""
from __future__ import annotations

import json

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.models import Permission
from ..accounts.permissions import permission_required
from ..backoffice.order_forms import ORDER_STATUS_NAMES, REDEMPTION_STATUS_NAMES
from ..backoffice.shell import ConfirmForm, acting_user, page_number, require_confirmation, staff_blueprint, submit
from ..database import utcnow
from . import erasure, export, queries
from .forms import CustomerFilterForm, EraseForm

bp = staff_blueprint("customers", __name__, "/admin/customers")

view_customers = permission_required(Permission.VIEW_CUSTOMERS)


@bp.app_template_filter("customer_day")
def customer_day(value) -> str:
    """The day of an aware UTC instant in the shop's time zone, in the reader's language
    ("Dec 2, 2026"): the list's dates, narrow enough for a phone."""
    return format_date(value, "medium")


@bp.get("")
@view_customers
def customers():
    form = CustomerFilterForm(request.args)
    if not form.validate():
        return render_template("admin/customers.html", form=form, page=None), 400
    page = queries.customer_page(form.q.data, form.sort.data or "last_order", page=page_number())
    return render_template("admin/customers.html", form=form, page=page,
                           currency=current_app.config["SHOP_CURRENCY"])


def _render_customer(key: int, status: int = 200, erase_form: EraseForm | None = None):
    email = queries.email_for_key(key)
    mails = queries.mail_to(email, limit=queries.MAILS_SHOWN)
    return render_template(
        "admin/customer_detail.html", key=key, email=email, erased=queries.is_erased(email),
        figures=queries.figures_of(email), orders=queries.orders_of(email, limit=queries.ORDERS_SHOWN),
        reviews=queries.reviews_of(email), questions=queries.questions_of(email),
        answers=queries.answers_of(email), offer_uses=queries.offer_uses_of(email),
        mails=[(mail, export.mail_subject(mail)) for mail in mails],
        opt_out=queries.review_mail_opt_out(email), currency=current_app.config["SHOP_CURRENCY"],
        status_names=ORDER_STATUS_NAMES, redemption_names=REDEMPTION_STATUS_NAMES,
        may_export=current_user.can(Permission.EXPORT_CUSTOMERS),
        may_erase=current_user.can(Permission.ERASE_CUSTOMERS),
        may_answer=current_user.can(Permission.ANSWER_CUSTOMERS),
        open_states=erasure.OPEN_STATES,
        confirm_form=ConfirmForm(formdata=None), erase_form=erase_form or EraseForm(formdata=None)), status


@bp.get("/<int:key>")
@view_customers
def customer(key: int):
    """:raise 404: for a key that is no order's id."""
    return _render_customer(key)


@bp.post("/<int:key>/export")
@permission_required(Permission.EXPORT_CUSTOMERS)
def export_data(key: int):
    """The customer's personal data as a JSON download, audited."""
    require_confirmation()
    data = export.export_customer(key, actor=acting_user(), now=utcnow())
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="customer-{key}.json"'})


@bp.post("/<int:key>/erase")
@permission_required(Permission.ERASE_CUSTOMERS)
def erase(key: int):
    form = EraseForm()
    sent = submit(form, lambda: erasure.erase_customer(key, confirmation=form.email.data, actor=acting_user(),
                                                        now=utcnow()))
    if not sent.done:
        return _render_customer(key, sent.status, erase_form=form)
    if sent.result.already:
        flash(_("This customer had already been erased; nothing changed."), "success")
    else:
        flash(_("The customer's personal data is erased. Their orders stay in the books under %(email)s.",
                email=sent.result.placeholder), "success")
    return redirect(url_for(".customer", key=key), 303)
