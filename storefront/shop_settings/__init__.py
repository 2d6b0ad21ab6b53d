"""Settings an admin changes in the back office without a restart (shop name, bank details,
delivery rates, tax, stock holds, countries, languages, the social tab's origins and apps).

The environment (`storefront.config`) stays the default; a row in `shop_settings` overrides it.
Every process applies the overrides to its `app.config` when the settings' version changes
(`runtime`), so the ~50 readers of `current_app.config[...]` need no change. It knows no area.
"""
from __future__ import annotations

from flask import Flask

from . import runtime


def init_app(app: Flask) -> None:
    """Check the settings' version before each request, each page the cache answers and each task."""
    runtime.init_app(app)
