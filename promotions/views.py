"""The shopper's side of offers: the offer page, code entry, the in-store QR code."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("offers", __name__)
