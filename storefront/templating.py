"""Template filters and globals: money, the shop's settings, language switch links, the header's
category navigation and cart badge; and the words and links of every template, cheaply.

The header's helpers are functions the layout calls, so a page that does not show the header
(or a JSON answer) runs no query for them, and each runs at most one small query per request.

A product page says ~130 translated words and builds ~110 links. Through flask_babel each word
looked the request's translations up again (five context lookups) and went through Jinja's `_`
alias and wrapper, ~12 µs a word; each `url_for` walked the routing map and the `url_defaults`
hooks, ~10 µs a link: together a fifth of the page's CPU. Templates now translate through
`template_gettext` (the translations found once per request and language, and a word without
variables kept once escaped per language) and build links through `path_for` (each endpoint's
address built once per request, the values put into it as werkzeug would).
"""
from __future__ import annotations

import functools
import weakref
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, quote_plus

from babel.numbers import format_percent
from flask import Flask, current_app, g, has_request_context, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import FileSystemBytecodeCache, nodes, pass_context
from jinja2.filters import FILTERS as DEFAULT_FILTERS
from jinja2.ext import Extension
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from promotions.free_shipping import public_free_shipping_from
from promotions.messages import free_shipping_promise, lost_text
from promotions.stats import offers_shown

from .cart.session_cart import item_count
from .catalog.browse import top_categories
from .catalog.pages import stock_state, variant_image
from .extensions import db
from .i18n import KEPT_WORDS, LANGUAGE_NAMES, current_locale, request_words, requested_language, staff_time
from .money import format_money, typed_number
from .page_cache import is_tracking_arg, keep_nothing, page_address, remembered, remembering
from .social.attribution import is_tracked_page

# Words that come from settings and data rather than code, listed here so that extraction puts
# them in the message catalogs: the default tagline and the usual option names.
TRANSLATABLE_DEFAULTS = (
    _l("Knitwear from the Baltic coast"),
    _l("Size"),
    _l("Colour"),
    _l("Color"),
    _l("Material"),
)


# --- links ---------------------------------------------------------------------------------------

# What werkzeug does to a value: its converters' `to_url` in the path, `urlencode` in the query.
_PATH_SAFE = "!$&'()*+,/:;=@"
_QUERY_SAFE = "!$'()*,/:;?@"
# Stand-ins for the values while an endpoint's address is built: they pass every quoting unchanged
# and never occur in an address by chance. Integers for `<int:…>` routes, which refuse words.
_INT_PLACEHOLDER = 7_919_000_000_000_000
_STR_PLACEHOLDER = "__path_for_{}__"
_NOT_BUILT = ()
KEPT_ADDRESS_CONTEXTS = 64  # (script root, ?lang=) pairs whose addresses a process keeps
KEPT_ADDRESSES = 1024  # addresses (endpoint, argument names and kinds) kept per such pair


def _quote_path(value: str) -> str:
    return quote(value, safe=_PATH_SAFE)


def _quote_query(value: str) -> str:
    return quote_plus(value, safe=_QUERY_SAFE)


def _address_template(endpoint: str, values: dict) -> tuple:
    """`url_for(endpoint, **values)` as literal pieces with a slot for each value, in order:
    (piece, (index, quoting), piece, …, piece), quoting being None for an integer. `_NOT_BUILT`
    when the address cannot be reused for other values: an endpoint with several rules or with
    defaults (werkzeug picks the rule by the values), a converter that refuses a stand-in, a value
    that is not a plain string or integer (werkzeug leaves None out of a query)."""
    if endpoint.startswith(".") or any(name.startswith("_") for name in values):
        return _NOT_BUILT
    rules = list(current_app.url_map.iter_rules(endpoint))
    if len(rules) != 1 or rules[0].defaults:
        return _NOT_BUILT
    stand_ins = {}
    for index, (name, value) in enumerate(values.items()):
        if type(value) is int:
            stand_ins[name] = _INT_PLACEHOLDER + index
        elif type(value) is str:
            stand_ins[name] = _STR_PLACEHOLDER.format(index)
        else:
            return _NOT_BUILT
    try:
        address = url_for(endpoint, **stand_ins)
    except ValueError:  # a converter that takes only some values (`any`, a bounded integer)
        return _NOT_BUILT
    query_starts = address.find("?")
    found = []
    for index, stand_in in enumerate(stand_ins.values()):
        text = str(stand_in)
        at = address.find(text)
        if at < 0 or address.find(text, at + 1) >= 0:
            return _NOT_BUILT
        quoting = None if type(stand_in) is int else _quote_query if 0 <= query_starts < at else _quote_path
        found.append((at, len(text), index, quoting))
    parts: list = []
    position = 0
    for at, length, index, quoting in sorted(found):
        parts += [address[position:at], (index, quoting)]
        position = at + length
    parts.append(address[position:])
    return tuple(parts)


