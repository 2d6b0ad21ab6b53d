"""Serving uploaded product images from the instance folder (`/media/<path>`)."""
from __future__ import annotations

from flask import Blueprint, current_app, send_from_directory

bp = Blueprint("media", __name__)


@bp.get("/media/<path:filename>")
def media(filename: str):
    # send_from_directory refuses paths that escape the folder.
    response = send_from_directory(current_app.config["UPLOAD_FOLDER"], filename, max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
