"""The questions JSON API. (Being built.)"""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("questions", __name__, description="Questions about products and their answers.")
