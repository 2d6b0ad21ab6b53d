"""Which language a shopper sees: `?lang=`, then the session, then the browser's Accept-Language.

Reading a storefront page never writes the choice anywhere: a page GET sets no cookie (so every
anonymous visitor of a page in one language can be served the same cached bytes). A language
picked with `?lang=` is kept by the links instead: while a page was asked for with `?lang=`,
every link and form the shop builds to its own storefront pages carries it. The social tab's
launch (a POST) puts the platform's language in the session, which is "the session" here, and so
does the first form a shopper sends from a page read with `?lang=` (it may set the session
cookie). The beacon of such a page keeps the language only in a session the visitor already has:
browsing never sets a cookie.
Staff always have a session (they are signed in) and their pages are never cached: there a GET
with `?lang=` keeps the choice in the session, as before.

`page_language` is the one rule, used both by Flask's locale selector and by the page cache,
which decides a page's language before Flask runs (storefront/page_cache.py).
"""
from __future__ import annotations

import datetime as dt
import unicodedata

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_locale, get_timezone, get_translations
from flask_babel import gettext as _
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from .security import is_staff_page, staff_blueprints

LANGUAGE_NAMES = {"en": "English", "es": "Español", "lv": "Latviešu"}
# Endpoints whose URLs never carry the language: files and machine-readable answers (the JSON
# API's blueprints among them).
NO_LANGUAGE_BLUEPRINTS = frozenset({"static", "media", "webhooks", "feeds", "review_feeds", "health", "api",
                                    "products", "carts", "orders", "reviews", "questions"})


def page_language(requested: str | None, in_session: str | None, accept_language: str | None,
                  languages: list[str]) -> tuple[str, bool]:
    """The page's language and whether it came from the Accept-Language header."""
    requested = (requested or "").lower()[:5]
    if requested in languages:
        return requested, False
    if in_session in languages:
        return in_session, False
    best = parse_accept_header(accept_language or "", LanguageAccept).best_match(languages)
    return best or languages[0], True


def requested_language() -> str | None:
    """The language this request names in its URL, if it is one the shop speaks. Asked for every
    link a page builds (`keep_requested_language`): `"lang" in args` first, since `args.get` of a
    missing name raises and catches a KeyError (~3 µs)."""
    args = request.args
    if "lang" not in args:
        return None
    requested = args["lang"].lower()[:5]
    return requested if requested in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a CLI command or a task: mail uses force_locale instead
        return languages[0]
    language, _ = page_language(request.args.get("lang"), session.get("lang"),
                                request.headers.get("Accept-Language"), languages)
    return language


def keep_requested_language(endpoint: str, values: dict) -> None:
    """`url_defaults`: links from a storefront page asked for with `?lang=` stay in that language."""
    if "lang" in values or not has_request_context():
        return
    if endpoint.partition(".")[0] in NO_LANGUAGE_BLUEPRINTS or endpoint.rpartition(".")[0] in staff_blueprints():
        return
    language = requested_language()
    if language:
        values["lang"] = language


def keep_language(language: str | None) -> None:
    """Remember a language the visitor chose (a page they read with `?lang=`, named by its beacon)
    in the session they have; none is started for it."""
    if session and language in current_app.config["LANGUAGES"] and session.get("lang") != language:
        session["lang"] = language


def remember_language() -> None:
    """A language chosen with `?lang=` is kept in the session by the first form the shopper sends
    (its action carries `?lang=`), and on staff pages (staff are signed in: they have a session)."""
    language = requested_language()
    if language and (request.method not in ("GET", "HEAD") or is_staff_page()) and session.get("lang") != language:
        session["lang"] = language


def init_app(app: Flask) -> None:
    app.url_defaults(keep_requested_language)
    app.before_request(remember_language)


# --- words ---------------------------------------------------------------------------------------

# Words kept escaped per language: the templates' own (a few hundred); a bound, since `_()` is
# also given words from data (option names).
KEPT_WORDS = 4096


def current_locale(request_globals=None):
    """flask_babel's `get_locale()` in one `g` lookup instead of three: read from its request state
    (`g._flask_babel.babel_locale`, which `force_locale` changes), asked of `get_locale()` while
    that is not set. `request_globals`: `g`'s object, when the caller has it."""
    if request_globals is None:
        request_globals = g._get_current_object()
    return getattr(getattr(request_globals, "_flask_babel", None), "babel_locale", None) or get_locale()


