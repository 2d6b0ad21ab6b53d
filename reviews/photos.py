"""Reviewers' photos: checked like product images, stored under the upload folder, never orphaned.

Each upload is decoded by Pillow (`storefront.catalog.images.inspect_image`: decompression bombs,
files that are not JPEG/PNG/WebP/GIF and pictures over MAX_IMAGE_BYTES or MAX_IMAGE_DIMENSION are
refused with a clear message) before any transaction begins, so no lock waits on Pillow. Files are
written only inside the review's transaction, after every check has passed, as
UPLOAD_FOLDER/reviews/<random>.<ext> (a name nobody can choose or guess; `storefront.media` serves
it); if the transaction then fails, `removed_on_failure` deletes what was written.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from storefront.catalog.images import ImageTooLarge, InvalidImage, inspect_image
from storefront.errors import ShopError
from storefront.extensions import db

from .models import ReviewPhoto

FOLDER = "reviews"


class InvalidPhoto(ShopError):
    code = "invalid_photo"
    default_message = _l("That file is not a JPEG, PNG, WebP or GIF image.")

    def __init__(self, message=None, **details):
        details.setdefault("field", "photos")
        super().__init__(message, **details)


class PhotoTooLarge(InvalidPhoto):
    code = "photo_too_large"
    status = 413


class TooManyPhotos(InvalidPhoto):
    code = "too_many_photos"


@dataclass(frozen=True)
class CheckedPhoto:
    """An upload Pillow has read: its bytes and what they are."""

    data: bytes
    extension: str
    width: int
    height: int


def max_photos() -> int:
    return int(current_app.config["REVIEWS_MAX_PHOTOS"])


def check_count(count: int, *, already: int = 0) -> None:
    """:raise TooManyPhotos: when a review would carry more than REVIEWS_MAX_PHOTOS."""
    if count + already > max_photos():
        raise TooManyPhotos(_l("A review can have at most %(n)d photos.", n=max_photos()))


def check_photos(uploads: list[bytes], *, already: int = 0) -> list[CheckedPhoto]:
    """The uploads, each decoded by Pillow; empty uploads (a file input left blank) are skipped.

    :raise TooManyPhotos: :raise PhotoTooLarge: (413) :raise InvalidPhoto: naming the photo.
    """
    uploads = [data for data in uploads if data]
    check_count(len(uploads), already=already)
    checked = []
    for number, data in enumerate(uploads, start=1):
        try:
            extension, width, height = inspect_image(data)
        except ImageTooLarge as error:
            raise PhotoTooLarge(_l("Photo %(n)d: %(problem)s", n=number, problem=error.message)) from None
        except InvalidImage as error:
            raise InvalidPhoto(_l("Photo %(n)d: %(problem)s", n=number, problem=error.message)) from None
        checked.append(CheckedPhoto(data, extension, width, height))
    return checked


def _root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


@contextmanager
def removed_on_failure() -> Iterator[list[Path]]:
    """Collects the files `attach` writes; if the block raises (a refused or rolled-back review),
    they are deleted again, so a failed review leaves no file behind."""
    written: list[Path] = []
    try:
        yield written
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def attach(review_id: int, photos: list[CheckedPhoto], written: list[Path], *, first_position: int = 0) -> None:
    """Write the checked photos and add their rows to the review, inside its transaction."""
    for position, photo in enumerate(photos, start=first_position):
        relative = f"{FOLDER}/{secrets.token_hex(16)}.{photo.extension}"
        target = _root() / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        written.append(target)
        target.write_bytes(photo.data)
        db.session.add(ReviewPhoto(review_id=review_id, filename=relative, width=photo.width,
                                   height=photo.height, position=position))
