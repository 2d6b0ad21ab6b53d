"""The silhouettes of the demo pictures: each kind of item as knitted pieces on a 1000-unit grid.

Only geometry lives here (outlines, rib zones, holes, fringes, details); `images` colours, textures
and shades them. A new kind of item is one function returning its pieces, added to `SHAPES`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

# Silhouettes are described on a 1000 × 1000 grid, whatever the output size.
GRID = 1000

Point = tuple[float, float]

# ---------------------------------------------------------------------------------------------
# Geometry helpers (grid coordinates)


def smooth(points: list[Point], rounds: int = 2) -> list[Point]:
    """Chaikin corner cutting: soft, fabric-like corners on a closed polygon."""
    for _ in range(rounds):
        out: list[Point] = []
        for i, (x0, y0) in enumerate(points):
            x1, y1 = points[(i + 1) % len(points)]
            out.append((0.75 * x0 + 0.25 * x1, 0.75 * y0 + 0.25 * y1))
            out.append((0.25 * x0 + 0.75 * x1, 0.25 * y0 + 0.75 * y1))
        points = out
    return points


def mirror(points: list[Point]) -> list[Point]:
    return [(GRID - x, y) for x, y in points]


def shift(points: list[Point], dx: float, dy: float) -> list[Point]:
    return [(x + dx, y + dy) for x, y in points]


def lens(cx: float, cy: float, length: float, width: float, angle_deg: float, steps: int = 16) -> list[Point]:
    """A slanted almond (one twist of a cable, one petal of a star)."""
    angle = math.radians(angle_deg)
    points = []
    for i in range(steps * 2):
        t = math.pi * 2 * i / (steps * 2)
        u, v = math.cos(t) * length / 2, math.sin(t) * width / 2
        points.append((cx + u * math.cos(angle) - v * math.sin(angle), cy + u * math.sin(angle) + v * math.cos(angle)))
    return points


def ellipse_points(cx: float, cy: float, rx: float, ry: float, start: float = 0, end: float = 360,
                   steps: int = 48) -> list[Point]:
    return [(cx + rx * math.cos(math.radians(start + (end - start) * i / steps)),
             cy + ry * math.sin(math.radians(start + (end - start) * i / steps))) for i in range(steps + 1)]


def rounded_rect(x0: float, y0: float, x1: float, y1: float, radius: float = 28) -> list[Point]:
    radius = min(radius, (x1 - x0) / 2, (y1 - y0) / 2)
    points: list[Point] = []
    for cx, cy, start in ((x1 - radius, y0 + radius, 270), (x1 - radius, y1 - radius, 0),
                          (x0 + radius, y1 - radius, 90), (x0 + radius, y0 + radius, 180)):
        points += ellipse_points(cx, cy, radius, radius, start, start + 90, steps=8)
    return points


# ---------------------------------------------------------------------------------------------
# Pieces: one knitted part of the picture, composited back to front


@dataclass
class Piece:
    """A knitted part: its outline, rib zones, and what to draw on top once coloured.

    `lines` are strands (a fringe, a tie) and seams, in grid points with a brightness factor.
    `details` are (shape, points, tone) drawn over the coloured piece: a "polygon" in the piece's
    colour times `tone` (a neck opening is the inside of the garment, in shadow), or a "button".
    """

    outline: list[list[Point]]
    ribs: list[list[Point]] = field(default_factory=list)
    holes: list[list[Point]] = field(default_factory=list)
    lines: list[tuple[list[Point], float]] = field(default_factory=list)
    details: list[tuple[str, list[Point], object]] = field(default_factory=list)
    pattern_band: tuple[float, float] | None = None  # grid y-range of a Fair Isle band
    fluffy: bool = False


def _sweater_body(length: float = 800, sleeves: bool = True, sleeve_end: float = 712) -> list[Point]:
    left: list[Point] = [(420, 236), (372, 248), (300, 282)]
    if sleeves:
        reach = 0.0 if sleeve_end <= 712 else (sleeve_end - 712) * 0.22
        left += [(256, 330), (216, 470), (178 - reach, sleeve_end - 22), (258 - reach, sleeve_end),
                 (302, 520), (326, 432)]
    else:
        left += [(296, 300), (318, 372), (350, 420)]
    left += [(322, length)]
    right = list(reversed(mirror(left)))
    return left + right


def _crew_neck(depth: float = 292) -> tuple[list[Point], list[Point]]:
    opening = ellipse_points(500, 236, 82, depth - 236, 0, 180)
    back = ellipse_points(500, 240, 78, 16, 180, 360)
    neck = opening + back
    rib = ellipse_points(500, 236, 96, depth - 236 + 16, 0, 180) + list(reversed(opening))
    return neck, rib


def _cuffs(sleeve_end: float = 712) -> list[list[Point]]:
    reach = 0.0 if sleeve_end <= 712 else (sleeve_end - 712) * 0.22
    left = [(178 - reach, sleeve_end - 22), (258 - reach, sleeve_end), (266 - reach, sleeve_end - 50),
            (186 - reach, sleeve_end - 72)]
    return [left, mirror(left)]


def sweater(pattern_band=(330, 420)) -> list[Piece]:
    neck, neck_rib = _crew_neck()
    return [Piece(outline=[smooth(_sweater_body())],
                  ribs=[[(322, 752), (678, 752), (678, 800), (322, 800)], neck_rib, *_cuffs()],
                  details=[("polygon", neck, 0.45)], pattern_band=pattern_band)]


def cardigan(length: float = 800, sleeve_end: float = 712, hood: bool = False) -> list[Piece]:
    v_bottom = 520 if length <= 800 else 470
    opening = [(432, 238), (568, 238), (512, v_bottom), (488, v_bottom)]
    placket = [(418, 240), (488, v_bottom), (488, length), (512, length), (512, v_bottom), (582, 240),
               (568, 238), (500, v_bottom - 40), (432, 238)]
    buttons = [(500, y) for y in range(v_bottom + 45, int(length) - 40, 70)]
    pieces: list[Piece] = []
    if hood:
        pieces.append(Piece(outline=[smooth([(370, 250), (392, 150), (450, 108), (550, 108), (608, 150),
                                              (630, 250)], rounds=3)],
                            details=[("polygon", smooth([(410, 245), (430, 170), (500, 140), (570, 170),
                                                         (590, 245)], rounds=3), 0.5)]))
    pieces.append(Piece(
        outline=[smooth(_sweater_body(length, sleeve_end=sleeve_end))],
        ribs=[[(322, length - 48), (678, length - 48), (678, length), (322, length)], placket,
              *_cuffs(sleeve_end)],
        lines=[([(500, v_bottom), (500, length)], 0.55)],
        details=[("polygon", opening, 0.42)] + [("button", [point], None) for point in buttons],
    ))
    return pieces


def vest() -> list[Piece]:
    opening = [(438, 238), (562, 238), (500, 430)]
    rib_v = [(420, 238), (500, 460), (580, 238), (562, 238), (500, 430), (438, 238)]
    return [Piece(outline=[smooth(_sweater_body(sleeves=False))],
                  ribs=[[(322, 752), (678, 752), (678, 800), (322, 800)], rib_v],
                  details=[("polygon", opening, 0.45)], pattern_band=(480, 560))]


def poncho() -> list[Piece]:
    outline = smooth([(420, 220), (580, 220), (640, 260), (880, 600), (500, 850), (120, 600), (360, 260)])
    neck = ellipse_points(500, 240, 74, 38)
    fringe = [([(x, 600 + (x - 120) * 250 / 380 - 30), (x - 4, 600 + (x - 120) * 250 / 380 + 40)], 0.9)
              for x in range(196, 480, 24)]
    fringe += [([(GRID - a[0], a[1]), (GRID - b[0], b[1])], tone) for (a, b), tone in fringe]
    return [Piece(outline=[outline], ribs=[ellipse_points(500, 240, 96, 56)],
                  details=[("polygon", neck, 0.45)], lines=[], pattern_band=(430, 500)),
            Piece(outline=[], lines=[(points, tone) for points, tone in fringe])]


def beanie(pompom: bool = True, earflaps: bool = False, cuff_height: float = 130) -> list[Piece]:
    dome = ellipse_points(500, 520, 215, 280, 180, 360) + [(715, 700), (285, 700)]
    brim = rounded_rect(268, 700 - cuff_height, 732, 720, radius=40)
    pieces: list[Piece] = []
    if earflaps:
        flap = smooth([(292, 640), (400, 660), (392, 770), (340, 820), (300, 760)], rounds=3)
        tie = [([(345, 810), (330, 900)], 0.85)]
        pieces.append(Piece(outline=[flap, mirror(flap)], lines=tie + [([(GRID - a[0], a[1]), (GRID - b[0], b[1])], t)
                                                                      for (a, b), t in tie]))
    pieces.append(Piece(outline=[smooth(dome, rounds=1)], pattern_band=(470, 540) if earflaps else None))
    pieces.append(Piece(outline=[brim], ribs=[brim]))
    if pompom:
        pieces.append(Piece(outline=[ellipse_points(500, 240, 92, 88)], fluffy=True))
    return pieces


def scarf() -> list[Piece]:
    back = rounded_rect(330, 130, 540, 740, radius=60)
    front = smooth([(440, 200), (470, 175), (650, 160), (676, 190), (690, 820), (480, 830)], rounds=2)
    fringe_back = [([(x, 735), (x, 800)], 0.9) for x in range(344, 530, 18)]
    fringe_front = [([(x, 822), (x + 3, 892)], 0.9) for x in range(494, 684, 18)]
    return [Piece(outline=[back], lines=fringe_back, pattern_band=(600, 680)),
            Piece(outline=[front], lines=fringe_front, pattern_band=(660, 740))]


def snood() -> list[Piece]:
    outer = ellipse_points(500, 500, 290, 250)
    inner = ellipse_points(500, 470, 150, 110)
    return [Piece(outline=[outer], holes=[inner], ribs=[], pattern_band=(600, 680),
                  details=[("polygon", ellipse_points(500, 470, 150, 110, 180, 360), 0.5)])]


def _mitten(fingerless: bool = False) -> tuple[list[Point], list[Point], list[Point]]:
    top = 380 if fingerless else 250
    hand = [(260, 640), (252, 420)] + ellipse_points(352, top + 40, 100, 110, 180, 360)[1:-1] + \
           [(452, 420), (446, 640)]
    if fingerless:
        hand = [(260, 640), (252, 420), (262, top), (444, top), (452, 420), (446, 640)]
    thumb = smooth([(258, 560), (190, 470), (200, 420), (236, 412), (268, 470)], rounds=3)
    cuff = [(250, 620), (456, 620), (462, 790), (244, 790)]
    return smooth(hand, rounds=2), thumb, cuff


def mittens(fingerless: bool = False) -> list[Piece]:
    hand, thumb, cuff = _mitten(fingerless)
    left = Piece(outline=[hand, thumb, cuff], ribs=[cuff], pattern_band=(430, 530))
    right_hand, right_thumb, right_cuff = (shift(mirror(p), 0, 40) for p in (hand, thumb, cuff))
    right = Piece(outline=[right_hand, right_thumb, right_cuff], ribs=[right_cuff], pattern_band=(470, 570))
    return [left, right]


def _sock(dx: float, dy: float) -> tuple[list[Point], list[Point]]:
    sock = [(300, 150), (450, 150), (452, 520), (520, 560), (690, 580)] + \
           ellipse_points(700, 650, 70, 70, 270, 450, steps=12)[1:] + [(420, 720), (330, 690), (300, 600)]
    rib = [(300, 150), (450, 150), (450, 240), (300, 240)]
    return shift(smooth(sock), dx, dy), shift(rib, dx, dy)


def socks() -> list[Piece]:
    back, back_rib = _sock(-60, -60)
    front, front_rib = _sock(40, 90)
    return [Piece(outline=[back], ribs=[back_rib], pattern_band=(300, 380)),
            Piece(outline=[front], ribs=[front_rib], pattern_band=(390, 470))]


def blanket() -> list[Piece]:
    body = rounded_rect(170, 300, 830, 760, radius=24)
    fold = rounded_rect(150, 250, 850, 390, radius=40)
    fringe = [([(x, 756), (x, 820)], 0.9) for x in range(186, 820, 22)]
    return [Piece(outline=[body], lines=fringe, pattern_band=(560, 640)),
            Piece(outline=[fold], pattern_band=(290, 350),
                  lines=[([(160, 385), (840, 385)], 0.7)])]


def cushion() -> list[Piece]:
    points: list[Point] = []
    corners = [(210, 210), (790, 210), (790, 790), (210, 790)]
    for i, (x0, y0) in enumerate(corners):
        x1, y1 = corners[(i + 1) % 4]
        for s in range(20):
            t = s / 20
            sag = math.sin(math.pi * t) * 28
            nx, ny = (y1 - y0), -(x1 - x0)
            length = math.hypot(nx, ny)
            points.append((x0 + (x1 - x0) * t - nx / length * -sag, y0 + (y1 - y0) * t - ny / length * -sag))
    return [Piece(outline=[smooth(points, rounds=1)], pattern_band=(440, 560))]


SHAPES = {
    "sweater": sweater,
    "cardigan": cardigan,
    "vest": vest,
    "coat": lambda: cardigan(length=900, sleeve_end=760, hood=True),
    "poncho": poncho,
    "beanie": beanie,
    "earflap_hat": lambda: beanie(pompom=True, earflaps=True, cuff_height=70),
    "watch_cap": lambda: beanie(pompom=False, cuff_height=160),
    "scarf": scarf,
    "snood": snood,
    "mittens": mittens,
    "wrist_warmers": lambda: mittens(fingerless=True),
    "socks": socks,
    "blanket": blanket,
    "cushion": cushion,
}