def _addresses_for(this_request) -> dict:
    """The addresses built so far by this process for requests like this one: an address differs
    between requests only by the script root and the `url_defaults` (`?lang=` when the page was
    asked for with it); the routing map is fixed once the app serves."""
    kept = current_app.extensions.setdefault("shop_addresses", {})
    context = (this_request.script_root, requested_language())
    built = kept.get(context)
    if built is None:
        built = {}
        if len(kept) < KEPT_ADDRESS_CONTEXTS:  # a proxy's prefix comes from outside: bounded
            kept[context] = built
    return built


def path_for(endpoint: str, **values) -> str:
    """`url_for(endpoint, **values)` from the address built for the first link to the endpoint
    with the same argument names and kinds, by this process, in a request with the same script
    root and `url_defaults` query (`_addresses_for`): a product page links 15 variants and 30
    pictures, and each `url_for` walks the routing map and the hooks again. What
    `_address_template` cannot reuse goes to `url_for`. The templates' `url_for` is this function,
    and so are the language switch's links, whose argument names are the page's query's: the
    addresses kept are bounded (KEPT_ADDRESSES)."""
    if not has_request_context():
        return url_for(endpoint, **values)
    # Kept on the request, not on `g`: an app context may outlive a request (a test's does).
    this_request = request._get_current_object()
    built = getattr(this_request, "shop_addresses", None)
    if built is None:
        built = this_request.shop_addresses = _addresses_for(this_request)
    key = (endpoint, tuple(values), tuple(map(type, values.values())))
    parts = built.get(key)
    if parts is None:
        parts = _address_template(endpoint, values)
        if len(built) < KEPT_ADDRESSES:
            built[key] = parts
    if parts is _NOT_BUILT:
        return url_for(endpoint, **values)
    given = tuple(values.values())
    out = [parts[0]]
    for n in range(1, len(parts), 2):
        index, quoting = parts[n]
        out.append(str(given[index]) if quoting is None else quoting(given[index]))
        out.append(parts[n + 1])
    return "".join(out)


# --- words ---------------------------------------------------------------------------------------

@pass_context
def template_gettext(context, string: str, /, **variables) -> str:
    """Jinja's newstyle `gettext` (and `_`), word for word: the translation, escaped under
    autoescape, always formatted with its variables (so "%%" is "%" with or without them). The
    arguments before `/` are positional only, so a variable may be called `string` or `num`."""
    translations, escaped = request_words()
    if variables or not context.eval_ctx.autoescape:
        text = translations.ugettext(string)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables
    word = escaped.get(string)
    if word is None:
        word = Markup(translations.ugettext(string)) % {}
        if len(escaped) < KEPT_WORDS:
            escaped[string] = word
    return word


