from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("products", __name__, description="Products for sale, with their variants.")
