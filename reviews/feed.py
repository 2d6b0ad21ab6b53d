"""The product reviews feed for Google Merchant Center. (Being built.)"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("review_feeds", __name__)
