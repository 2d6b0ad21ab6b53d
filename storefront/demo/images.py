"""Product "photos" for the demo catalog, drawn with Pillow at load time (nothing is downloaded).

Each picture is a calm flat-lay stand-in: a soft background gradient, a soft shadow, and the
item's silhouette (sweater, cardigan, hat, scarf, mittens, socks, blanket, cushion...) filled with
the variant's colour, a knitted stitch texture, rib bands and, for some items, a cable, stripe or
Fair Isle pattern. A `Studio` computes each kind of item's geometry and shading once, a
`ProductArt` adds one product's pattern, and only the colouring is repeated per colourway: that
keeps drawing the whole demo catalog to a few seconds.
"""
from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from .shapes import GRID, SHAPES, Piece, Point, lens

SIZE = 800
# Shapes are drawn at twice the size and scaled down, so their edges come out antialiased.
SUPERSAMPLE = 2
RGB = tuple[int, int, int]

PATTERNS = ("plain", "cable", "stripe", "fairisle", "check")


def scale(value: float, rgb: RGB) -> RGB:
    return tuple(max(0, min(255, round(c * value))) for c in rgb)  # type: ignore[return-value]


def accent_for(rgb: RGB) -> RGB:
    """The contrast yarn of a patterned knit: undyed cream on dark wool, charcoal on light."""
    luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return (236, 228, 212) if luminance < 150 else (64, 62, 66)


# ---------------------------------------------------------------------------------------------
# Textures, made once per process


@lru_cache(maxsize=1)
def knit_texture() -> Image.Image:
    """A grey-scale stockinette stitch field (columns of V stitches), 255 = no darkening."""
    w, h = 18, 16
    tile = Image.new("L", (w, h))
    pixels = tile.load()
    legs = ((w * 0.29, h * 0.5, math.radians(62)), (w * 0.71, h * 0.5, math.radians(118)))
    for y in range(h):
        for x in range(w):
            best = 0.0
            for cx, cy, angle in legs:
                dx, dy = x + 0.5 - cx, y + 0.5 - cy
                along = dx * math.cos(angle) + dy * math.sin(angle)
                across = -dx * math.sin(angle) + dy * math.cos(angle)
                d = (along / (h * 0.62)) ** 2 + (across / (w * 0.2)) ** 2
                best = max(best, 1.0 - d)
            pixels[x, y] = round(178 + 77 * max(0.0, min(1.0, best)) ** 0.6)
    field_ = Image.new("L", (SIZE, SIZE))
    for top in range(0, SIZE, h):
        for left in range(0, SIZE, w):
            field_.paste(tile, (left, top))
    return field_


