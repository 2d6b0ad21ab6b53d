"""Shoppers' pages for writing: a review from the request link or the tracking page, editing it and
the follow-up from the reviewer's link, helpful votes and reports. (Being built.)"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("review_forms", __name__)
