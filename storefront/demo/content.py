"""What the demo shop sells: Ziemeļu Vilna, a small knitwear brand from Riga.

Plain data only (categories, colours, products); `data.load_demo` turns it into rows and pictures.
Stock levels come from a fixed seed, so every load of the demo gives the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

BRAND = "Ziemeļu Vilna"

APPAREL_SIZES = ("XS", "S", "M", "L", "XL")
CORE_SIZES = ("S", "M", "L", "XL")
MITTEN_SIZES = ("S/M", "M/L")
SOCK_SIZES = ("36–38", "39–41", "42–44", "45–47")


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    name: str
    description: str
    parent: str | None = None


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("sweaters", "Sweaters",
                 "Pullovers, cardigans and vests knitted from Baltic and Nordic wool."),
    CategorySpec("pullovers", "Pullovers", "Crew necks, rollnecks and Fair Isle yokes.", "sweaters"),
    CategorySpec("cardigans", "Cardigans", "Buttoned, shawl-collared and cropped cardigans.", "sweaters"),
    CategorySpec("vests", "Vests", "Sleeveless knits for layering.", "sweaters"),
    CategorySpec("outerwear", "Outerwear", "Long knits, ponchos and hooded coats for the coastal wind."),
    CategorySpec("accessories", "Accessories", "Hats, scarves and mittens for Baltic winters."),
    CategorySpec("hats", "Hats", "Beanies, watch caps and earflap hats.", "accessories"),
    CategorySpec("scarves", "Scarves", "Long scarves and snoods.", "accessories"),
    CategorySpec("mittens", "Mittens", "Patterned mittens and wrist warmers.", "accessories"),
    CategorySpec("socks", "Socks", "Wool socks for boots, hikes and cold floors."),
    CategorySpec("home", "Home", "Throws, blankets and cushions for the long evenings."),
    CategorySpec("blankets", "Blankets", "Woven and knitted throws.", "home"),
    CategorySpec("cushions", "Cushions", "Knitted cushion covers.", "home"),
)

# The yarn colours, as named on the labels, and the RGB the pictures paint them in.
COLOURS: dict[str, tuple[int, int, int]] = {
    "Oat": (214, 196, 164),
    "Natural": (232, 224, 206),
    "Charcoal": (66, 68, 72),
    "Heather Grey": (156, 154, 152),
    "Forest": (46, 84, 64),
    "Moss": (112, 124, 74),
    "Sea Blue": (52, 92, 128),
    "Navy": (36, 46, 78),
    "Rust": (168, 84, 50),
    "Cranberry": (140, 36, 52),
    "Mustard": (204, 160, 56),
    "Mist": (184, 198, 204),
}


@dataclass(frozen=True)
class ProductSpec:
    """One demo product.

    `colours` are the Colour option's values (or, without the option, the one colourway the
    picture shows). `stock` is "normal" (5..40 per variant), "low" (1..3) or "sold_out";
    `sold_out` names variants with no stock left, as "Colour/Size" ("Charcoal/XL") or a size.
    """

    slug: str
    code: str  # the SKU stem, e.g. "GAUJA"
    title: str
    category: str
    description: str
    kind: str
    colours: tuple[str, ...]
    price: int
    sizes: tuple[str, ...] = ()
    colour_option: bool = True
    pattern: str = "plain"
    backdrop: str = "warm"
    compare_at: int | None = None
    size_prices: dict[str, int] = field(default_factory=dict)
    stock: str = "normal"
    sold_out: tuple[str, ...] = ()
    days_ago: int = 30

    @property
    def option_names(self) -> list[str]:
        names = ["Size"] if self.sizes else []
        return names + (["Colour"] if self.colour_option else [])


PRODUCTS: tuple[ProductSpec, ...] = (
    # Pullovers
    ProductSpec(
        "gauja-cable-knit-pullover", "GAUJA", "Gauja Cable-Knit Pullover", "pullovers",
        "Three rope cables run from hem to shoulder on this heavyweight pullover, knitted in Latvian "
        "wool spun a few kilometres from the Gauja valley. A relaxed fit with dropped shoulders; "
        "size down for a closer look. Hand wash cold and dry flat.",
        "sweater", ("Oat", "Charcoal", "Forest"), 12900, APPAREL_SIZES, pattern="cable",
        sold_out=("Charcoal/XL",), days_ago=4),
    ProductSpec(
        "kurzeme-fair-isle-sweater", "KURZ", "Kurzeme Fair Isle Sweater", "pullovers",
        "A band of Auseklis morning stars crosses the chest, knitted in undyed cream against the "
        "main colour. Soft lambswool that warms without bulk; true to size. Hand wash or use the "
        "wool cycle at 30 °C.",
        "sweater", ("Navy", "Charcoal", "Cranberry"), 14900, CORE_SIZES, pattern="fairisle",
        compare_at=17900, days_ago=19),
    ProductSpec(
        "jurmala-fisherman-rollneck", "JURM", "Jūrmala Fisherman Rollneck", "pullovers",
        "Built for the wind off the Gulf of Riga: a dense, lanolin-rich wool with a tall rollneck "
        "that folds twice. Cabled front, plain back, a long body that stays tucked in. Air it "
        "rather than wash it; hand wash cold when you must.",
        "sweater", ("Natural", "Sea Blue"), 15900, CORE_SIZES, pattern="cable", backdrop="cool",
        days_ago=33),
    ProductSpec(
        "daugava-merino-crew", "DAUG", "Daugava Merino Crew", "pullovers",
        "Our everyday crew neck in fine extra-soft merino, light enough for the office and warm "
        "enough for a river walk in October. Slim fit; take your usual size. Machine washable on a "
        "wool cycle, dry flat.",
        "sweater", ("Heather Grey", "Navy", "Cranberry", "Moss"), 8900, APPAREL_SIZES,
        sold_out=("Cranberry/XS", "Moss/XL"), days_ago=12),
    ProductSpec(
        "lielupe-striped-breton-knit", "LIEL", "Lielupe Striped Breton Knit", "pullovers",
        "Broad sailor stripes in a cotton and wool blend, made for late summer evenings on the "
        "Lielupe river. Boxy and slightly cropped. Machine wash at 30 °C inside out.",
        "sweater", ("Navy", "Rust"), 9900, ("S", "M", "L"), pattern="stripe", compare_at=12900,
        backdrop="cool", days_ago=47),
    # Cardigans
    ProductSpec(
        "sigulda-shawl-collar-cardigan", "SIGU", "Sigulda Shawl-Collar Cardigan", "cardigans",
        "A generous shawl collar, four horn buttons and deep patch pockets: the cardigan to wear "
        "instead of a jacket on a dry autumn day. Chunky Icelandic-style wool, relaxed fit. Hand "
        "wash cold and reshape while damp.",
        "cardigan", ("Oat", "Charcoal"), 16900, CORE_SIZES, days_ago=8),
    ProductSpec(
        "vidzeme-button-cardigan", "VIDZ", "Vidzeme Button Cardigan", "cardigans",
        "A classic V-neck cardigan in soft lambswool with wooden buttons turned in Vidzeme. Fits "
        "close to the body; choose one size up to layer it over a knit. Hand wash cold.",
        "cardigan", ("Mustard", "Forest", "Heather Grey"), 11900, APPAREL_SIZES, days_ago=26),
    ProductSpec(
        "riga-old-town-cropped-cardigan", "RIGA", "Rīga Old Town Cropped Cardigan", "cardigans",
        "Short, neat and a little playful, knitted in a tweedy wool with flecks of colour like the "
        "old town's facades. Cropped at the waist to wear over dresses. Hand wash cold. Only a few "
        "left from this season's run.",
        "cardigan", ("Cranberry", "Natural"), 9900, ("XS", "S", "M"), stock="low", days_ago=2),
    ProductSpec(
        "ligatne-chunky-zip-cardigan", "LIGA", "Līgatne Chunky Zip Cardigan", "cardigans",
        "Our heaviest knit: a double-thickness wool cardigan with a two-way wooden-pull zip, made "
        "for forest walks around Līgatne. Roomy through the body. Spot clean, or hand wash cold and "
        "dry flat for a day or two.",
        "cardigan", ("Charcoal",), 18900, CORE_SIZES, days_ago=61),
    # Vests
    ProductSpec(
        "kuldiga-fair-isle-vest", "KULD", "Kuldīga Fair Isle Vest", "vests",
        "A sleeveless V-neck with a single band of morning stars, to layer over a shirt in spring "
        "or under a coat in winter. Lambswool, regular fit. Hand wash cold.",
        "vest", ("Moss", "Oat"), 7900, ("S", "M", "L"), pattern="fairisle", days_ago=15),
    # Outerwear
    ProductSpec(
        "baltic-storm-hooded-coat", "STORM", "Baltic Storm Hooded Knit Coat", "outerwear",
        "A knee-length knitted coat with a deep hood and wooden toggles, dense enough to stop the "
        "sea wind. Boiled wool outer, soft brushed lining. Dry clean or air it out; do not machine "
        "wash.",
        "coat", ("Charcoal", "Navy"), 18900, ("S", "M", "L"), backdrop="cool", days_ago=40),
    ProductSpec(
        "saulkrasti-poncho", "SAUL", "Saulkrasti Striped Poncho", "outerwear",
        "Wide stripes and a long fringe, cut to drape over a coat or a summer dress on a cool beach "
        "evening. One size fits most. Hand wash cold.",
        "poncho", ("Oat", "Heather Grey"), 11900, (), pattern="stripe", compare_at=13900,
        days_ago=22),
    ProductSpec(
        "kemeri-long-hooded-cardigan", "KEME", "Ķemeri Long Hooded Cardigan", "outerwear",
        "Long enough to wrap around you on the Ķemeri bog boardwalk, with a hood and a belt. "
        "Merino and alpaca, soft and light. Sold out for now; a new batch is on the needles.",
        "coat", ("Forest",), 17900, ("S", "M", "L"), stock="sold_out", days_ago=9),
    # Hats
    ProductSpec(
        "cesis-pompom-beanie", "CESI", "Cēsis Pompom Beanie", "hats",
        "A deep-cuffed rib beanie with a big wool pompom, knitted double at the ears. One size "
        "stretches to fit most heads. Hand wash cold.",
        "beanie", ("Cranberry", "Mustard", "Navy", "Natural"), 3900, days_ago=6),
    ProductSpec(
        "ventspils-ribbed-watch-cap", "VENT", "Ventspils Ribbed Watch Cap", "hats",
        "The harbour worker's cap: a close rib with a turned-up cuff, in oiled wool that shrugs "
        "off drizzle. One size. Hand wash cold.",
        "watch_cap", ("Charcoal", "Sea Blue", "Rust"), 2900, backdrop="cool", days_ago=29),
    ProductSpec(
        "latgale-earflap-hat", "LATG", "Latgale Fair Isle Earflap Hat", "hats",
        "Earflaps, braided ties and a band of stars, lined with soft fleece so it does not itch. "
        "One size. Hand wash cold. Nearly gone for this winter.",
        "earflap_hat", ("Natural", "Charcoal"), 4900, pattern="fairisle", stock="low", days_ago=17),
    # Scarves
    ProductSpec(
        "liepaja-lambswool-scarf", "LIEP", "Liepāja Lambswool Scarf", "scarves",
        "A long, light scarf in brushed lambswool, 180 × 30 cm with a short fringe. Wrap it twice. "
        "Hand wash cold and dry flat.",
        "scarf", ("Heather Grey", "Rust", "Forest"), 4500, days_ago=36),
    ProductSpec(
        "gauja-valley-striped-scarf", "GVSC", "Gauja Valley Striped Scarf", "scarves",
        "Cream stripes on a deep ground, knitted double so there is no wrong side. 190 × 28 cm. "
        "Hand wash cold.",
        "scarf", ("Navy", "Forest"), 5900, pattern="stripe", compare_at=6900, days_ago=44),
    ProductSpec(
        "midsummer-striped-snood", "JANI", "Midsummer Striped Snood", "scarves",
        "A loop scarf for the cold Jāņi nights: slip it over your head, no ends to tuck in. Soft "
        "merino, one size. Hand wash cold.",
        "snood", ("Mustard", "Sea Blue"), 3900, pattern="stripe", days_ago=52),
    # Mittens
    ProductSpec(
        "latvian-pattern-mittens", "CIMD", "Latvian Pattern Mittens", "mittens",
        "Traditional cimdi, knitted with a star band in cream, as mittens have been given at "
        "Latvian weddings for centuries. Two strands of wool make them twice as warm. Hand wash "
        "cold.",
        "mittens", ("Cranberry", "Navy"), 4500, MITTEN_SIZES, pattern="fairisle", days_ago=11),
    ProductSpec(
        "merino-wrist-warmers", "WRST", "Merino Wrist Warmers", "mittens",
        "Fingerless mitts with a thumb gusset, for typing in a cold office or cycling to it. Fine "
        "merino, one size. Machine wash on a wool cycle.",
        "wrist_warmers", ("Charcoal", "Oat", "Moss"), 2900, days_ago=24),
    ProductSpec(
        "selija-lined-mittens", "SELI", "Sēlija Lined Mittens", "mittens",
        "Plain, deep mittens with a soft fleece lining and a long ribbed cuff that tucks into a "
        "sleeve. Hand wash cold.",
        "mittens", ("Charcoal",), 5500, MITTEN_SIZES, sold_out=("M/L",), days_ago=58),
    # Socks
    ProductSpec(
        "undyed-wool-boot-socks", "BOOT", "Undyed Wool Boot Socks", "socks",
        "Cushioned boot socks in undyed Latvian wool with a touch of nylon at the heel and toe for "
        "wear. The colour is the sheep's own. Machine wash at 30 °C.",
        "socks", ("Natural",), 2900, SOCK_SIZES, colour_option=False, days_ago=65),
    ProductSpec(
        "nordic-star-house-socks", "STAR", "Nordic Star House Socks", "socks",
        "Thick, soft house socks with a band of stars, knitted for cold wooden floors. Hand wash "
        "cold; they will felt slightly and get cosier.",
        "socks", ("Cranberry", "Forest"), 3400, SOCK_SIZES, pattern="fairisle", days_ago=14),
    ProductSpec(
        "kurzeme-hiking-socks", "HIKE", "Kurzeme Hiking Socks", "socks",
        "Merino hiking socks with a cushioned sole and a close rib that stays up, made for the "
        "coastal trail. Machine wash at 30 °C.",
        "socks", ("Charcoal", "Moss"), 3900, SOCK_SIZES,
        sold_out=("Charcoal/36–38", "Moss/45–47"), days_ago=31),
    # Blankets
    ProductSpec(
        "vidzeme-check-throw", "THRW", "Vidzeme Check Wool Throw", "blankets",
        "A woven lambswool throw with a fine windowpane check and a knotted fringe. Machine wash "
        "on a wool cycle or air it outside on a frosty day.",
        "blanket", ("Oat", "Charcoal", "Sea Blue"), 12900, ("130 × 170 cm", "150 × 200 cm"),
        pattern="check", backdrop="sand", compare_at=15900,
        size_prices={"150 × 200 cm": 15900}, days_ago=20),
    ProductSpec(
        "baltic-sea-baby-blanket", "BABY", "Baltic Sea Baby Blanket", "blankets",
        "A soft merino blanket for a cot or a pram, 80 × 100 cm, knitted in a calm colour. Machine "
        "washable at 30 °C, as anything for a baby must be.",
        "blanket", ("Natural", "Mist"), 6900, backdrop="sand", days_ago=39),
    # Cushions
    ProductSpec(
        "fair-isle-cushion-cover", "CUSH", "Fair Isle Cushion Cover", "cushions",
        "A 45 × 45 cm cover with a band of morning stars and a hidden zip. Insert not included. "
        "Hand wash cold.",
        "cushion", ("Cranberry", "Navy"), 3900, pattern="fairisle", backdrop="sand", days_ago=27),
    ProductSpec(
        "chunky-cable-cushion", "CABL", "Chunky Cable Cushion", "cushions",
        "Deep rope cables in chunky wool, 50 × 50 cm, with a feather insert. Spot clean the cover, "
        "or hand wash it cold.",
        "cushion", ("Oat", "Moss"), 4900, pattern="cable", backdrop="sand", compare_at=5900,
        days_ago=50),
)

# Staff accounts for a first look at the back office. Demo passwords only: change them (or run
# `flask users create` with your own) before the shop meets the public.
STAFF: tuple[tuple[str, str, str], ...] = (
    ("admin@example.com", "admin", "demo-admin-2024"),
    ("marketer@example.com", "marketer", "demo-marketer-2024"),
    ("support@example.com", "support", "demo-support-2024"),
)
