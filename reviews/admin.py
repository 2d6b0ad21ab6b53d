"""The support inbox and review moderation in the back office (`/admin/inbox`).

The queue by deadline with its badges; one item with its review or question in full, its history,
notes, assignment, canned replies and the ways to answer (the official reply, the brand's answer
to a question, a private message); withholding a review for a listed reason and re-publishing it;
the moderation list of reviews by status; the weekly figures with their chart and CSV; the canned
replies. Every route needs ANSWER_CUSTOMERS (support and admins); each action is a CSRF-protected
POST calling one use case (`reviews.inbox`, `reviews.replies`, `reviews.moderation`,
`reviews.questions`), answered 303 with a flash, or the page again with the refusal and its status.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from storefront.accounts.models import Permission
from storefront.accounts.permissions import permission_required
from storefront.backoffice.shell import ConfirmForm, acting_user, page_number, show_error, staff_blueprint
from storefront.database import utcnow
from storefront.errors import NotFoundError, ShopError
from storefront.i18n import LANGUAGE_NAMES, duration_words
from storefront.security import allow_sources

from . import audit_targets  # noqa: F401  (names reviews, questions and the inbox in the audit log)
from . import inbox, inbox_figures, inbox_pages, moderation, questions, replies
from .inbox_forms import (KIND_NAMES, REVIEW_STATUS_NAMES, WITHHOLD_REASON_NAMES, AnswerForm, AssignForm,
                          CannedPickForm, CannedReplyForm, EditReplyForm, NoteForm, PrivateMessageForm, ReplyForm,
                          ReviewFilterForm, WithholdForm)
from .models import Clock, ClosedReason, ReviewStatus

bp = staff_blueprint("inbox", __name__, "/admin/inbox")
answers_customers = permission_required(Permission.ANSWER_CUSTOMERS)


def format_duration(value) -> str:
    """A duration as staff read it: "45 min", "1 h 12 min", "2 d 3 h"."""
    return duration_words(value.total_seconds())


def closed_reason_name(reason: str | None) -> str:
    """Why an item was closed without the brand's answer, as staff read it."""
    if reason == ClosedReason.ANSWERED_BY_BUYER:
        return _("Closed: a buyer answered")
    if reason == ClosedReason.RATING_RAISED:
        return _("Closed: the reviewer raised the rating")
    return _("Closed: withheld")


EVENT_NAMES = {
    inbox.EventKind.ARRIVED: lambda: _("Arrived"),
    inbox.EventKind.ASSIGNED: lambda: _("Assigned"),
    inbox.EventKind.NOTE: lambda: _("Internal note"),
    inbox.EventKind.PUBLIC_REPLY: lambda: _("Public reply"),
    inbox.EventKind.PRIVATE_MESSAGE: lambda: _("Private message"),
    inbox.EventKind.WARNED: lambda: _("Warning sent"),
    inbox.EventKind.BREACHED: lambda: _("Deadline passed: alert sent"),
    inbox.EventKind.CLOSED: lambda: _("Closed without our answer"),
    inbox.EventKind.REOPENED: lambda: _("Reopened: published again"),
}


@bp.context_processor
def inbox_helpers():
    return {"duration": format_duration, "kind_names": KIND_NAMES, "status_names": REVIEW_STATUS_NAMES,
            "reason_names": WITHHOLD_REASON_NAMES, "language_names": LANGUAGE_NAMES,
            "event_name": lambda kind: EVENT_NAMES.get(kind, lambda: kind)(),
            "closed_reason_name": closed_reason_name,
            "duration_of": lambda seconds: format_duration(dt.timedelta(seconds=seconds)),
            "business_clock": Clock.BUSINESS.value}


# --- the queue ---------------------------------------------------------------------------------

