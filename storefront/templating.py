"""Template filters and globals: money, the shop's settings, language switch links."""
from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from .i18n import LANGUAGE_NAMES
from .money import format_money


def url_with_lang(lang: str) -> str:
    """The current page in another language."""
    args = dict(request.view_args or {})
    args.update(request.args.to_dict())
    args["lang"] = lang
    endpoint = request.endpoint or "catalog.home"
    try:
        return url_for(endpoint, **args)
    except Exception:  # an endpoint that cannot be rebuilt (e.g. an error page): go home
        return url_for("catalog.home", lang=lang)


def media_url(filename: str | None) -> str:
    if not filename:
        return url_for("static", filename="img/placeholder.svg")
    return url_for("media.media", filename=filename)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.globals.update(
        url_with_lang=url_with_lang,
        media_url=media_url,
        language_names=LANGUAGE_NAMES,
    )

    @app.context_processor
    def shop_context():
        return {
            "shop_name": current_app.config["SHOP_NAME"],
            "shop_tagline": current_app.config["SHOP_TAGLINE"],
            "current_locale": str(get_locale()),
            "languages": current_app.config["LANGUAGES"],
            "staff_user": current_user if current_user.is_authenticated else None,
        }
