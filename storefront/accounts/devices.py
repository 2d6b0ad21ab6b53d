"""A staff session's browser as people name it ("Firefox on Windows"), not its User-Agent string
("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 …"). A guess from well-known tokens, for
staff recognising their own sessions; the full string stays stored."""
from __future__ import annotations

import re

from flask_babel import gettext as _

# In order: Edge, Opera and Chrome-based others name Chrome too; Chrome names Safari.
_BROWSERS = (("Edg/", "Edge"), ("EdgA/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"),
             ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"), ("Chromium/", "Chromium"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iOS"), ("iPad", "iPadOS"), ("Android", "Android"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def device_name(user_agent: str | None) -> str:
    text = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in text), None)
    system = next((name for token, name in _SYSTEMS if re.search(re.escape(token), text)), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or _("Unknown browser")
