"""Product images: checking an upload really is a picture, storing it, ordering and removing it.

An upload is read whole into memory (it is at most MAX_IMAGE_BYTES) and decoded by Pillow before
anything is written: the declared file name and content type are never trusted, because a
browser sends whatever the file is called. Files are stored as products/<random>.<ext>, a name
nobody can choose or guess, in the shop's store (`storefront.storage`: the upload folder, or the
bucket every app node shares), before the write transaction begins, so that no lock waits on the
store; the database row is committed only after the file is safely stored, and a refused or
failed write removes the file again.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from PIL import Image, ImageOps, UnidentifiedImageError
from PIL.ExifTags import Base

from ..audit.service import record
from ..database import write_transaction
from ..errors import ShopError
from ..extensions import db
from ..storage import InvalidName, random_name, remove_after_failure, storage
from .editing import CatalogItemNotFound, get_product_for_edit
from .models import ProductImage
from .picture_metadata import carries_metadata, webp_is_lossless

# Pillow format name → the extension the file is stored under.
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
FOLDER = "products"
MAX_ALT_LENGTH = 255
# What a cleaned picture keeps of Pillow's `info`: how it looks and moves, nothing about who took it.
KEPT_INFO = frozenset({"icc_profile", "transparency", "duration", "loop", "background", "disposal", "dpi"})
# A picture that had to be turned is encoded again at this JPEG/WebP quality (an upright JPEG
# keeps its own quantisation tables, so it loses nothing).
REENCODE_QUALITY = 90


class InvalidImage(ShopError):
    code = "invalid_image"
    default_message = _l("That file is not a JPEG, PNG, WebP or GIF image.")

    def __init__(self, message=None, **details):
        super().__init__(message, field="image", **details)


class ImageTooLarge(InvalidImage):
    code = "image_too_large"
    status = 413


def _max_bytes() -> int:
    return int(current_app.config["MAX_IMAGE_BYTES"])


def _max_dimension() -> int:
    return int(current_app.config["MAX_IMAGE_DIMENSION"])


def inspect_image(data: bytes) -> tuple[str, int, int]:
    """The stored extension, width and height of an image given as bytes.

    :raise ImageTooLarge: above MAX_IMAGE_BYTES or MAX_IMAGE_DIMENSION pixels on a side.
    :raise InvalidImage: if Pillow cannot read it as one of the allowed formats, or it is damaged.
    """
    if len(data) > _max_bytes():
        raise ImageTooLarge(_l("Images can be at most %(mb)s MB.", mb=f"{_max_bytes() / 1048576:.1f}"))
    if not data:
        raise InvalidImage(_l("The file is empty."))
    limit = _max_dimension()
    try:
        with warnings.catch_warnings():
            # A decompression bomb warning is an error here: a small file that unpacks to a
            # gigantic bitmap would exhaust memory wherever it is later resized.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format, (width, height) = probe.format, probe.size
                if image_format not in ALLOWED_FORMATS:
                    raise InvalidImage()
                if width > limit or height > limit:
                    raise ImageTooLarge(_l("Images can be at most %(px)d pixels wide and high.", px=limit))
                # Every frame is decoded when the picture is written again: an animation may hold
                # as many pixels in all as one picture of the largest size, not a tiny file's
                # thousands of full-canvas frames.
                frames = getattr(probe, "n_frames", 1)
                if frames > 1 and frames * width * height > limit * limit:
                    raise ImageTooLarge(lazy_ngettext("An animation can have at most %(num)d frame at this size.",
                                                      "An animation can have at most %(num)d frames at this size.",
                                                      max(1, limit * limit // (width * height))))
                probe.verify()  # checks the structure without decoding every pixel
            # verify() leaves the image unusable; decode once more to catch truncated pixel data.
            with Image.open(io.BytesIO(data)) as full:
                full.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge(_l("Images can be at most %(px)d pixels wide and high.", px=limit)) from None
    except ShopError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise InvalidImage() from None
    if width < 1 or height < 1:
        raise InvalidImage()
    return ALLOWED_FORMATS[image_format], width, height


@dataclass(frozen=True)
class CleanImage:
    """An upload Pillow has read and written again without metadata (`clean_image`)."""

    data: bytes
    extension: str
    width: int
    height: int
    changed: bool  # False: the upload had nothing to take out, `data` is its bytes


def clean_image(data: bytes) -> CleanImage:
    """The upload checked (`inspect_image`) and, if it carries anything besides the picture
    (`picture_metadata.carries_metadata`, read from the file's own structure), turned upright and
    written again with the picture alone; a picture that carries nothing else is left as it is
    (writing a JPEG again always loses a little).

    :raise ImageTooLarge: :raise InvalidImage: as `inspect_image`.
    """
    extension, width, height = inspect_image(data)
    if not carries_metadata(data):
        return CleanImage(data, extension, width, height, changed=False)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            animated = getattr(image, "n_frames", 1) > 1
            picture = image
            if not animated and image.getexif().get(Base.Orientation, 1) != 1:
                picture = ImageOps.exif_transpose(image)  # a turned copy, without the tag
            kept = {key: value for key, value in image.info.items() if key in KEPT_INFO}
            picture.info = dict(kept)
            # The writers take the colour profile (and a JPEG its density) only when told.
            options: dict = {"save_all": animated, **{key: kept[key] for key in ("icc_profile", "dpi") if key in kept}}
            if image_format == "JPEG":
                options |= ({"quality": "keep", "subsampling": "keep"} if picture is image
                            else {"quality": REENCODE_QUALITY})
            elif image_format == "WEBP":
                options |= {"lossless": True} if webp_is_lossless(data) else {"quality": REENCODE_QUALITY}
            out = io.BytesIO()
            picture.save(out, image_format, **options)
            width, height = picture.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise InvalidImage() from None
    cleaned = out.getvalue()
    if carries_metadata(cleaned):  # never stored: Pillow wrote something the list does not know
        raise InvalidImage()
    return CleanImage(cleaned, extension, width, height, changed=True)


def read_upload(stream: BinaryIO) -> bytes:
    """At most MAX_IMAGE_BYTES + 1 bytes of an upload: enough to tell it is too big, no more."""
    return stream.read(_max_bytes() + 1)


def _clean_alt(alt: str | None) -> str:
    alt = (alt or "").strip()
    if len(alt) > MAX_ALT_LENGTH:
        raise ShopError(_l("At most %(n)d characters.", n=MAX_ALT_LENGTH), field="alt")
    return alt


def add_image(actor, product_id: int, stream: BinaryIO, alt: str = "") -> ProductImage:
    """Check and store an uploaded image as the product's last image.

    :raise ImageTooLarge: (413) :raise InvalidImage: :raise CatalogItemNotFound:
    Nothing is written, on disk or in the database, when any of these is raised.
    """
    alt = _clean_alt(alt)
    data = read_upload(stream)
    # Decoding is the slow part: it runs before the write begins, so no lock waits on Pillow.
    picture = clean_image(data)
    width, height = picture.width, picture.height
    relative = random_name(FOLDER, picture.extension)
    store = storage()
    store.save(relative, picture.data)
    try:
        with write_transaction():
            product = get_product_for_edit(product_id)
            position = max((image.position for image in product.images), default=-1) + 1
            image = ProductImage(filename=relative, alt=alt, width=width, height=height, position=position)
            product.images.append(image)
            db.session.flush()
            record(actor, "image.create", "product_image", image.id, product_id=product.id,
                   filename=relative, width=width, height=height)
    except BaseException:
        remove_after_failure(store, [relative])
        raise
    return image


def get_image_for_edit(image_id: int) -> ProductImage:
    """:raise CatalogItemNotFound:"""
    image = db.session.get(ProductImage, image_id)
    if image is None:
        raise CatalogItemNotFound(_l("We could not find that image."))
    return image


def set_alt_text(actor, image_id: int, alt: str) -> ProductImage:
    """Describe the image for people who cannot see it. :raise CatalogItemNotFound:"""
    new_alt = _clean_alt(alt)
    with write_transaction():
        image = get_image_for_edit(image_id)
        record(actor, "image.alt", "product_image", image.id, product_id=image.product_id,
               changed={"alt": [image.alt, new_alt]})
        image.alt = new_alt
    return image


def move_image(actor, image_id: int, direction: str) -> ProductImage:
    """Swap the image with its neighbour ("up" = earlier, "down" = later); the first is the main one.

    :raise ShopError: for another direction. :raise CatalogItemNotFound:
    """
    if direction not in {"up", "down"}:
        raise ShopError(_l("Unknown direction."), field="direction")
    with write_transaction():
        image = get_image_for_edit(image_id)
        images = list(image.product.images)
        # Renumber first: older rows may share a position, which would make a swap a no-op.
        for position, item in enumerate(images):
            item.position = position
        index = images.index(image)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(images):
            images[index].position, images[other].position = images[other].position, images[index].position
        record(actor, "image.move", "product_image", image.id, product_id=image.product_id,
               direction=direction)
    return image


def delete_image(actor, image_id: int) -> int:
    """Remove an image and its file; returns its product's id. :raise CatalogItemNotFound:"""
    with write_transaction():
        image = get_image_for_edit(image_id)
        product_id, relative = image.product_id, image.filename
        record(actor, "image.delete", "product_image", image.id, product_id=product_id, filename=relative)
        image.product.images.remove(image)
    # The file goes only after the row is gone, so a failed commit never leaves a broken image.
    still_used = db.session.scalar(sa.select(sa.func.count(ProductImage.id)).where(ProductImage.filename == relative))
    if not still_used:
        try:
            storage().delete(relative)
        except InvalidName:  # a row naming a path outside the store: nothing of ours to remove
            pass
    return product_id
