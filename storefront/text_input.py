"""The one rule for text that people send the shop, and the guard on every address and JSON body.

Every text field (page forms, API bodies and query parameters, catalog CSV rows) goes through
`clean_text`: control characters (NUL, escape, DEL, C1 controls; in one-line fields also line
breaks and tabs) are refused with a message on the field, and a value of only whitespace counts
as empty (one-line values are trimmed; multi-line text is kept as typed). Refusing here, before
anything reaches a service, gives the same answer on SQLite and PostgreSQL (which would refuse a
NUL itself, as a database error, and SQLite would store it). Forms get the rule from `ShopForm`,
API schemas from the `Text` field, the CSV import by calling `clean_text`.

`refuse_unsafe_input` runs before every view: a JSON body nested deeper than `MAX_JSON_DEPTH` (the
parser would hit Python's recursion limit) or holding a lone UTF-16 surrogate (`"\\ud800"`, which
no database or encoder accepts), or an address (path or query) with a null byte, is answered 400
(in the API's error shape under /api/) before any handler or parser of ours sees it. Form posts
cannot carry a surrogate or nesting: Werkzeug keeps undecodable bytes as their %-escapes and
forms are flat; their fields follow `clean_text` through `ShopForm`.
"""
from __future__ import annotations

import json
import re
from collections import deque
from functools import lru_cache

from flask import Flask, request
from babel import support
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from marshmallow import ValidationError, fields
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.i18n import messages_path
from wtforms.validators import StopValidation

from .errors import error_response

# C0 controls but tab, LF and CR; DEL; the C1 controls; lone surrogates (never valid text).
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# One-line values refuse tab and line breaks too.
_CONTROL_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Deeper than any body the API defines (its deepest is two levels), far below the recursion limit.
MAX_JSON_DEPTH = 32

CONTROL_MESSAGE = _l("Remove the control characters (such as a null byte) from this text.")
LINE_CONTROL_MESSAGE = _l("Remove the line breaks, tabs and control characters from this field.")
TOO_DEEP_MESSAGE = _l("The request body is nested too deeply.")
SURROGATE_MESSAGE = _l("The request contains text that is not valid Unicode (a lone surrogate).")
NULL_IN_ADDRESS_MESSAGE = _l("The address contains a null byte. Please check the link.")


class TextRefused(ValueError):
    """A text value broke the input rule; `message` says what to change."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """The value as the shop keeps it: "" for None or whitespace only, one-line values trimmed.

    :raise TextRefused: when it holds a control character (for one-line values: also a tab or a
        line break).
    """
    if value is None:
        return ""
    pattern = _CONTROL_IN_TEXT if multiline else _CONTROL_IN_LINE
    if pattern.search(value):
        raise TextRefused(CONTROL_MESSAGE if multiline else LINE_CONTROL_MESSAGE)
    if not value.strip():
        return ""
    return value if multiline else value.strip()


# --- forms ---------------------------------------------------------------------------------------

class _FormRule:
    """The rule on one bound form field: first of its filters, and first of its validators.

    A refused value is replaced by "" at once, so no view or query ever sees it (the checkout
    page prices an invalid form's e-mail, for one), and its message is the field's only error.
    """

    def __init__(self, field):
        self.field = field
        self.multiline = isinstance(field, TextAreaField)
        self.refused = False

    def filter(self, value):
        self.refused = False
        if not isinstance(value, str):
            return value
        try:
            return clean_text(value, multiline=self.multiline)
        except TextRefused as refused:
            self.refused = True
            self.field.process_errors.append(refused.message)
            return ""

    def __call__(self, form, field):
        if self.refused:
            raise StopValidation()  # the message is already the field's error


# WTForms' own messages (its validators' and fields' defaults), marked here so that extraction puts
# them in the shop's catalog, where `FormMessages` finds them: WTForms ships no Latvian catalog, so
# without these a Latvian shopper read "This field is required." in English. These are the ones a
# form of ours can show; tests/test_forms_language.py fails on any English message outside English.
LIBRARY_MESSAGES = (
    _l("This field is required."),
    _l("Invalid input."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Field must be equal to %(other_name)s."),
    lazy_ngettext("Field must be at least %(min)d character long.",
                  "Field must be at least %(min)d characters long.", 1),
    lazy_ngettext("Field cannot be longer than %(max)d character.",
                  "Field cannot be longer than %(max)d characters.", 1),
    lazy_ngettext("Field must be exactly %(max)d character long.",
                  "Field must be exactly %(max)d characters long.", 1),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Invalid value, can't be any of: %(values)s."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    lazy_ngettext("'%(value)s' is not a valid choice for this field.",
                  "'%(value)s' are not valid choices for this field.", 1),
    _l("Not a valid datetime value."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
)


@lru_cache(maxsize=16)
def _wtforms_catalog(language: str) -> support.Translations:
    """WTForms' own catalog in `language`, read once per process: flask_wtf's `translations` reads
    it from disk again in every request that builds a form (half a millisecond of an add to cart)."""
    return support.Translations.load(messages_path(), [language], domain="wtforms")


def _wtforms_words() -> support.NullTranslations:
    locale = get_locale()
    return _wtforms_catalog(str(locale)) if locale is not None else support.NullTranslations()


class FormMessages:
    """WTForms' messages in the page's language: the shop's catalog first (it has every language
    the shop speaks), then WTForms' own catalog for a message the shop does not carry. The
    catalogs are asked directly, not through flask_babel's `gettext`, which would fill in the
    placeholders that WTForms fills itself."""

    def gettext(self, string: str) -> str:
        translated = get_translations().ugettext(string)
        return translated if translated != string else _wtforms_words().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        translated = get_translations().ungettext(singular, plural, n)
        english = singular if n == 1 else plural
        return translated if translated != english else _wtforms_words().ungettext(singular, plural, n)


class ShopForm(FlaskForm):
    """The base of the shop's forms: every text field (not passwords) follows `clean_text` before
    its own filters and validators, so `DataRequired` sees whitespace as empty; WTForms' own
    messages come in the page's language (`FormMessages`)."""

    class Meta:
        def get_translations(self, form):
            return FormMessages()

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, StringField) and not isinstance(field, PasswordField):
                rule = _FormRule(field)
                field.filters = (rule.filter, *field.filters)
                field.validators = [rule, *field.validators]
            return field


