"""Shoppers' pages for writing: a review from the request link or the tracking page, editing it and
the follow-up from the reviewer's link, helpful votes and reports.

The form pages open with a secret (the request's token, the order's tracking token, the reviewer's
token): they are per visitor, never stored by a shared cache and never leaked in a Referer header
(`PRIVATE`). A refused form is shown again with its message and a 4xx status; a review written
sends the shopper on with a thank-you (303). Votes and reports come from the cacheable product
page, whose forms get their CSRF token at submit time (`static/js/deferred-csrf.js`): they answer
JSON to a script and send a plain form back to the product page.

Rate limits (`write_limits`) count a post once its form is valid and it reaches the service, or a
bot filled the honeypot (such a post is answered as if accepted and writes nothing).
"""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user

from storefront.database import utcnow
from storefront.errors import ShopError, wants_json
from storefront.orders.breakdown import line_names

from . import feedback, links, service
from .forms import FollowUpForm, ReportForm, ReviewForm, VoteForm
from .write_limits import mark_attempt, report_limit, review_post_limit, vote_limit

bp = Blueprint("review_forms", __name__)

# A page opened with a secret link: out of shared caches, and the link out of Referer headers.
PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}
MAX_ID = 2**31 - 1
TOKEN = "<string(maxlength=64):token>"
REVIEWER_TOKEN = "<string(maxlength=64):reviewer_token>"
LINE = f"<int(max={MAX_ID}):line_id>"
REVIEW = f"<int(max={MAX_ID}):review_id>"
# The shopper's random id for votes and reports, shared with the answers' votes (one shopper).
VOTER_SESSION_KEY = "voter_key"


@bp.after_request
def keep_private(response):
    """Every answer here, error pages and redirects included, is about one visitor and may sit
    behind a secret link."""
    response.headers.update(PRIVATE)
    return response


@bp.app_template_global()
def order_reviews(order) -> dict | None:
    """The tracking page's reviews of the order by line id, or None while it cannot be reviewed."""
    return links.reviews_of_order(order)


def _staff_signed_in() -> bool:
    return bool(current_user.is_authenticated)


def _review_form(link: links.ReviewLink, *, prefix: str = "") -> ReviewForm:
    return ReviewForm(prefix=prefix, data={"language": str(get_locale()), "author_name": link.default_name})


def _show_error(form, error: ShopError):
    """Show a refusal on its field; the error itself (for the page's top) when no field shows it."""
    field = getattr(form, error.field, None) if form is not None and error.field else None
    if field is None:
        return error
    field.errors = [*field.errors, error.message]
    return None


def _prefix(line_id: int) -> str:
    return f"line-{line_id}"


def _write(submit, form: ReviewForm):
    """Post the valid form through `submit(draft)`, as a real attempt; a bot's is not written."""
    mark_attempt()
    if form.is_bot():
        return None
    return submit(form.draft())


# --- from the request e-mail's link --------------------------------------------------------------

def _link_page(token: str, link: links.ReviewLink, *, forms=None, error=None, status: int = 200):
    g.page_endpoint = ("review_forms.write", {"token": token})
    forms = forms or {}
    for item in link.lines:
        if item.review is None and item.product is not None and item.line.id not in forms:
            forms[item.line.id] = _review_form(link, prefix=_prefix(item.line.id))
    thanks = request.args.get("thanks", type=int)
    return render_template("reviews/write_link.html", token=token, link=link, forms=forms, error=error,
                           thanks=thanks, has_sizes=service.has_sizes, names=line_names(link.order)), status


@bp.get(f"/reviews/write/{TOKEN}")
def write(token: str):
    """The order's lines, a form for each one not reviewed yet. :raise 404/410: for a bad link."""
    return _link_page(token, links.open_review_link(token, now=utcnow()))


@bp.post(f"/reviews/write/{TOKEN}/{LINE}")
@review_post_limit
def write_line(token: str, line_id: int):
    link = links.open_review_link(token, now=utcnow())
    link.line(line_id)
    form = ReviewForm(prefix=_prefix(line_id))
    if not form.validate_on_submit():
        return _link_page(token, link, forms={line_id: form}, status=400)
    try:
        _write(lambda draft: links.write_review_from_link(token, line_id, draft, now=utcnow(),
                                                           by_staff=_staff_signed_in()), form)
    except ShopError as error:
        link = links.open_review_link(token, now=utcnow())
        return _link_page(token, link, forms={line_id: form}, error=_show_error(form, error), status=error.status)
    return redirect(url_for("review_forms.write", token=token, thanks=line_id, _anchor=f"line-{line_id}"), 303)


# --- from the tracking page ----------------------------------------------------------------------

def _line_page(tracking_token: str, link: links.ReviewLink, line_id: int, *, form=None, error=None,
               status: int = 200):
    g.page_endpoint = ("review_forms.write_from_order", {"tracking_token": tracking_token, "line_id": line_id})
    item = link.line(line_id)
    if form is None and item.review is None:
        form = _review_form(link)
    title, bought = line_names(link.order)[item.line.id]
    return render_template("reviews/write_line.html", tracking_token=tracking_token, link=link, item=item,
                           form=form, error=error, thanks=bool(request.args.get("thanks")),
                           sized=service.has_sizes(item.product), title=title, bought=bought), status


