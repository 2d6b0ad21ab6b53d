"""A small, realistic knitwear catalog for browser tests, with generated pictures (no download)."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from storefront.catalog.models import ProductImage
from storefront.extensions import db
from tests.factories import make_category, make_product

SWEATER = ("M70 40 L100 24 C110 38 130 38 140 24 L170 40 L200 90 L172 104 L168 200 L72 200 L68 104 L40 90 Z")
HAT = "M60 150 C60 80 180 80 180 150 Z M50 150 H190 V176 H50 Z"


def _picture(name: str, colour: str, shape: str) -> ProductImage:
    """An SVG product shot: a knitted garment in `colour` on a soft background."""
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "test-products"
    folder.mkdir(parents=True, exist_ok=True)
    stitches = "".join(
        f'<path d="M{x} {y} l6 10 l6 -10" fill="none" stroke="rgba(255,255,255,.25)" stroke-width="2"/>'
        for x in range(76, 168, 14) for y in range(60, 196, 16))
    (folder / f"{name}.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 300">'
        '<rect width="240" height="300" fill="#efe8dc"/>'
        '<ellipse cx="120" cy="262" rx="80" ry="10" fill="#e0d5c3"/>'
        f'<path d="{shape}" fill="{colour}" transform="translate(0 30)"/>'
        f'<g transform="translate(0 30)">{stitches}</g></svg>')
    return ProductImage(filename=f"test-products/{name}.svg", alt=name.replace("-", " "))


def build_knitwear_shop() -> dict:
    """Two categories, a sweater with Size × Colour (one low, one sold out, one on sale), more."""
    sweaters = make_category("Sweaters", slug="sweaters", description="Thick wool for cold mornings.", position=1)
    hats = make_category("Hats", slug="hats", description="Beanies and bobble hats.", position=2)

    harbour = make_product(
        "Harbour Fisherman Sweater", category=sweaters, slug="harbour-sweater", option_names=("Size", "Colour"),
        description="A heavy rib-knit fisherman sweater in Latvian wool.\n\nHand-finished in Liepāja.",
        variants=[
            {"sku": "HFS-S-NAVY", "options": {"Size": "S", "Colour": "Navy"}, "price": 8900, "compare_at_price": 11000, "stock": 3},
            {"sku": "HFS-M-NAVY", "options": {"Size": "M", "Colour": "Navy"}, "price": 8900, "compare_at_price": 11000, "stock": 12},
            {"sku": "HFS-M-OAT", "options": {"Size": "M", "Colour": "Oat"}, "price": 9500, "stock": 0},
            {"sku": "HFS-L-OAT", "options": {"Size": "L", "Colour": "Oat"}, "price": 9500, "stock": 8},
        ])
    navy, oat = _picture("harbour-navy", "#233a55", SWEATER), _picture("harbour-oat", "#d9c7a6", SWEATER)
    harbour.images.extend([navy, oat])
    db.session.flush()
    for variant in harbour.variants:
        variant.image = navy if variant.options["Colour"] == "Navy" else oat
    db.session.commit()

    dune = make_product("Dune Cardigan", category=sweaters, slug="dune-cardigan", option_names=("Size",),
                        variants=[{"sku": "DC-M", "options": {"Size": "M"}, "price": 7400, "stock": 6}])
    dune.images.append(_picture("dune-cardigan", "#9b6b4a", SWEATER))
    amber = make_product("Amber Coast Pullover", category=sweaters, slug="amber-pullover", option_names=("Size",),
                         variants=[{"sku": "ACP-M", "options": {"Size": "M"}, "price": 6900, "stock": 0}])
    amber.images.append(_picture("amber-pullover", "#c98a2b", SWEATER))
    bobble = make_product("Bobble Hat", category=hats, slug="bobble-hat", option_names=("Colour",),
                          variants=[{"sku": "BH-RED", "options": {"Colour": "Red"}, "price": 2900, "stock": 20},
                                    {"sku": "BH-GREY", "options": {"Colour": "Grey"}, "price": 2900, "stock": 20}])
    bobble.images.append(_picture("bobble-hat", "#a8362a", HAT))
    db.session.commit()
    return {"sweaters": sweaters, "hats": hats, "harbour": harbour}
