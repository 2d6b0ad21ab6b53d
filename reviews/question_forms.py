"""The shoppers' question forms: ask, answer from an invitation, vote an answer helpful.

They name and bound the fields for the page; `reviews.questions` checks the same rules again
(the API goes straight there). The forms carry no CSRF field of their own: the ask and vote forms
sit on cacheable pages, which hold nothing per visitor, so the app-wide CSRFProtect checks the
token that `static/js/deferred-csrf.js` fills in at submit (the answer page embeds its own).
Each has `website`, a honeypot: hidden from people, filled in by bots.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from storefront.i18n import LANGUAGE_NAMES
from storefront.text_input import ShopForm

from .questions import ANSWER_MAX, EMAIL_MAX, NAME_MAX, QUESTION_MAX


class _NoTokenForm(ShopForm):
    class Meta:
        csrf = False  # CSRFProtect checks every POST; see the module's docstring

    # Hidden by CSS and from assistive technology; a person leaves it empty.
    website = StringField(_l("Leave this field empty"))

    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())


def _language_choices() -> list[tuple[str, str]]:
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]]


class AskQuestionForm(_NoTokenForm):
    author_name = StringField(_l("Your name"), validators=[DataRequired(_l("Please give your name.")),
                                                           Length(max=NAME_MAX)],
                              description=_l("Shown with your question."))
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Please give your e-mail.")),
                                                 Email(_l("Please enter a valid e-mail address.")),
                                                 Length(max=EMAIL_MAX)],
                       description=_l("Never shown. We write to you when your question has an answer."))
    body = TextAreaField(_l("Your question"), validators=[DataRequired(_l("Please write your question.")),
                                                          Length(max=QUESTION_MAX)])
    language = SelectField(_l("Language of your question"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices()
        if not self.language.data or self.language.data == "None":
            self.language.data = str(get_locale())


class AnswerForm(_NoTokenForm):
    author_name = StringField(_l("Your name"), validators=[DataRequired(_l("Please give your name.")),
                                                           Length(max=NAME_MAX)],
                              description=_l("Shown with your answer."))
    body = TextAreaField(_l("Your answer"), validators=[DataRequired(_l("Please write your answer.")),
                                                        Length(max=ANSWER_MAX)])
    language = SelectField(_l("Language of your answer"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices()
        if not self.language.data or self.language.data == "None":
            self.language.data = str(get_locale())
