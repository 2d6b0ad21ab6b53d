"""Forms of the inbox and review moderation pages. They check shape (lengths, known choices) and
carry the CSRF token; the rules (who may answer, one reply per review, withholding only for a
listed reason) are the services', whose errors are shown on the field they name."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from storefront.text_input import ShopForm

from .models import InboxKind, ReviewStatus, WithholdReason

TEXT_MAX = 5000

WITHHOLD_REASON_NAMES = {
    WithholdReason.ABUSE: _l("Abuse"),
    WithholdReason.SPAM: _l("Spam"),
    WithholdReason.OFF_TOPIC: _l("Off-topic"),
    WithholdReason.PERSONAL_DATA: _l("Personal data"),
    WithholdReason.CONFLICT_OF_INTEREST: _l("Conflict of interest"),
}
REVIEW_STATUS_NAMES = {
    ReviewStatus.PUBLISHED: _l("Published"),
    ReviewStatus.PENDING: _l("Waiting for a look"),
    ReviewStatus.WITHHELD: _l("Withheld"),
}
KIND_NAMES = {
    InboxKind.NEGATIVE_REVIEW: _l("Negative review"),
    InboxKind.REPORTED_REVIEW: _l("Reported review"),
    InboxKind.QUESTION: _l("Question"),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(label, required_message, *, id=None, description=None):
    # Several of these forms share a page: each text box gets its own id, so its label and help
    # text belong to it alone.
    return TextAreaField(label, id=id, filters=[_strip], description=description, validators=[
        DataRequired(required_message),
        Length(max=TEXT_MAX, message=_l("Write at most %(max)d characters."))])


class ReplyForm(ShopForm):
    body = _text(_l("Official reply"), _l("Write the reply first."), id="reply-body",
                 description=_l("Shown under the review as the brand's reply; the reviewer is e-mailed a link."))


class EditReplyForm(ShopForm):
    body = _text(_l("Reply text"), _l("Write the reply first."), id="edit-reply-body",
                 description=_l("The earlier text stays visible as an earlier version."))


class PrivateMessageForm(ShopForm):
    body = _text(_l("Private message to the customer"), _l("Write the message first."), id="private-body",
                 description=_l("Sent by e-mail in the customer's language; it stops the clock."))


class AnswerForm(ShopForm):
    body = _text(_l("Answer as the brand"), _l("Write the answer first."), id="answer-body",
                 description=_l("Shown under the question, marked as the brand's answer."))


class NoteForm(ShopForm):
    body = _text(_l("Internal note"), _l("Write the note first."), id="note-body",
                 description=_l("Only staff see notes. A note does not stop the clock."))


class AssignForm(ShopForm):
    assignee_id = SelectField(_l("Assign to"), coerce=int)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.assignee_id.choices = [(0, _l("Nobody"))] + [(user.id, user.email) for user in staff]


class WithholdForm(ShopForm):
    reason = SelectField(_l("Reason"), validate_choice=False, validators=[
        DataRequired(_l("Choose a reason from the list.")),
        AnyOf([r.value for r in WithholdReason], message=_l("Choose a reason from the list."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = [("", _l("Choose a reason…"))] + [
            (reason.value, name) for reason, name in WITHHOLD_REASON_NAMES.items()]


class CannedPickForm(ShopForm):
    """"Use" a canned reply: a GET form that pre-fills the reply box (no JavaScript needed)."""

    class Meta:
        csrf = False

    canned = SelectField(_l("Canned reply"), coerce=int, validate_choice=False)

    def __init__(self, *args, canned_replies=(), language_names=None, **kwargs):
        super().__init__(*args, **kwargs)
        names = language_names or {}
        self.canned.choices = [(0, _l("Choose one…"))] + [
            (c.id, f"{c.title} ({names.get(c.language, c.language)})") for c in canned_replies]


class CannedReplyForm(ShopForm):
    key = StringField(_l("Key"), filters=[_strip], description=_l(
        "The same key in each language makes one reply in three languages, e.g. sorry-sizing."),
        validators=[DataRequired(_l("Give it a key.")), Length(max=60)])
    language = SelectField(_l("Language"))
    title = StringField(_l("Title"), filters=[_strip], validators=[DataRequired(_l("Give it a title.")),
                                                                    Length(max=120)])
    body = _text(_l("Text"), _l("Write the text."))

    def __init__(self, *args, languages=(), language_names=None, **kwargs):
        super().__init__(*args, **kwargs)
        names = language_names or {}
        self.language.choices = [(code, names.get(code, code)) for code in languages]


class ReviewFilterForm(ShopForm):
    """The moderation list's filter, read from the query string. By status only: there is
    deliberately no filter by rating, so moderation cannot be aimed at low ratings."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validate_choice=False, validators=[
        Optional(), AnyOf([s.value for s in ReviewStatus], message=_l("Unknown status: choose one from the list."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("Any status"))] + [(s.value, name) for s, name in REVIEW_STATUS_NAMES.items()]
