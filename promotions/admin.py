"""The marketer's pages: offers, codes, preview, results; the store staff's scan page."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("offers_admin", __name__, url_prefix="/admin/offers")
