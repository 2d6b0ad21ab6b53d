"""The social page tab: launches from social platforms, framing rules, feeds and attribution.

Owns verifying who a platform sent (one adapter per platform), the embedded session, the demo
social page, the catalog feed for social catalogs, share links and every visit's channel. It must
not decide prices or offers: it only says where a shopper came from.
"""
from __future__ import annotations

from flask import Flask

from . import attribution, embedding
from . import tasks  # noqa: F401  (its periodic task registers on the queue as it is imported)


def init_app(app: Flask) -> None:
    """The embedded session and framing rules, and the attribution of every storefront visit
    (the page beacon is `views.beacon`; a form sent without one starts the visit)."""
    embedding.init_app(app)
    app.after_request(attribution.attribute_action)