@pass_context
def template_ngettext(context, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    text = request_words()[0].ungettext(singular, plural, num)
    return (Markup(text) if context.eval_ctx.autoescape else text) % variables


@pass_context
def template_pgettext(context, string_context: str, string: str, /, **variables) -> str:
    variables.setdefault("context", string_context)
    text = request_words()[0].upgettext(string_context, string)
    return (Markup(text) if context.eval_ctx.autoescape else text) % variables


@pass_context
def template_npgettext(context, string_context: str, singular: str, plural: str, num: int, /,
                       **variables) -> str:
    variables.setdefault("context", string_context)
    variables.setdefault("num", num)
    text = request_words()[0].unpgettext(string_context, singular, plural, num)
    return (Markup(text) if context.eval_ctx.autoescape else text) % variables


def install_template_words(app: Flask) -> None:
    """Replace flask_babel's template gettext (installed by `babel.init_app`, which must run
    first) and Jinja's `_` alias with the functions above; `{% trans %}` blocks call them too."""
    app.extensions["template_words"] = weakref.WeakKeyDictionary()
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext,
                                 pgettext=template_pgettext, npgettext=template_npgettext)


# --- pages ---------------------------------------------------------------------------------------

def page_args(args) -> dict:
    """The page's own query arguments, without the tags that only say where a link was posted:
    links built from a page never pass a campaign on (a shared page would pass it to everyone)."""
    return {name: value for name, value in args.to_dict().items() if not is_tracking_arg(name)}


def url_with_lang(lang: str, home: str = "catalog.home") -> str:
    """The current page in another language (`home`'s, when the page cannot be linked to).

    A page rendered in answer to a POST (a refused form) names the GET page it shows in
    `g.page_endpoint`, because the POST address itself cannot be opened by a link; a back-office
    page names it in `g.language_page` (which, unlike `page_endpoint`, lets it use nothing kept
    for the shop's pages).
    """
    page = g.get("language_page") or g.get("page_endpoint")
    if page is not None:
        endpoint, args = page
        return url_for(endpoint, **args, lang=lang)
    if request.method != "GET" or request.endpoint is None:
        return url_for(home, lang=lang)
    args = dict(request.view_args or {})
    args.update(page_args(request.args))
    args["lang"] = lang
    try:
        return path_for(request.endpoint, **args)
    except Exception:  # an endpoint that cannot be rebuilt: go home rather than fail the page
        return url_for(home, lang=lang)


def url_with_args(**changes) -> str:
    """The current GET page with some query arguments changed (pagination and sort links)."""
    args = dict(request.view_args or {})
    args.update(page_args(request.args))
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **args)


def media_url(filename: str | None) -> str:
    if not filename:
        return path_for("static", filename="img/placeholder.svg")
    return path_for("media.media", filename=filename)


def nav_categories() -> list:
    """Top-level categories for the header; an error page must still render if the database is down."""
    try:
        return top_categories()
    except SQLAlchemyError:
        db.session.rollback()
        keep_nothing()  # the navigation kept around this would have no categories
        return []


def cart_item_count() -> int:
    try:
        return item_count()
    except SQLAlchemyError:
        db.session.rollback()
        return 0


def signed_in() -> bool:
    """A member of staff is signed in. Asked only when a sign-in is possible: Flask-Login's
    session protection writes to any other session it loads a user for, and reading a page must
    not change the visitor's session."""
    if not has_request_context():  # mail is rendered by the task worker, outside any request
        return False
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if "_user_id" not in session and remember not in request.cookies:
        return False
    return current_user.is_authenticated


def public_free_shipping() -> str:
    """The free-shipping sentence of pages every anonymous visitor shares (top bar, footer, product
    page): only what is true for everyone (`promotions.free_shipping`); a cart says its own. Found
    once per request and language (a page asks four times): on the request, not `g`, since an app
    context may outlive a request."""
    if not has_request_context():
        return free_shipping_promise(public_free_shipping_from())
    this_request = request._get_current_object()
    locale = str(current_locale())
    found = getattr(this_request, "shop_free_shipping", None)
    if found is None or found[0] != locale:
        found = this_request.shop_free_shipping = (locale, free_shipping_promise(public_free_shipping_from()))
    return found[1]


# --- parts of the layout kept between requests ---------------------------------------------------