@bp.get("/")
@answers_customers
def queue():
    mine = request.args.get("mine") == "1"
    rows = inbox_pages.queue(utcnow(), assignee_id=acting_user().id if mine else None)
    return render_template("admin/inbox.html", queue=rows, mine=mine,
                           warning_minutes=current_app.config["INBOX_WARNING_MINUTES"])


# --- one item ----------------------------------------------------------------------------------

def _canned_choice():
    """The canned reply picked with `?canned=` (the "use" button), or None."""
    canned_id = request.args.get("canned", type=int)
    if not canned_id:
        return None
    try:
        return replies.get_canned_reply(canned_id)
    except NotFoundError:
        return None


def _render_item(item_id: int, status: int = 200, **forms):
    now = utcnow()
    page = inbox_pages.item_page(item_id, now)
    item = page.row.item
    canned = _canned_choice()
    canned_all = replies.canned_replies()
    prefill = {"body": canned.body} if canned else None
    review = question = None
    if item.review_id is not None:
        review = inbox_pages.review_detail(item.review_id)
    else:
        question = inbox_pages.question_detail(item.question_id)
    staff = inbox.support_staff()
    context = {
        "page": page, "item": item, "review": review, "question": question, "canned": canned,
        "canned_replies": canned_all, "staff": staff,
        "canned_form": CannedPickForm(formdata=None, canned_replies=canned_all, language_names=LANGUAGE_NAMES,
                                      data={"canned": canned.id if canned else 0}),
        "assign_form": AssignForm(formdata=None, staff=staff, data={"assignee_id": item.assignee_id or 0}),
        "note_form": NoteForm(formdata=None),
        "private_form": PrivateMessageForm(formdata=None),
        "reply_form": ReplyForm(formdata=None, data=prefill),
        "edit_form": EditReplyForm(formdata=None,
                                   data={"body": review.reply.body} if review and review.reply else None),
        "answer_form": AnswerForm(formdata=None, data=prefill),
        "withhold_form": WithholdForm(formdata=None),
        "confirm_form": ConfirmForm(formdata=None),
        "back_item": item.id,
    }
    context.update({name: form for name, form in forms.items() if form is not None})
    return render_template("admin/inbox_item.html", **context), status


@bp.get("/<int:item_id>")
@answers_customers
def item(item_id: int):
    return _render_item(item_id)


def _item_action(item_id: int, form, form_name: str, use_case, done_message: str, anchor: str = ""):
    if not form.validate_on_submit():
        return _render_item(item_id, 400, **{form_name: form})
    try:
        use_case(form)
    except NotFoundError:
        raise
    except ShopError as error:
        return _render_item(item_id, show_error(form, error), **{form_name: form})
    flash(done_message, "success")
    return redirect(url_for(".item", item_id=item_id) + anchor, 303)


@bp.post("/<int:item_id>/assign")
@answers_customers
def item_assign(item_id: int):
    form = AssignForm(staff=inbox.support_staff())
    return _item_action(item_id, form, "assign_form",
                        lambda f: inbox.assign(item_id, f.assignee_id.data or None, actor=acting_user(), now=utcnow()),
                        _("Assignment saved. The clock keeps running."))


@bp.post("/<int:item_id>/note")
@answers_customers
def item_note(item_id: int):
    return _item_action(item_id, NoteForm(), "note_form",
                        lambda f: inbox.add_note(item_id, f.body.data, actor=acting_user(), now=utcnow()),
                        _("Note added. Only staff see it."), "#history")


@bp.post("/<int:item_id>/private")
@answers_customers
def item_private(item_id: int):
    return _item_action(item_id, PrivateMessageForm(), "private_form",
                        lambda f: inbox.send_private_message(item_id, f.body.data, actor=acting_user(), now=utcnow()),
                        _("Private message sent to the customer by e-mail."), "#history")


@bp.post("/<int:item_id>/answer")
@answers_customers
def item_answer(item_id: int):
    question_id = inbox.get_item(item_id).question_id
    if question_id is None:
        return _render_item(item_id, 400)
    return _item_action(item_id, AnswerForm(), "answer_form",
                        lambda f: questions.answer_as_brand(question_id, f.body.data, actor=acting_user(),
                                                            now=utcnow()),
                        _("Answer published under the question; the shopper is e-mailed."))