# --- API schemas ---------------------------------------------------------------------------------

# The rule as the OpenAPI document states it (JSON Schema patterns are ECMA-262 regular expressions).
LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"


class Text(fields.String):
    """A marshmallow string under the input rule (one line unless `multiline=True`); the API's
    document shows the rule as the field's `pattern`."""

    def __init__(self, *args, multiline: bool = False, **kwargs):
        metadata = kwargs.pop("metadata", None) or {}
        metadata.setdefault("pattern", TEXT_PATTERN if multiline else LINE_PATTERN)
        super().__init__(*args, metadata=metadata, **kwargs)
        self.multiline = multiline

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return clean_text(text, multiline=self.multiline)
        except TextRefused as refused:
            raise ValidationError(str(refused.message)) from None


# --- JSON bodies ---------------------------------------------------------------------------------

class BodyRefused(Exception):
    def __init__(self, code: str, message, field: str | None = None):
        super().__init__(code)
        self.code, self.message, self.field = code, message, field


def check_json_document(data: bytes) -> None:
    """:raise BodyRefused: for a body nested deeper than MAX_JSON_DEPTH or holding a lone
    surrogate. A body that is not JSON at all passes: the view's parser answers that."""
    try:
        document = json.loads(data)
    except RecursionError:
        raise BodyRefused("too_deep", TOO_DEEP_MESSAGE) from None
    except ValueError:  # not JSON, or not UTF-8: the view's own parser says so
        return
    # Breadth first (the first bad field in reading order is named), without recursion.
    pending = deque([(document, None, 1)])
    while pending:
        node, path, depth = pending.popleft()
        if isinstance(node, str):
            if _LONE_SURROGATE.search(node):
                raise BodyRefused("invalid_text", SURROGATE_MESSAGE, path)
            continue
        if not isinstance(node, (dict, list)):
            continue
        if depth > MAX_JSON_DEPTH:
            raise BodyRefused("too_deep", TOO_DEEP_MESSAGE)
        if isinstance(node, dict):
            for key, value in node.items():
                if _LONE_SURROGATE.search(key):
                    raise BodyRefused("invalid_text", SURROGATE_MESSAGE, path)
                pending.append((value, key if path is None else f"{path}.{key}", depth + 1))
        else:
            pending.extend((value, f"{path}.{i}" if path else str(i), depth + 1) for i, value in enumerate(node))


# Tracking tags on a shared link are cleaned, never refused, by the attribution that reads them
# (storefront.social.attribution): a landing page must open whatever a platform did to its link.
CLEANED_ELSEWHERE = ("utm_",)


def check_address() -> None:
    """:raise BodyRefused: for a null byte in the path or a query parameter. PostgreSQL refuses
    one in any text it is asked to compare (a search, a slug, a token) and SQLite does not, so it
    is refused here, the same on both, before a page or the API looks anything up."""
    if "\x00" in request.path:
        raise BodyRefused("invalid_text", NULL_IN_ADDRESS_MESSAGE)
    for name, value in request.args.items(multi=True):
        if name.startswith(CLEANED_ELSEWHERE):
            continue
        if "\x00" in name or "\x00" in value:
            raise BodyRefused("invalid_text", NULL_IN_ADDRESS_MESSAGE, name.replace("\x00", ""))


def refuse_unsafe_input():
    """Before every view: 400 for an address with a null byte (`check_address`) or a JSON body
    `check_json_document` refuses."""
    try:
        check_address()
        if request.is_json:
            check_json_document(request.get_data(cache=True))
    except BodyRefused as refused:
        return error_response(400, refused.code, refused.message, refused.field)
    return None


def init_app(app: Flask) -> None:
    """Run the guard first of all before-request hooks (rate limits and CSRF come after)."""
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unsafe_input)