@lru_cache(maxsize=1)
def fluff_texture() -> Image.Image:
    """Soft mottled noise for pompoms (seeded, so every run draws the same picture)."""
    rng = random.Random(7)
    small = Image.new("L", (SIZE // 8, SIZE // 8))
    small.putdata([rng.randint(170, 255) for _ in range(small.width * small.height)])
    return small.resize((SIZE, SIZE), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(2))


@lru_cache(maxsize=1)
def light_gradient() -> Image.Image:
    """Light falling from the top left: a gentle diagonal darkening."""
    ramp = Image.linear_gradient("L").resize((SIZE, SIZE))
    diagonal = ramp.rotate(45, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=128)
    return diagonal.point(lambda v: 255 - round(v * 0.16))


# Calm studio backgrounds, top and bottom of the gradient, one per kind of item.
BACKDROPS = {
    "warm": ((244, 240, 233), (226, 219, 207)),
    "cool": ((236, 240, 242), (214, 221, 226)),
    "sand": ((242, 236, 226), (222, 211, 194)),
}


# ---------------------------------------------------------------------------------------------
# Rendering


def _to_px(points: list[Point], factor: float) -> list[tuple[float, float]]:
    return [(x * factor, y * factor) for x, y in points]


def _mask(polygons: list[list[Point]], holes: list[list[Point]] = (), lines=()) -> Image.Image:
    big = SIZE * SUPERSAMPLE
    factor = big / GRID
    image = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(image)
    for polygon in polygons:
        draw.polygon(_to_px(polygon, factor), fill=255)
    for hole in holes:
        draw.polygon(_to_px(hole, factor), fill=0)
    for points, _tone in lines:
        draw.line(_to_px(points, factor), fill=255, width=round(9 * SUPERSAMPLE), joint="curve")
    # A box filter over each 2 × 2 block: antialiased edges, and much faster than Lanczos.
    return image.reduce(SUPERSAMPLE)


def _rib_shade(ribs: list[list[Point]]) -> Image.Image:
    """Darker vertical ribs (k1 p1) in the rib zones: hems, cuffs, neckbands, brims."""
    if not ribs:
        return Image.new("L", (SIZE, SIZE), 255)
    zone = _mask(ribs)
    stripes = Image.new("L", (SIZE, SIZE), 255)
    draw = ImageDraw.Draw(stripes)
    for x in range(0, SIZE, 9):
        draw.line([(x, 0), (x, SIZE)], fill=196, width=3)
    return Image.composite(stripes, Image.new("L", (SIZE, SIZE), 255), zone)


def _cable_shade(outline_mask: Image.Image) -> Image.Image:
    """Three rope cables running down the front: raised twists catch the light, the gutters not."""
    shade = Image.new("L", (SIZE, SIZE), 255)
    draw = ImageDraw.Draw(shade)
    factor = SIZE / GRID
    for column in (400, 500, 600):
        draw.rectangle([((column - 36) * factor, 0), ((column + 36) * factor, SIZE)], fill=205)
        for y in range(0, GRID, 52):
            draw.polygon(_to_px(lens(column, y, 84, 34, 58), factor), fill=255, outline=170)
    return ImageChops.lighter(shade, ImageChops.invert(outline_mask))


def _pattern_mask(pattern: str, band: tuple[float, float] | None) -> Image.Image | None:
    """Where the contrast yarn shows: stripes, a check, or a Fair Isle band of Auseklis stars."""
    if pattern in ("plain", "cable"):
        return None
    image = Image.new("L", (SIZE, SIZE), 0)
    draw = ImageDraw.Draw(image)
    factor = SIZE / GRID
    if pattern == "stripe":
        for y in range(0, GRID, 84):
            draw.rectangle([(0, y * factor), (SIZE, (y + 34) * factor)], fill=255)
    elif pattern == "check":
        for x in range(0, GRID, 130):
            draw.rectangle([(x * factor, 0), ((x + 16) * factor, SIZE)], fill=255)
        for y in range(0, GRID, 130):
            draw.rectangle([(0, y * factor), (SIZE, (y + 16) * factor)], fill=255)
    elif pattern == "fairisle" and band is not None:
        top, bottom = band
        middle = (top + bottom) / 2
        height = bottom - top
        draw.rectangle([(0, top * factor), (SIZE, (top + 8) * factor)], fill=255)
        draw.rectangle([(0, (bottom - 8) * factor), (SIZE, bottom * factor)], fill=255)
        step = height * 0.95
        for i, x in enumerate(range(0, GRID + int(step), int(step))):
            r = height * 0.3
            if i % 2 == 0:
                # The Auseklis (morning star) of Latvian mittens, simplified to two crossed squares.
                square = [(x - r, middle), (x, middle - r), (x + r, middle), (x, middle + r)]
                draw.polygon(_to_px(square, factor), fill=255)
                draw.rectangle([((x - r * 0.7) * factor, (middle - r * 0.7) * factor),
                                ((x + r * 0.7) * factor, (middle + r * 0.7) * factor)], outline=255, width=4)
            else:
                draw.polygon(_to_px([(x - r * 0.4, middle), (x, middle - r * 0.4), (x + r * 0.4, middle),
                                     (x, middle + r * 0.4)], factor), fill=255)
        for y in (top - 26, bottom + 18):
            for x in range(0, GRID, 36):
                draw.rectangle([(x * factor, y * factor), ((x + 12) * factor, (y + 10) * factor)], fill=255)
    return image


@dataclass
class _PreparedPiece:
    piece: Piece
    mask: Image.Image
    shade: Image.Image
    pattern: Image.Image | None


@lru_cache(maxsize=1)
def _ramp() -> Image.Image:
    return Image.linear_gradient("L").resize((SIZE, SIZE))


def _geometry(kind: str) -> tuple[list[tuple[Piece, Image.Image, Image.Image]], Image.Image]:
    """Each piece's mask and colour-independent shading, and the union of the masks."""
    prepared = []
    union = Image.new("L", (SIZE, SIZE), 0)
    for piece in SHAPES[kind]():
        mask = _mask(piece.outline, piece.holes, piece.lines)
        # Darken towards the edges, where the knit turns away from the light (not the thin
        # strands of a fringe, which would turn black).
        body = _mask(piece.outline, piece.holes) if piece.lines else mask
        soft = body.filter(ImageFilter.GaussianBlur(10))
        edge = ImageChops.invert(ImageChops.subtract(body, soft).point(lambda v: round(v * 0.9)))
        texture = fluff_texture() if piece.fluffy else knit_texture()
        shade = ImageChops.multiply(texture, edge)
        shade = ImageChops.multiply(shade, light_gradient())
        shade = ImageChops.multiply(shade, _rib_shade(piece.ribs))
        prepared.append((piece, mask, shade))
        union = ImageChops.lighter(union, mask)
    return prepared, union


def _backdrop(silhouette: Image.Image, backdrop: str) -> Image.Image:
    """The studio background with the item's soft shadow on it."""
    top, bottom = BACKDROPS[backdrop]
    background = Image.composite(Image.new("RGB", (SIZE, SIZE), bottom), Image.new("RGB", (SIZE, SIZE), top),
                                 _ramp())
    # Blurred at a quarter size: the same soft look for a sixteenth of the work.
    small = silhouette.reduce(4)
    shadow = Image.new("L", small.size, 0)
    shadow.paste(small, (4, 6))
    shadow = shadow.filter(ImageFilter.GaussianBlur(7)).resize((SIZE, SIZE), Image.Resampling.BILINEAR)
    shadow = shadow.point(lambda v: round(v * 0.32))
    return Image.composite(Image.new("RGB", (SIZE, SIZE), (70, 60, 50)), background, shadow)


class Studio:
    """Prepares product pictures, reusing each kind's geometry (five pullovers are one sweater,
    re-patterned). Keep one for a batch of pictures and let it go: its caches are large."""

    def __init__(self) -> None:
        self._geometry: dict[str, tuple] = {}
        self._backdrops: dict[tuple[str, str], Image.Image] = {}

    def art(self, kind: str, pattern: str = "plain", backdrop: str = "warm") -> ProductArt:
        """:raise ValueError: for an unknown kind, pattern or backdrop."""
        if kind not in SHAPES:
            raise ValueError(f"unknown kind of item {kind!r}; known: {', '.join(SHAPES)}")
        if pattern not in PATTERNS:
            raise ValueError(f"unknown pattern {pattern!r}; known: {', '.join(PATTERNS)}")
        if backdrop not in BACKDROPS:
            raise ValueError(f"unknown backdrop {backdrop!r}; known: {', '.join(BACKDROPS)}")
        if kind not in self._geometry:
            self._geometry[kind] = _geometry(kind)
        pieces, silhouette = self._geometry[kind]
        if (kind, backdrop) not in self._backdrops:
            self._backdrops[kind, backdrop] = _backdrop(silhouette, backdrop)
        return ProductArt(pieces, pattern, self._backdrops[kind, backdrop])


class ProductArt:
    """One product's picture, prepared once; `render(colour)` paints it in one colourway."""

    def __init__(self, pieces: list[tuple[Piece, Image.Image, Image.Image]], pattern: str, background: Image.Image):
        self.background = background
        self.pieces = []
        for piece, mask, shade in pieces:
            if pattern == "cable" and piece.pattern_band is not None:
                shade = ImageChops.multiply(shade, _cable_shade(mask))
            pattern_mask = None if piece.fluffy else _pattern_mask(pattern, piece.pattern_band)
            self.pieces.append(_PreparedPiece(piece, mask, shade.convert("RGB"), pattern_mask))

    def render(self, colour: RGB, accent: RGB | None = None) -> Image.Image:
        accent = accent or accent_for(colour)
        canvas = self.background.copy()
        factor = SIZE / GRID
        for prepared in self.pieces:
            fill = Image.new("RGB", (SIZE, SIZE), colour)
            if prepared.pattern is not None:
                fill.paste(accent, (0, 0, SIZE, SIZE), prepared.pattern)
            fill = ImageChops.multiply(fill, prepared.shade)
            canvas.paste(fill, (0, 0), prepared.mask)
            draw = ImageDraw.Draw(canvas)
            for points, tone in prepared.piece.lines:
                draw.line(_to_px(points, factor), fill=scale(tone, colour), width=3)
            for shape, points, tone in prepared.piece.details:
                if shape == "polygon":
                    draw.polygon(_to_px(points, factor), fill=scale(float(tone), colour))  # type: ignore[arg-type]
                elif shape == "button":
                    (x, y), r = points[0], 15
                    button = (112, 84, 58)
                    draw.ellipse([x * factor - r, y * factor - r, x * factor + r, y * factor + r],
                                 fill=button, outline=scale(0.7, button), width=2)
                    for hx, hy in ((-4, -4), (4, -4), (-4, 4), (4, 4)):
                        draw.ellipse([x * factor + hx - 1.6, y * factor + hy - 1.6,
                                      x * factor + hx + 1.6, y * factor + hy + 1.6], fill=scale(0.55, button))
        return canvas


def encode(image: Image.Image) -> bytes:
    """The picture as a JPEG file's bytes."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=86, optimize=True, progressive=True)
    return buffer.getvalue()
