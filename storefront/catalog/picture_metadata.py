"""Whether a stored picture carries anything besides the picture: read from the file's own
structure (JPEG segments, PNG chunks, GIF blocks, WebP chunks), against a list of what a picture
needs, not a list of what is known to leak. Pillow's `info` is no guide: it reports only what it
decodes, and a C2PA manifest (JPEG APP11, PNG caBX), extended XMP, a private chunk, a comment on a
GIF's second frame or bytes after the end of the image pass unseen.

`carries_metadata(data)` is True for anything outside the list, and for a file it cannot follow
(truncated, or not one of the four formats): the caller writes such a file again.
"""
from __future__ import annotations

import struct

# JPEG markers a picture needs: frames, tables, scans, restarts; APP0 as JFIF's bare 16 bytes
# (a JFIF or JFXX thumbnail may show the picture before it was cropped), APP2 only as an ICC
# profile (an APP2 "MPF" index announces more pictures after the first), APP14 as Adobe's bare
# 14-byte colour transform. Everything else (APP1 EXIF/XMP, APP11 C2PA, APP13 Photoshop, COM, …)
# is metadata.
_JPEG_STANDALONE = {0xD8, 0xD9, *range(0xD0, 0xD8), 0x01}
_JPEG_TABLES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF,
                0xC4, 0xCC, 0xDB, 0xDD, 0xDA, 0xDC, 0xDE, 0xDF}
# PNG chunks that say how the picture looks or moves (APNG); text, EXIF, time and private chunks
# are metadata.
_PNG_CHUNKS = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
               b"pHYs", b"bKGD", b"acTL", b"fcTL", b"fdAT", b"cICP", b"mDCv", b"cLLi"}
# WebP chunks of the picture, its alpha, animation and colour profile; EXIF and XMP are metadata.
_WEBP_CHUNKS = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
# GIF application extensions that only say how often an animation loops.
_GIF_LOOPS = {b"NETSCAPE2.0", b"ANIMEXTS1.0"}


def carries_metadata(data: bytes) -> bool:
    """True unless `data` is a JPEG, PNG, GIF or WebP holding only what its picture needs."""
    try:
        if data.startswith(b"\xff\xd8"):
            return _jpeg(data)
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return _png(data)
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return _gif(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp(data)
    except (IndexError, struct.error, ValueError):
        return True
    return True


def _jpeg(data: bytes) -> bool:
    at = 2
    while True:
        if data[at] != 0xFF:
            return True
        marker = data[at + 1]
        if marker == 0xFF:  # fill bytes before a marker
            at += 1
            continue
        if marker == 0xD9:  # end of image: nothing may follow
            return at + 2 != len(data)
        if marker in _JPEG_STANDALONE:
            at += 2
            continue
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        body = data[at + 4:at + 2 + length]
        if marker == 0xE0 and not (length == 16 and body.startswith(b"JFIF\x00") and body[12:14] == b"\x00\x00"):
            return True
        if marker == 0xE2 and not body.startswith(b"ICC_PROFILE\x00"):
            return True
        if marker == 0xEE and not (length == 14 and body.startswith(b"Adobe")):
            return True
        if marker not in (0xE0, 0xE2, 0xEE) and marker not in _JPEG_TABLES:
            return True
        at += 2 + length
        if marker == 0xDA:  # a scan's coded data, up to the next marker that is not a restart
            while True:
                at = data.index(b"\xff", at)
                following = data[at + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    at += 2
                    continue
                break


def _png(data: bytes) -> bool:
    at = 8
    while True:
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind not in _PNG_CHUNKS:
            return True
        at += 12 + length
        if kind == b"IEND":
            return at != len(data)


def _webp(data: bytes) -> bool:
    size = struct.unpack("<I", data[4:8])[0]
    if size + 8 != len(data):
        return True
    return _webp_chunks(data, 12, len(data), frame=False)


def _webp_chunks(data: bytes, at: int, end: int, *, frame: bool) -> bool:
    """Whether the chunks from `at` to `end` hold anything else; an animation frame (ANMF) holds
    its own: its picture and alpha only."""
    allowed = {b"VP8 ", b"VP8L", b"ALPH"} if frame else _WEBP_CHUNKS
    while at < end:
        kind, length = struct.unpack("<4sI", data[at:at + 8])
        if kind not in allowed:
            return True
        if kind == b"VP8X" and data[at + 8] & 0b1100:  # the flags announce EXIF (8) or XMP (4)
            return True
        if kind == b"ANMF" and _webp_chunks(data, at + 8 + 16, at + 8 + length, frame=True):
            return True
        at += 8 + length + (length & 1)
    return at != end


def webp_is_lossless(data: bytes) -> bool:
    """Whether a WebP's picture (or first frame) is lossless (VP8L), read from its chunks."""
    at = 12
    while at + 8 <= len(data):
        kind, length = struct.unpack("<4sI", data[at:at + 8])
        if kind in (b"VP8 ", b"VP8L"):
            return kind == b"VP8L"
        at += 8 + (16 if kind == b"ANMF" else length + (length & 1))  # into a frame: its picture follows
    return False


def _gif(data: bytes) -> bool:
    flags = data[10]
    at = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    while True:
        block = data[at]
        if block == 0x3B:  # the trailer: nothing may follow
            return at + 1 != len(data)
        if block == 0x2C:  # an image: its descriptor, colour table and coded data
            flags = data[at + 9]
            at += 10 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0) + 1
            at = _gif_sub_blocks(data, at)
            continue
        if block != 0x21:
            return True
        label = data[at + 1]
        if label == 0xFF:  # an application extension: only a loop count, as one 3-byte block
            if data[at + 2] != 11 or bytes(data[at + 3:at + 14]) not in _GIF_LOOPS or data[at + 14] != 3 \
                    or data[at + 18] != 0:
                return True
        elif label == 0xF9:  # graphic control (timing, transparency): one 4-byte block
            if data[at + 2] != 4 or data[at + 7] != 0:
                return True
        else:  # comments and plain text are metadata
            return True
        at = _gif_sub_blocks(data, at + 2)


def _gif_sub_blocks(data: bytes, at: int) -> int:
    while data[at]:
        at += data[at] + 1
    return at + 1
