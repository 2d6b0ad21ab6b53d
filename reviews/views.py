"""Shoppers' pages for reading reviews: a product's reviews (sorted, filtered, paged), "How our
reviews work" with the per-product and per-month ledgers. (Being built.)"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("review_pages", __name__)
