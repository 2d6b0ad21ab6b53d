"""A published picture gives nothing away about who took it: a shopper's review photo (and a staff
upload: tests/backoffice/test_images.py) is stored upright and without the metadata a phone adds
(where it was taken, the phone's serial number, the owner's name), in every format the shop takes."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
import sqlalchemy as sa
from PIL import Image, ImageCms, JpegImagePlugin, PngImagePlugin
from PIL.ExifTags import GPS, IFD, Base

from reviews.models import Review
from storefront.catalog.images import ImageTooLarge, clean_image
from storefront.catalog.picture_metadata import carries_metadata, webp_is_lossless
from storefront.database import utcnow
from storefront.extensions import db
from tests.reviews.factories import make_delivered_order
from tests.reviews.write_support import form, photo_files, request_for

OWNER = "Anna Bērziņa"
SERIAL = "SN-4815162342"
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="Anna Berzina"/>'
       b'</rdf:RDF></x:xmpmeta>')
RED, BLUE = (200, 20, 20), (20, 20, 200)


def phone_exif(orientation: int = 6) -> Image.Exif:
    """What a phone writes: the picture is stored sideways with a tag saying how to turn it, and
    the place it was taken, the phone and its owner come along."""
    exif = Image.Exif()
    exif[Base.Orientation] = orientation
    exif[Base.Make], exif[Base.Model] = "Phone", "Phone 15"
    exif[Base.BodySerialNumber] = SERIAL
    exif[Base.Artist] = OWNER
    gps = exif.get_ifd(IFD.GPSInfo)
    gps[GPS.GPSLatitudeRef], gps[GPS.GPSLatitude] = "N", (56.0, 57.0, 1.5)
    gps[GPS.GPSLongitudeRef], gps[GPS.GPSLongitude] = "E", (24.0, 6.0, 2.5)
    return exif


def sideways(fmt: str, **options) -> bytes:
    """40 × 20 stored: red on the left, blue on the right. Turned upright (orientation 6: a
    quarter turn clockwise) it is 20 × 40, red on top."""
    picture = Image.new("RGB", (40, 20), BLUE)
    picture.paste(RED, (0, 0, 20, 20))
    out = io.BytesIO()
    picture.save(out, fmt, **options)
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", OWNER)
    return sideways("PNG", exif=phone_exif(), pnginfo=info)


def animated(fmt: str, **options) -> bytes:
    frames = [Image.new("RGB", (30, 30), colour) for colour in (RED, BLUE, RED)]
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=120, loop=0, **options)
    return out.getvalue()


UPLOADS = {
    "phone JPEG": lambda: sideways("JPEG", quality=95, exif=phone_exif(), comment=OWNER.encode(), xmp=XMP),
    "PNG": png_with_text,
    "WebP": lambda: sideways("WEBP", lossless=True, exif=phone_exif(), xmp=XMP),
    "GIF": lambda: sideways("GIF", comment=OWNER.encode()),
    "animated GIF": lambda: animated("GIF", comment=OWNER.encode()),
    "animated WebP": lambda: animated("WEBP", exif=phone_exif(1), xmp=XMP),
}


def assert_says_nothing(data: bytes) -> Image.Image:
    """The bytes hold no EXIF, XMP, text chunk or comment, nor any trace of the owner or phone."""
    for trace in (SERIAL.encode(), b"Berzina", "Bērziņa".encode(), b"Phone", b"GPS", b"xmpmeta"):
        assert trace not in data, trace
    picture = Image.open(io.BytesIO(data))
    assert dict(picture.getexif()) == {}
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment", "Author"} & set(picture.info)
    return picture


@pytest.mark.parametrize("name", UPLOADS)
def test_every_format_keeps_its_picture_and_loses_its_metadata(app, name):
    original = UPLOADS[name]()
    assert SERIAL.encode() in original or b"Berzina" in original or OWNER.encode() in original  # the fixture
    cleaned = clean_image(original)
    picture = assert_says_nothing(cleaned.data)
    before = Image.open(io.BytesIO(original))
    assert picture.format == before.format and cleaned.extension == {"JPEG": "jpg", "PNG": "png", "WEBP": "webp",
                                                                    "GIF": "gif"}[before.format]
    assert getattr(picture, "n_frames", 1) == getattr(before, "n_frames", 1)
    if getattr(before, "n_frames", 1) > 1:
        assert (cleaned.width, cleaned.height) == picture.size == (30, 30)
        assert picture.info.get("loop") == 0 and durations(picture) == durations(before) == [120] * 3
        return
    tagged = before.getexif().get(Base.Orientation, 1) == 6
    # Turned as the tag said, so it shows the same way everywhere once the tag is gone.
    assert (cleaned.width, cleaned.height) == picture.size == ((20, 40) if tagged else (40, 20))
    rgb = picture.convert("RGB")
    if tagged:
        assert _near(rgb.getpixel((10, 5)), RED) and _near(rgb.getpixel((10, 35)), BLUE)
    else:
        assert _near(rgb.getpixel((5, 10)), RED) and _near(rgb.getpixel((35, 10)), BLUE)


def durations(picture: Image.Image) -> list[int]:
    shown = []
    for frame in range(picture.n_frames):
        picture.seek(frame)
        picture.load()
        shown.append(picture.info.get("duration"))
    return shown


def _near(pixel, colour, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def test_an_upright_jpeg_keeps_its_own_quality(app):
    """Without a turn, a JPEG is written with its own quantisation tables and subsampling, not at
    a quality of the shop's choosing: a small, well-compressed upload stays small."""
    original = sideways("JPEG", quality=70, exif=phone_exif(1), comment=OWNER.encode())
    cleaned = clean_image(original)
    assert_says_nothing(cleaned.data)
    before, after = Image.open(io.BytesIO(original)), Image.open(io.BytesIO(cleaned.data))
    assert after.quantization == before.quantization
    assert JpegImagePlugin.get_sampling(after) == JpegImagePlugin.get_sampling(before)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def test_a_shoppers_review_photo_is_published_upright_and_without_where_it_was_taken(ctx, client):
    order = make_delivered_order()
    token, line_id = request_for(order, now=utcnow()).token, order.lines[0].id
    data = form(f"line-{line_id}")
    data[f"line-{line_id}-photos"] = photo_files(UPLOADS["phone JPEG"]())["photos"]
    response = client.post(f"/reviews/write/{token}/{line_id}", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    photo = db.session.scalar(sa.select(Review)).photos[0]
    assert (photo.width, photo.height) == (20, 40)
    served = client.get(f"/media/{photo.filename}")
    assert served.status_code == 200
    assert assert_says_nothing(served.data).size == (20, 40)


@pytest.mark.parametrize("name", UPLOADS)
def test_a_picture_with_nothing_to_take_out_is_stored_as_it_came(app, name):
    """Cleaning what was cleaned changes no byte: an upload without metadata is not encoded again,
    and `flask media clean` run twice loses nothing."""
    cleaned = clean_image(UPLOADS[name]())
    again = clean_image(cleaned.data)
    assert again.data == cleaned.data and not again.changed and cleaned.changed


# --- what Pillow does not report: read from the file's own structure -------------------------------

def _jpeg_with_segment(marker: int, body: bytes, tail: bytes = b"") -> bytes:
    plain = sideways("JPEG")
    return plain[:2] + bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body + plain[2:] + tail


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _png_with_chunk(kind: bytes, body: bytes) -> bytes:
    plain = sideways("PNG")
    end = plain.rindex(b"IEND") - 4
    return plain[:end] + _png_chunk(kind, body) + plain[end:]


def _gif_with_xmp_and_a_late_comment() -> bytes:
    plain = animated("GIF")
    xmp = b"\x21\xff\x0bXMP DataXMP" + bytes([len(XMP[:200])]) + XMP[:200] + b"\x00"
    comment = b"\x21\xfe" + bytes([len(OWNER.encode())]) + OWNER.encode() + b"\x00"
    second = plain.index(b"\x21\xf9", plain.index(b"\x2c"))  # the second frame's graphic control
    start = 13 + 3 * 2 ** ((plain[10] & 7) + 1)
    return plain[:start] + xmp + plain[start:second] + comment + plain[second:]


def _gif_with_data_after_a_graphic_control() -> bytes:
    plain = animated("GIF")
    at = plain.index(b"\x21\xf9\x04")
    return plain[:at + 7] + b"\x07Berzina" + plain[at + 7:]  # a second data block before the end


def _webp_frame_with_a_private_chunk() -> bytes:
    plain = animated("WEBP")
    at = plain.index(b"ANMF")
    length = struct.unpack("<I", plain[at + 4:at + 8])[0]
    private = b"XYZW" + struct.pack("<I", 8) + b"Berzina!"
    frame = plain[at:at + 8 + length]
    frame = b"ANMF" + struct.pack("<I", length + len(private)) + frame[8:] + private
    body = plain[12:at] + frame + plain[at + 8 + length + (length & 1):]
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


HIDDEN = {
    "JPEG C2PA manifest (APP11)": lambda: _jpeg_with_segment(0xEB, b"JP\x00\x00jumb c2pa " + OWNER.encode()),
    "JPEG private APP3": lambda: _jpeg_with_segment(0xE3, b"Meta " + SERIAL.encode()),
    "JPEG bytes after the end": lambda: sideways("JPEG") + b"Berzina " + SERIAL.encode(),
    "PNG private chunk": lambda: _png_with_chunk(b"prIv", SERIAL.encode()),
    "PNG C2PA chunk": lambda: _png_with_chunk(b"caBX", b"c2pa " + OWNER.encode()),
    "GIF XMP and a second frame's comment": _gif_with_xmp_and_a_late_comment,
    "JPEG JFIF thumbnail": lambda: _jpeg_with_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x02\x02"
                                                     + b"\x10" * 12 + b"Berzina"),
    "JPEG JFXX thumbnail": lambda: _jpeg_with_segment(0xE0, b"JFXX\x00\x10" + sideways("JPEG") + b"Berzina"),
    "JPEG Adobe segment with a tail": lambda: _jpeg_with_segment(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01Berzina"),
    "GIF data after a graphic control": _gif_with_data_after_a_graphic_control,
    "WebP frame with a private chunk": _webp_frame_with_a_private_chunk,
}


@pytest.mark.parametrize("name", HIDDEN)
def test_what_pillow_does_not_report_is_taken_out_too(app, name):
    original = HIDDEN[name]()
    assert carries_metadata(original)
    cleaned = clean_image(original)
    assert cleaned.changed and not carries_metadata(cleaned.data)
    assert_says_nothing(cleaned.data)


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
def test_the_colour_profile_stays(app, fmt):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = sideways(fmt, exif=phone_exif(), icc_profile=profile)
    cleaned = clean_image(original)
    assert cleaned.changed and Image.open(io.BytesIO(cleaned.data)).info.get("icc_profile") == profile


def test_a_lossless_webp_stays_lossless_and_a_lossy_one_lossy(app):
    assert not webp_is_lossless(clean_image(sideways("WEBP", quality=80, exif=phone_exif())).data)
    cleaned = clean_image(sideways("WEBP", lossless=True, exif=phone_exif()))
    assert webp_is_lossless(cleaned.data)
    picture = Image.open(io.BytesIO(cleaned.data)).convert("RGB")
    assert b"VP8L" in cleaned.data and picture.getpixel((10, 5)) == RED and picture.getpixel((10, 35)) == BLUE


def test_an_animated_png_without_metadata_is_left_alone(app):
    original = animated("PNG")
    assert not carries_metadata(original)
    assert clean_image(original).data == original


def test_an_animation_of_more_pixels_than_the_largest_picture_is_refused_before_it_is_decoded(app):
    """A small file can hold hundreds of frames on a large canvas, each decoded to be written again."""
    frames = []
    for n in range(40):
        frame = Image.new("P", (1000, 1000), 0)
        frame.putpixel((n, n), 1)
        frames.append(frame)
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    app.config["MAX_IMAGE_DIMENSION"], before = 6000, app.config["MAX_IMAGE_DIMENSION"]
    try:
        with pytest.raises(ImageTooLarge, match="at most 36 frames at this size"):
            clean_image(out.getvalue())
    finally:
        app.config["MAX_IMAGE_DIMENSION"] = before
