"""The demo social page: a brand's page with the shop in a tab, playing the platforms' servers."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("demo", __name__, url_prefix="/demo")