# --- reviews: the moderation list, one review, reply and moderation actions --------------------

@bp.get("/reviews")
@answers_customers
def reviews():
    form = ReviewFilterForm(request.args)
    if not form.validate():
        return render_template("admin/reviews.html", form=form, page=None), 400
    status = ReviewStatus(form.status.data) if form.status.data else None
    return render_template("admin/reviews.html", form=form, page=inbox_pages.review_list(status, page_number()))


def _render_review(review_id: int, status: int = 200, **forms):
    detail = inbox_pages.review_detail(review_id)
    canned = _canned_choice()
    canned_all = replies.canned_replies()
    context = {
        "review": detail, "canned": canned, "canned_replies": canned_all,
        "canned_form": CannedPickForm(formdata=None, canned_replies=canned_all, language_names=LANGUAGE_NAMES,
                                      data={"canned": canned.id if canned else 0}),
        "reply_form": ReplyForm(formdata=None, data={"body": canned.body} if canned else None),
        "edit_form": EditReplyForm(formdata=None, data={"body": detail.reply.body} if detail.reply else None),
        "withhold_form": WithholdForm(formdata=None), "confirm_form": ConfirmForm(formdata=None),
        "back_item": None,
    }
    context.update({name: form for name, form in forms.items() if form is not None})
    return render_template("admin/reviews_detail.html", **context), status


@bp.get("/reviews/<int:review_id>")
@answers_customers
def review(review_id: int):
    return _render_review(review_id)


def _back_item(review_id: int) -> int | None:
    """The inbox item a review action was sent from (`?item=`), when it is about this review."""
    item_id = request.args.get("item", type=int)
    if not item_id:
        return None
    try:
        return item_id if inbox.get_item(item_id).review_id == review_id else None
    except NotFoundError:
        return None


def _review_action(review_id: int, form, form_name: str, use_case, done_message, anchor: str = "#reply"):
    """Run a review action sent from the review's page or from an inbox item about it, and go back there."""
    back = _back_item(review_id)

    def again(status: int):
        refused = {form_name: form} if form_name else {}
        if back is not None:
            return _render_item(back, status, **refused)
        return _render_review(review_id, status, **refused)

    if not form.validate_on_submit():
        return again(400)
    try:
        result = use_case(form)
    except NotFoundError:
        raise
    except ShopError as error:
        return again(show_error(form, error))
    flash(done_message(result) if callable(done_message) else done_message, "success")
    target = url_for(".item", item_id=back) if back is not None else url_for(".review", review_id=review_id)
    return redirect(target + anchor, 303)


@bp.post("/reviews/<int:review_id>/reply")
@answers_customers
def review_reply(review_id: int):
    return _review_action(review_id, ReplyForm(), "reply_form",
                          lambda f: replies.reply_to_review(review_id, f.body.data, actor=acting_user(), now=utcnow()),
                          _("Reply published under the review; the reviewer is e-mailed."))


@bp.post("/reviews/<int:review_id>/reply/edit")
@answers_customers
def review_reply_edit(review_id: int):
    reply = replies.reply_for_review(review_id)
    if reply is None:
        raise replies.ReplyNotFound()
    return _review_action(review_id, EditReplyForm(), "edit_form",
                          lambda f: replies.edit_reply(reply.id, f.body.data, actor=acting_user(), now=utcnow()),
                          _("Reply updated; the earlier text is kept."))


@bp.post("/reviews/<int:review_id>/withhold")
@answers_customers
def review_withhold(review_id: int):
    return _review_action(review_id, WithholdForm(), "withhold_form",
                          lambda f: moderation.withhold(review_id, f.reason.data, actor=acting_user(), now=utcnow()),
                          _("Review withheld. It is counted in the published ledger under its reason."), "#moderation")


