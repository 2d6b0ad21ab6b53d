"""Reviewers' photos: checked like product images, kept in the shop's store, never orphaned.

Each upload is decoded by Pillow (`storefront.catalog.images.clean_image`: decompression bombs,
files that are not JPEG/PNG/WebP/GIF and pictures over MAX_IMAGE_BYTES or MAX_IMAGE_DIMENSION are
refused with a clear message) before any transaction begins, so no lock waits on Pillow, and
written again upright and without its metadata: a phone's photo carries where it was taken
(often the shopper's home) and the phone's serial number, and a review photo is published. The
checked files are saved (`save`) before the review's transaction begins too, since with a bucket
a save is an upload and no write lock may wait on the network, as reviews/<random>.<ext> (a name
nobody can choose or guess) in the shop's store (`storefront.storage`: the upload folder or the
bucket every app node shares; `storefront.media` serves it); the transaction adds their rows
(`attach`), and if it fails, `removed_on_failure` deletes what was saved.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from storefront.catalog.images import ImageTooLarge, InvalidImage, clean_image
from storefront.errors import ShopError
from storefront.extensions import db
from storefront.storage import random_name, remove_after_failure, storage

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
    """An upload Pillow has read and written again without metadata: its bytes and what they are."""

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
    """The uploads, each decoded by Pillow and written again upright without metadata; empty
    uploads (a file input left blank) are skipped.

    :raise TooManyPhotos: :raise PhotoTooLarge: (413) :raise InvalidPhoto: naming the photo.
    """
    uploads = [data for data in uploads if data]
    check_count(len(uploads), already=already)
    checked = []
    for number, data in enumerate(uploads, start=1):
        try:
            picture = clean_image(data)
        except ImageTooLarge as error:
            raise PhotoTooLarge(_l("Photo %(n)d: %(problem)s", n=number, problem=error.message)) from None
        except InvalidImage as error:
            raise InvalidPhoto(_l("Photo %(n)d: %(problem)s", n=number, problem=error.message)) from None
        checked.append(CheckedPhoto(picture.data, picture.extension, picture.width, picture.height))
    return checked


@contextmanager
def removed_on_failure() -> Iterator[list[str]]:
    """Collects the names `attach` writes; if the block raises (a refused or rolled-back review),
    they are deleted again, so a failed review leaves no file behind."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        remove_after_failure(storage(), written)
        raise


@dataclass(frozen=True)
class SavedPhoto:
    """A checked photo already in the shop's store, waiting for its row."""

    filename: str
    width: int
    height: int


def save(photos: list[CheckedPhoto], written: list[str]) -> list[SavedPhoto]:
    """Put the checked photos in the store, BEFORE the review's transaction begins: with a bucket
    every node shares, a save is a network upload, and no write lock may wait on it. The names
    go into `written`, so `removed_on_failure` deletes them if the review is then refused."""
    store = storage()
    saved = []
    for photo in photos:
        relative = random_name(FOLDER, photo.extension)
        written.append(relative)  # before the write: a write that fails half-way is removed too
        store.save(relative, photo.data)
        saved.append(SavedPhoto(relative, photo.width, photo.height))
    return saved


def attach(review_id: int, photos: list[SavedPhoto], *, first_position: int = 0) -> None:
    """The saved photos' rows, inside the review's transaction."""
    for position, photo in enumerate(photos, start=first_position):
        db.session.add(ReviewPhoto(review_id=review_id, filename=photo.filename, width=photo.width,
                                   height=photo.height, position=position))