def request_words() -> tuple:
    """(translations, escaped words without variables) of the request's current language, found
    once per request and language (`force_locale` changes the language: then they are found
    again); a `g` lookup costs a microsecond, and flask_babel's `get_translations` makes five."""
    try:
        request_globals = g._get_current_object()
    except RuntimeError:  # no app context: flask_babel's answer (no translation), nothing kept
        return get_translations(), {}
    locale = current_locale(request_globals)
    state = getattr(request_globals, "template_words", None)
    if state is None or state[0] is not locale:
        translations = get_translations()
        kept = current_app.extensions["template_words"]
        escaped = kept.get(translations)
        if escaped is None:
            escaped = kept[translations] = {}
        state = request_globals.template_words = (locale, translations, escaped)
    return state[1], state[2]


def gettext(string: str, /, **variables) -> str:
    """flask_babel's `gettext` (the translation, formatted when given variables), with the
    request's translations found once per request and language (`request_words`): for words a
    page asks for once a variant or a card, such as a stock state."""
    text = request_words()[0].ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, /, **variables) -> str:
    """flask_babel's `ngettext`, as `gettext` above."""
    variables.setdefault("num", num)
    return request_words()[0].ungettext(singular, plural, num) % variables


def country_name(code: str, language: str | None = None) -> str | None:
    """The country of an ISO 3166 code ("LV", "ie") named in `language` ("lv", "pt_BR"), or in the
    request's language; CLDR's names through Babel, which need no message catalog. None for a code
    or language Babel does not know."""
    try:
        locale = Locale.parse(language.replace("-", "_")) if language else get_locale()
    except (ValueError, UnknownLocaleError):
        return None
    return locale.territories.get(code.strip().upper()) if locale is not None else None


def language_in_sentence(code: str) -> str:
    """The language of `code` named as a sentence of the request's language writes it: "English",
    "inglés", "angļu" (CLDR's names, lower case where the language writes them so); the code itself
    when Babel does not know it."""
    locale = get_locale()
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(locale) if locale is not None else None
    except (ValueError, UnknownLocaleError):
        name = None
    return name or code


# Letters a language sorts as letters of their own, after their base letter (CLDR's tailorings):
# Latvian "č" after every "c…"; long vowels (ā, ē, ī, ū) sort as their base and only break ties.
_OWN_LETTERS = {"lv": frozenset("čģķļņšž"), "es": frozenset("ñ")}


def sort_key(text: str, language: str | None = None):
    """A key that sorts names as a reader of `language` (default: the request's) expects: "Īrija"
    among the I's, not after "Zviedrija" as by code point; "Čehija" after every C."""
    if language is None:
        locale = get_locale()
        language = locale.language if locale is not None else "en"
    own = _OWN_LETTERS.get(language, frozenset())
    folded = text.casefold()
    primary = [(unicodedata.normalize("NFD", letter)[0], letter in own) for letter in folded]
    return primary, folded


def short_day(day) -> str:
    """A day without its year, as the request's language writes it: "Nov 29", "29 nov", "29. nov."
    (charts' axes; not "11-29", which a Latvian or Spanish reader takes for the 11th)."""
    return format_skeleton("MMMd", day, locale=get_locale() or "en")


def duration_words(seconds: float) -> str:
    """A length of time to the minute, as staff and shoppers read it: "2 d 3 h", "1 h 12 min",
    "45 min" (an inbox item's wait, an offer's time left)."""
    minutes = max(0, int(seconds // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h", d=days, h=hours)
    if hours:
        return _("%(h)d h %(m)d min", h=hours, m=minutes)
    return _("%(m)d min", m=minutes)


def staff_time(value: dt.datetime | None) -> str:
    """A moment as the back office shows it: to the minute, in the shop's zone (SHOP_TIMEZONE),
    in the staff member's language: "Dec 5, 2026, 3:15 AM", "5 dic 2026, 3:15", "2026. gada
    5. dec. 03:15" (Babel's medium date and short time, joined as the language joins them).
    Staff read to the minute; a page where the order of events within a minute matters (the
    audit log) also carries the exact value in `<time datetime>`. A naive value is taken as UTC,
    as the database stores it; None is blank."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    locale, zone = get_locale() or Locale.parse("en"), get_timezone()
    local = value.astimezone(zone)
    return (get_datetime_format("medium", locale=locale).replace("'", "")
            .replace("{0}", format_time(local, "short", tzinfo=zone, locale=locale))
            .replace("{1}", format_date(local.date(), "medium", locale=locale)))
