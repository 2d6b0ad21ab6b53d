"""The shop's delivery methods, in the order the shop lists them, with their names and what each
costs, and which of them the shop offers. It is read from the configuration alone, so every layer
may ask: the settings page, the promise of free shipping on shared pages, the cart, the checkout.

Three methods are built in: standard, express and pick-up (their rates are the settings
SHIPPING_FLAT_RATE, SHIPPING_EXPRESS_RATE and FREE_SHIPPING_THRESHOLD). An admin may add more
(the setting DELIVERY_CUSTOM_METHODS: a parcel locker, a courier to the islands), each with its
name in every language the shop speaks, a rate and an items total from which it is free. Such a
method's code is made from its English name when it is added and never changes or comes back
for another method: orders and free-shipping offers keep the code. Removing one keeps it in the
setting, marked removed, so an order placed with it still names it.

The setting DELIVERY_METHODS names the methods on offer (built-in and added). A cart is priced
with one before the shopper chooses: the first method on offer (`default_option`), so a shop that
stopped offering standard delivery neither estimates nor promises its rate. The checkout offers
`shipping_options`; a page that shows an order names its method with `shipping_method_names`,
which knows every method, removed or no longer offered.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from .i18n import current_locale

# The built-in methods, in the order checkout lists them; added ones follow. Free-shipping
# offers and the API's documented values name these codes.
DELIVERY_METHODS = ("standard", "express", "pickup")
_NAMES = {
    "standard": _l("Standard delivery (2–4 working days)"),
    "express": _l("Express delivery (next working day)"),
    "pickup": _l("Pick up at our Riga studio"),
}
# The methods that deliver nothing: the shopper collects the order, so the checkout asks for no
# address and the order keeps none (every added method is a delivery somewhere).
COLLECTED = frozenset({"pickup"})


def needs_address(code: str | None) -> bool:
    """Whether an order delivered by `code` needs the shopper's address (not for a pick-up)."""
    return code not in COLLECTED


# An added method's code: what `new_code` makes of its English name (orders keep 40 characters).
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
MAX_CUSTOM_METHODS = 20


@dataclass(frozen=True)
class ShippingRate:
    """What one delivery option costs, and from which items total it is free (None: never);
    `method` is its code, which free-shipping offers name."""

    rate: int
    free_from: int | None
    method: str = "standard"


@dataclass(frozen=True)
class ShippingOption:
    code: str
    name: Any  # a lazy, translated string, or a `MethodName`
    rate: ShippingRate


class MethodName:
    """An added method's name, in the language of the moment when it is made a string (as a lazy
    translation is): the shopper's on a page, the recipient's in an e-mail; the first given when
    the language has none."""

    __slots__ = ("names",)

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = dict(names)

    def __str__(self) -> str:
        locale = current_locale() if has_app_context() else None
        language = locale.language if locale is not None else None
        return self.names.get(language) or next((name for name in self.names.values() if name), "")

    def __eq__(self, other) -> bool:
        return isinstance(other, MethodName) and other.names == self.names

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.names.items())))

    def __repr__(self) -> str:
        return f"MethodName({self.names!r})"


def custom_methods(config: Mapping, *, removed: bool = False) -> list[Mapping]:
    """The methods an admin added, in their order; with `removed`, also those removed since."""
    return [method for method in config.get("DELIVERY_CUSTOM_METHODS") or ()
            if isinstance(method, Mapping) and method.get("code") and (removed or not method.get("removed"))]


def known_methods(config: Mapping) -> list[str]:
    """Every code the shop may offer now: the built-in ones, then the added ones not removed."""
    return [*DELIVERY_METHODS, *(method["code"] for method in custom_methods(config))]


def offered_methods(config: Mapping) -> list[str]:
    """The codes of the methods the shop offers, in the shop's order. The settings page keeps at
    least one on; an environment that names none the shop knows is read as unset (the built-in
    ones)."""
    chosen = config.get("DELIVERY_METHODS") or DELIVERY_METHODS
    return [code for code in known_methods(config) if code in chosen] or list(DELIVERY_METHODS)


def all_shipping_options(config: Mapping) -> dict[str, ShippingOption]:
    """Every method's option that may be offered, offered or not, by code, in the shop's order."""
    threshold = config.get("FREE_SHIPPING_THRESHOLD") or None
    rates = {
        "standard": ShippingRate(int(config["SHIPPING_FLAT_RATE"]), threshold, "standard"),
        "express": ShippingRate(int(config["SHIPPING_EXPRESS_RATE"]), None, "express"),
        "pickup": ShippingRate(0, None, "pickup"),
    }
    options = {code: ShippingOption(code, _NAMES[code], rates[code]) for code in DELIVERY_METHODS}
    for method in custom_methods(config):
        code = method["code"]
        options[code] = ShippingOption(code, MethodName(method.get("names") or {}),
                                       ShippingRate(int(method.get("rate") or 0), method.get("free_from") or None, code))
    return options


def shipping_options(config: Mapping) -> dict[str, ShippingOption]:
    """The delivery options the shop offers, by code, in the shop's order (never empty)."""
    options = all_shipping_options(config)
    return {code: options[code] for code in offered_methods(config)}


def default_option(config: Mapping) -> ShippingOption:
    """The option a cart is priced with before the shopper chooses, and checkout's first choice."""
    return next(iter(shipping_options(config).values()))


def shipping_method_names(config: Mapping | None = None) -> dict[str, Any]:
    """Every method's name by code (lazy, translated), offered or not, added ones (`config`: the
    app's by default) removed or not: for showing an order."""
    if config is None:
        config = current_app.config
    names: dict[str, Any] = dict(_NAMES)
    for method in custom_methods(config, removed=True):
        names[method["code"]] = MethodName(method.get("names") or {})
    return names


def chargeable_methods(config: Mapping) -> list[str]:
    """The methods a free-shipping offer may make free: every one that may be offered and can
    cost something (pick-up is free anyway)."""
    return [code for code in known_methods(config) if code != "pickup"]


def new_code(english_name: str, taken: Iterable[str]) -> str:
    """A code for a method added as `english_name` ("Omniva parcel locker" → "omniva-parcel-locker"),
    none of `taken` (every code the shop has used, removed ones too) nor a built-in one."""
    ascii_name = unicodedata.normalize("NFKD", english_name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:28].strip("-") or "delivery"
    used = {*DELIVERY_METHODS, *taken}
    code, number = base, 1
    while code in used:
        number += 1
        code = f"{base}-{number}"
    return code