class KeptFragments(Extension):
    """`{% kept "name", part, … %}…{% endkept %}`: the block's HTML, kept by each process
    (`page_cache.remembered`, the category tree's version) for the name and parts, the language,
    the script root, `?lang=` and the settings in force, and rendered again when one of these
    changes or the category tree is written. The block may show only what those say (and the
    tree): nothing of the visitor, the page's address or another table (the free-shipping
    sentence, which follows the offers and the clock, is a part where it is shown). The layout's
    navigation and footer, a quarter of a category page's miss, cost a lookup this way."""

    tags = {"kept"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        parts = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            parts.append(parser.parse_expression())
        body = parser.parse_statements(("name:endkept",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_kept", [nodes.List(parts)]), [], [], body).set_lineno(lineno)

    def _kept(self, parts: list, caller) -> str:
        if not remembering():
            return caller()
        settings = current_app.extensions.get("shop_settings")
        key = ("fragment", request.script_root, requested_language(), str(current_locale()),
               getattr(settings, "version", None), *parts)
        return remembered("categories", key, caller)


def format_rate_bps(bps: int) -> str:
    """A tax rate in basis points as the shopper reads it (2100 → "21%", "21 %")."""
    return format_percent(Decimal(bps) / 10000, locale=str(get_locale()), format="#,##0.##%")


def keep_filters_out_of_compiling(app: Flask) -> None:
    """Jinja evaluates a filter of a constant while it compiles the template ("'24.90'|typed_number",
    "0|money") and keeps the result, in the language of whichever request compiled it first, for
    every later page (and in the bytecode cache). The shop's filters read the request's language,
    the shop's zone or its currency: each is wrapped as taking the context, which Jinja never
    evaluates early. Called once the blueprints have added theirs."""
    for name, function in list(app.jinja_env.filters.items()):
        if name in DEFAULT_FILTERS or hasattr(function, "jinja_pass_arg"):
            continue
        app.jinja_env.filters[name] = _evaluated_when_rendered(function)


def _evaluated_when_rendered(function):
    @pass_context
    @functools.wraps(function)
    def evaluated(_context, *args, **kwargs):
        return function(*args, **kwargs)
    return evaluated


def init_app(app: Flask) -> None:
    # Compiled templates are kept in the instance folder: a fresh worker (a deploy, a node that
    # joins) renders its first pages in a third of the time. The cache writes its files atomically.
    folder = Path(app.instance_path) / "jinja-cache"
    folder.mkdir(parents=True, exist_ok=True)
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(folder))
    install_template_words(app)
    app.jinja_env.add_extension(KeptFragments)
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["typed_number"] = typed_number  # "24.90" as staff type it: "24,90" in Latvian
    app.jinja_env.filters["rate_bps"] = format_rate_bps
    app.jinja_env.filters["staff_time"] = staff_time  # every moment a back-office page or staff mail shows
    app.jinja_env.filters["free_shipping_promise"] = free_shipping_promise
    app.jinja_env.filters["offer_lost"] = lost_text
    app.jinja_env.globals.update(
        url_with_lang=url_with_lang,
        url_with_args=url_with_args,
        url_for=path_for,
        page_address=page_address,
        path_for=path_for,
        media_url=media_url,
        language_names=LANGUAGE_NAMES,
        nav_categories=nav_categories,
        cart_item_count=cart_item_count,
        beacon_page=is_tracked_page,
        offers_shown=offers_shown,
        public_free_shipping=public_free_shipping,
        stock_state=stock_state,
        variant_image=variant_image,
    )
    keep_filters_out_of_compiling(app)

    @app.context_processor
    def shop_context():
        return {
            "shop_name": current_app.config["SHOP_NAME"],
            "shop_tagline": current_app.config["SHOP_TAGLINE"],
            "current_locale": str(get_locale()),
            "languages": current_app.config["LANGUAGES"],
            "prices_include_tax": current_app.config["PRICES_INCLUDE_TAX"],
            "staff_user": current_user if signed_in() else None,
        }
