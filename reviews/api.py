"""The reviews JSON API. (Being built.)"""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("reviews", __name__, description="Product reviews: read, write with a review link, vote.")
