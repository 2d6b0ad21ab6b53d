from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("carts", __name__, description="Token carts: create, read, change lines.")
