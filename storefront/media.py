"""Serving uploaded images (`/media/<name>`) from the shop's store: the upload folder or the bucket.

Product images and reviewers' photos have random names that are never given to other bytes
(`storage.random_name`), so browsers and any cache in front may keep them for a year without asking
again. Other names (the demo's pictures, named after the product and colour) may be drawn anew under
the same name, so they are kept for a day.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import wrap_file

from reviews.photos import FOLDER as REVIEW_PHOTOS
from .catalog.images import FOLDER as PRODUCT_IMAGES
from .storage import InvalidName, content_type, storage

bp = Blueprint("media", __name__)

WRITE_ONCE_FOLDERS = (f"{PRODUCT_IMAGES}/", f"{REVIEW_PHOTOS}/")
ONE_YEAR, ONE_DAY = 365 * 86400, 86400


@bp.get("/media/<path:filename>")
def media(filename: str):
    try:
        stored = storage().open(filename)
    except (InvalidName, FileNotFoundError):
        abort(404)
    write_once = filename.startswith(WRITE_ONCE_FOLDERS)
    # What werkzeug's send_file does for a file object, plus the size the store knows (send_file
    # leaves it out), so that caches see a Content-Length and a Range request can be answered.
    response = current_app.response_class(wrap_file(request.environ, stored.stream), mimetype=content_type(filename),
                                          direct_passthrough=True)
    # A 304 or a range drops the stream unread: close it all the same, so that a bucket's
    # connection goes back to its pool.
    response.call_on_close(stored.stream.close)
    response.content_length = stored.size
    response.last_modified = stored.modified
    if stored.etag:
        response.set_etag(stored.etag)
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR if write_once else ONE_DAY
    if write_once:
        response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    try:
        return response.make_conditional(request, accept_ranges=True, complete_length=stored.size)
    except RequestedRangeNotSatisfiable:
        stored.stream.close()
        raise
