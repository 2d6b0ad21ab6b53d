"""The catalog feed for social catalogs, Meta's checkout address, share links and attribution."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("feeds", __name__)
