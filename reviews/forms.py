"""The shoppers' review forms. They name and bound the fields with the same rules and messages as
`reviews.service` (which checks again), so a form that passes here is a real attempt: only those
count against the rate limits.

Every public form carries `website`, a honeypot: hidden from people (and from screen readers), a
field bots fill in. A form that arrives with it filled is answered as if accepted and writes
nothing (`is_bot`).
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from wtforms import MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from storefront.catalog.images import read_upload
from storefront.i18n import LANGUAGE_NAMES
from storefront.text_input import ShopForm

from . import feedback, service
from .models import Fit

RATING_MESSAGE = _l("Please choose a rating from 1 to 5 stars.")
STARS = [(str(n), lazy_ngettext("%(num)d star", "%(num)d stars", n)) for n in range(5, 0, -1)]
FIT_CHOICES = [("", _l("Not sure / rather not say")), (Fit.RUNS_SMALL.value, _l("Runs small")),
               (Fit.TRUE_TO_SIZE.value, _l("True to size")), (Fit.RUNS_LARGE.value, _l("Runs large"))]


def _rating_field(label):
    # Plain strings, checked by `_check_rating`: WTForms' own choice errors ("Not a valid choice")
    # would not tell the shopper what to do.
    return RadioField(label, choices=STARS, validate_choice=False)


def _check_rating(field) -> None:
    if field.data not in {"1", "2", "3", "4", "5"}:
        field.data = None
        raise StopValidation(RATING_MESSAGE)


class HoneypotForm(ShopForm):
    website = StringField(_l("Leave this field empty"), validators=[Optional()])

    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())


class ReviewForm(HoneypotForm):
    """A review, new or edited. The link page shows one per line, each with its own `prefix`."""

    rating = _rating_field(_l("Your rating"))
    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(
        max=service.TITLE_MAX, message=_l("The title can be at most %(max)d characters."))])
    body = TextAreaField(_l("Your review (optional)"), validators=[Optional(), Length(
        max=service.BODY_MAX, message=_l("The review can be at most %(max)d characters."))])
    fit = SelectField(_l("How does it fit? (optional)"), choices=FIT_CHOICES, validators=[Optional()])
    language = SelectField(_l("Language of your review"), validators=[DataRequired()])
    author_name = StringField(_l("Name shown with your review"), validators=[
        DataRequired(message=_l("Please give the name to show with your review.")),
        Length(max=service.NAME_MAX, message=_l("The name can be at most %(max)d characters."))],
        description=_l("We never show your e-mail address or full name."))
    photos = MultipleFileField(_l("Photos (optional)"), render_kw={"accept": "image/*"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [(code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]]
        self.photos.description = lazy_ngettext("Up to %(num)d photo: JPEG, PNG, WebP or GIF.",
                                                "Up to %(num)d photos: JPEG, PNG, WebP or GIF.",
                                                current_app.config["REVIEWS_MAX_PHOTOS"])

    def validate_rating(self, field) -> None:
        _check_rating(field)

    def validate_photos(self, field) -> None:
        if len(self.uploads()) > current_app.config["REVIEWS_MAX_PHOTOS"]:
            raise StopValidation(_l("A review can have at most %(n)d photos.",
                                    n=current_app.config["REVIEWS_MAX_PHOTOS"]))

    def uploads(self) -> list:
        return [upload for upload in (self.photos.data or []) if getattr(upload, "filename", "")]

    def draft(self) -> service.ReviewDraft:
        """What the shopper typed, for the service (the photos' bytes, each at most one byte past
        the size limit: enough for the service to refuse it)."""
        return service.ReviewDraft(
            rating=int(self.rating.data), language=self.language.data, author_name=self.author_name.data or "",
            title=self.title.data or "", body=self.body.data or "", fit=self.fit.data or None,
            photos=[read_upload(upload.stream) for upload in self.uploads()])


class FollowUpForm(HoneypotForm):
    """After the brand's reply: a dated follow-up and the rating the reviewer gives now. It shares
    its page with the edit form, so its fields' ids (not their names) are its own."""

    new_rating = _rating_field(_l("Your rating now"))
    body = TextAreaField(_l("Your follow-up (optional)"), id="follow-up-body", validators=[Optional(), Length(
        max=service.BODY_MAX, message=_l("The follow-up can be at most %(max)d characters."))])
    website = StringField(_l("Leave this field empty"), id="follow-up-website", validators=[Optional()])

    def validate_new_rating(self, field) -> None:
        _check_rating(field)


class ReportForm(HoneypotForm):
    reason = TextAreaField(_l("What is wrong with this review? (optional)"), validators=[Optional(), Length(
        max=feedback.REASON_MAX, message=_l("The reason can be at most %(max)d characters."))])


class VoteForm(ShopForm):
    """No fields: the CSRF token (filled in at submit time on cached product pages)."""
