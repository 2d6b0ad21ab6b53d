"""Template filters and globals: money, the shop's settings, language switch links, the header's
category navigation and cart badge.

The header's helpers are functions the layout calls, so a page that does not show the header
(or a JSON answer) runs no query for them, and each runs at most one small query per request.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from babel.numbers import format_percent
from flask import Flask, current_app, g, has_request_context, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import FileSystemBytecodeCache
from sqlalchemy.exc import SQLAlchemyError

from promotions.stats import offers_shown

from .cart.session_cart import item_count
from .catalog.browse import top_categories
from .catalog.pages import stock_state, variant_image
from .extensions import db
from .i18n import LANGUAGE_NAMES
from .money import format_money
from .page_cache import is_tracking_arg
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


def page_args(args) -> dict:
    """The page's own query arguments, without the tags that only say where a link was posted:
    links built from a page never pass a campaign on (a shared page would pass it to everyone)."""
    return {name: value for name, value in args.to_dict().items() if not is_tracking_arg(name)}


def url_with_lang(lang: str) -> str:
    """The current page in another language.

    A page rendered in answer to a POST (a refused form) names the GET page it shows in
    `g.page_endpoint`, because the POST address itself cannot be opened by a link.
    """
    if "page_endpoint" in g:
        endpoint, args = g.page_endpoint
        return url_for(endpoint, **args, lang=lang)
    if request.method != "GET" or request.endpoint is None:
        return url_for("catalog.home", lang=lang)
    args = dict(request.view_args or {})
    args.update(page_args(request.args))
    args["lang"] = lang
    try:
        return url_for(request.endpoint, **args)
    except Exception:  # an endpoint that cannot be rebuilt: go home rather than fail the page
        return url_for("catalog.home", lang=lang)


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
        return url_for("static", filename="img/placeholder.svg")
    return url_for("media.media", filename=filename)


def nav_categories() -> list:
    """Top-level categories for the header; an error page must still render if the database is down."""
    try:
        return top_categories()
    except SQLAlchemyError:
        db.session.rollback()
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


def format_rate_bps(bps: int) -> str:
    """A tax rate in basis points as the shopper reads it (2100 → "21%", "21 %")."""
    return format_percent(Decimal(bps) / 10000, locale=str(get_locale()), format="#,##0.##%")


def init_app(app: Flask) -> None:
    # Compiled templates are kept in the instance folder: a fresh worker (a deploy, a node that
    # joins) renders its first pages in a third of the time. The cache writes its files atomically.
    folder = Path(app.instance_path) / "jinja-cache"
    folder.mkdir(parents=True, exist_ok=True)
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(folder))
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["rate_bps"] = format_rate_bps
    app.jinja_env.globals.update(
        url_with_lang=url_with_lang,
        url_with_args=url_with_args,
        media_url=media_url,
        language_names=LANGUAGE_NAMES,
        nav_categories=nav_categories,
        cart_item_count=cart_item_count,
        beacon_page=is_tracked_page,
        offers_shown=offers_shown,
        stock_state=stock_state,
        variant_image=variant_image,
    )

    @app.context_processor
    def shop_context():
        return {
            "shop_name": current_app.config["SHOP_NAME"],
            "shop_tagline": current_app.config["SHOP_TAGLINE"],
            "current_locale": str(get_locale()),
            "languages": current_app.config["LANGUAGES"],
            "prices_include_tax": current_app.config["PRICES_INCLUDE_TAX"],
            "free_shipping_threshold": current_app.config["FREE_SHIPPING_THRESHOLD"],
            "staff_user": current_user if signed_in() else None,
        }