@bp.route(f"/orders/<string(maxlength=64):tracking_token>/review/{LINE}", methods=["GET", "POST"])
@review_post_limit
def write_from_order(tracking_token: str, line_id: int):
    """One line's review, unprompted, from the order's tracking page."""
    link = links.open_tracking_link(tracking_token)
    if request.method == "GET":
        return _line_page(tracking_token, link, line_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _line_page(tracking_token, link, line_id, form=form, status=400)
    try:
        _write(lambda draft: links.write_review_from_tracking(tracking_token, line_id, draft, now=utcnow(),
                                                               by_staff=_staff_signed_in()), form)
    except ShopError as error:
        return _line_page(tracking_token, links.open_tracking_link(tracking_token), line_id, form=form,
                          error=_show_error(form, error), status=error.status)
    return redirect(url_for("review_forms.write_from_order", tracking_token=tracking_token, line_id=line_id,
                            thanks=1), 303)


# --- the reviewer's own page ---------------------------------------------------------------------

def _edit_form(review) -> ReviewForm:
    return ReviewForm(data={"rating": str(review.rating), "title": review.title, "body": review.body,
                            "fit": review.fit or "", "language": review.language,
                            "author_name": review.author_name})


def _mine_page(reviewer_token: str, *, edit_form=None, follow_up_form=None, error=None, status: int = 200):
    g.page_endpoint = ("review_forms.mine", {"reviewer_token": reviewer_token})
    review = service.get_by_reviewer_token(reviewer_token)
    reply = review.reply
    can_follow_up = reply is not None and review.follow_up is None
    # Once we replied, the reply stays with the words it answered: an update goes below it.
    can_edit = reply is None and review.follow_up is None
    if can_follow_up and follow_up_form is None:
        follow_up_form = FollowUpForm(data={"new_rating": str(review.rating)})
    if can_edit and edit_form is None:
        edit_form = _edit_form(review)
    return render_template(
        "reviews/write_mine.html", reviewer_token=reviewer_token, review=review, reply=reply,
        edit_form=edit_form if can_edit else None,
        follow_up_form=follow_up_form if can_follow_up else None, error=error,
        notice=request.args.get("done"), sized=service.has_sizes(service.product_of(review))), status


@bp.route(f"/reviews/mine/{REVIEWER_TOKEN}", methods=["GET", "POST"])
@review_post_limit
def mine(reviewer_token: str):
    """The reviewer's review with its history; edit it, or add the follow-up after our reply."""
    if request.method == "GET":
        return _mine_page(reviewer_token)
    service.get_by_reviewer_token(reviewer_token)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _mine_page(reviewer_token, edit_form=form, status=400)
    try:
        _write(lambda draft: service.edit_review(reviewer_token, draft, utcnow(), by_staff=_staff_signed_in()), form)
    except ShopError as error:
        return _mine_page(reviewer_token, edit_form=form, error=_show_error(form, error), status=error.status)
    return redirect(url_for("review_forms.mine", reviewer_token=reviewer_token, done="edited"), 303)


@bp.post(f"/reviews/mine/{REVIEWER_TOKEN}/follow-up")
@review_post_limit
def follow_up(reviewer_token: str):
    service.get_by_reviewer_token(reviewer_token)
    form = FollowUpForm()
    if not form.validate_on_submit():
        return _mine_page(reviewer_token, follow_up_form=form, status=400)
    mark_attempt()
    try:
        if not form.is_bot():
            service.add_follow_up(reviewer_token, form.body.data or "", int(form.new_rating.data), utcnow(),
                                  by_staff=_staff_signed_in())
    except ShopError as error:
        return _mine_page(reviewer_token, follow_up_form=form, error=_show_error(form, error),
                          status=error.status)
    return redirect(url_for("review_forms.mine", reviewer_token=reviewer_token, done="follow_up"), 303)


# --- helpful votes and reports, from the product page --------------------------------------------

def _voter_key() -> str:
    """The shopper's random id, kept in their session from their first vote or report (a POST:
    the cookie it sets is never an anonymous page view's)."""
    if not session.get(VOTER_SESSION_KEY):
        session[VOTER_SESSION_KEY] = secrets.token_urlsafe(24)
    return session[VOTER_SESSION_KEY]


def _same_site_path(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not urlsplit(target).netloc:
        return target
    return None


def _back_to_product(outcome: feedback.Outcome) -> str:
    back = _same_site_path(request.form.get("next"))
    if back is None:
        slug = service.product_slug(outcome.product_id)
        back = url_for("catalog.product", slug=slug) if slug else url_for("catalog.home")
    return f"{back.split('#')[0]}#review-{outcome.review_id}"


@bp.post(f"/reviews/{REVIEW}/helpful")
@vote_limit
def helpful(review_id: int):
    """"Helpful" on a published review, once per shopper (again: no change, still a success).
    JSON for a script (Accept: application/json), otherwise back to the product page."""
    form = VoteForm()
    if not form.validate_on_submit():
        raise feedback.InvalidFeedback()
    mark_attempt()
    outcome = feedback.vote_helpful(review_id, _voter_key(), utcnow())
    if wants_json():
        return {"review_id": outcome.review_id, "helpful_count": outcome.helpful_count, "counted": outcome.counted}
    return redirect(_back_to_product(outcome), 303)


@bp.post(f"/reviews/{REVIEW}/report")
@report_limit
def report(review_id: int):
    """Report a published review to the staff (once per shopper; it stays on the page). JSON for
    a script, otherwise a private "thank you" page with the way back."""
    form = ReportForm()
    if not form.validate_on_submit():
        if wants_json():
            raise feedback.InvalidFeedback(form.reason.errors[0] if form.reason.errors else None, field="reason")
        return render_template("reviews/write_report.html", form=form, review_id=review_id), 400
    mark_attempt()
    if form.is_bot():
        outcome = None
    else:
        outcome = feedback.report_review(review_id, _voter_key(), form.reason.data or "", utcnow())
    if wants_json():
        return {"review_id": review_id, "counted": bool(outcome and outcome.counted)}
    back = _back_to_product(outcome) if outcome else url_for("catalog.home")
    return render_template("reviews/write_reported.html", back=back), 200
