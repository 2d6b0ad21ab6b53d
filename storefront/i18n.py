"""Which language a shopper sees: `?lang=`, then the session, then the browser's Accept-Language.

The social tab (a later issue) sets the session language from the platform's launch message, so
it slots in as "the session" here.
"""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session

LANGUAGE_NAMES = {"en": "English", "es": "Español", "lv": "Latviešu"}


def remember_requested_language() -> None:
    """Keep a language chosen with ``?lang=`` for the rest of the visit."""
    requested = request.args.get("lang", "").lower()[:5]
    if requested in current_app.config["LANGUAGES"] and session.get("lang") != requested:
        session["lang"] = requested


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a CLI command or a task: mail uses force_locale instead
        return languages[0]
    requested = request.args.get("lang", "").lower()[:5]
    if requested in languages:
        return requested
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or languages[0]


def init_app(app: Flask) -> None:
    app.before_request(remember_requested_language)