@bp.post("/reviews/<int:review_id>/publish")
@answers_customers
def review_publish(review_id: int):
    return _review_action(review_id, ConfirmForm(), "",
                          lambda f: moderation.publish(review_id, actor=acting_user(), now=utcnow()),
                          _("Review published."), "#moderation")


# --- weekly figures ----------------------------------------------------------------------------

def _weeks() -> int:
    weeks = request.args.get("weeks", inbox_figures.DEFAULT_WEEKS, type=int) or inbox_figures.DEFAULT_WEEKS
    return max(1, min(weeks, inbox_figures.MAX_WEEKS))


@bp.get("/figures")
@answers_customers
def figures():
    weeks = _weeks()
    rows = inbox_figures.weekly(utcnow(), weeks)
    return render_template("admin/inbox_figures.html", figures=rows, weeks=weeks,
                           has_answers=any(week.answered for week in rows))


@bp.get("/figures.svg")
@answers_customers
def figures_chart():
    svg = inbox_figures.chart_svg(inbox_figures.weekly(utcnow(), _weeks()))
    # An SVG shown through <img> is governed by its own response's CSP: allow exactly its own
    # <style> blocks, by hash (a nonce-based policy ignores 'unsafe-inline').
    for style in re.findall(r"<style[^>]*>(.*?)</style>", svg, flags=re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        allow_sources("style-src", f"'sha256-{digest}'")
    return Response(svg, mimetype="image/svg+xml")


@bp.get("/figures.csv")
@answers_customers
def figures_csv():
    weeks = _weeks()
    text = inbox_figures.figures_csv(inbox_figures.weekly(utcnow(), weeks))
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="inbox-figures-{weeks}-weeks.csv"'})


# --- canned replies ----------------------------------------------------------------------------

def _canned_form(data=None) -> CannedReplyForm:
    return CannedReplyForm(data=data, languages=current_app.config["LANGUAGES"], language_names=LANGUAGE_NAMES)


def _render_canned(form, canned=None, status: int = 200):
    return render_template("admin/inbox_canned.html", form=form, canned=canned, canned_replies=replies.canned_replies(),
                           confirm_form=ConfirmForm(formdata=None)), status


@bp.route("/canned", methods=["GET", "POST"])
@answers_customers
def canned_list():
    return _save_canned(None)


@bp.route("/canned/<int:canned_id>", methods=["GET", "POST"])
@answers_customers
def canned_edit(canned_id: int):
    return _save_canned(replies.get_canned_reply(canned_id))


def _save_canned(canned):
    if request.method == "GET":
        data = ({"key": canned.key, "language": canned.language, "title": canned.title, "body": canned.body}
                if canned else None)
        form = CannedReplyForm(formdata=None, data=data, languages=current_app.config["LANGUAGES"],
                               language_names=LANGUAGE_NAMES)
        return _render_canned(form, canned)
    form = _canned_form()
    if not form.validate_on_submit():
        return _render_canned(form, canned, 400)
    try:
        replies.save_canned_reply(form.key.data, form.language.data, form.title.data, form.body.data,
                                  actor=acting_user(), languages=current_app.config["LANGUAGES"],
                                  canned_id=canned.id if canned else None)
    except NotFoundError:
        raise
    except ShopError as error:
        return _render_canned(form, canned, show_error(form, error))
    flash(_("Canned reply saved."), "success")
    return redirect(url_for(".canned_list"), 303)


@bp.post("/canned/<int:canned_id>/delete")
@answers_customers
def canned_delete(canned_id: int):
    if not ConfirmForm().validate_on_submit():
        return _render_canned(_canned_form(), replies.get_canned_reply(canned_id), 400)
    replies.delete_canned_reply(canned_id, actor=acting_user())
    flash(_("Canned reply deleted."), "success")
    return redirect(url_for(".canned_list"), 303)
