"""The shop's delivery methods: standard, express and pick-up, in the order the shop lists them,
with their names and what each costs (the settings SHIPPING_FLAT_RATE, SHIPPING_EXPRESS_RATE and
FREE_SHIPPING_THRESHOLD), and which of them the shop offers (the setting DELIVERY_METHODS). It
is read from the configuration alone, so every layer may ask: the settings page, the promise of
free shipping on shared pages, the cart, the checkout.

A cart is priced with one before the shopper chooses: the first method on offer
(`default_option`), so a shop that stopped offering standard delivery neither estimates nor
promises its rate. The checkout offers `shipping_options`; a page that shows an order names its
method with `shipping_method_names`, which knows every method: an order keeps the method it was
placed with after the shop stops offering it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

# Every method the shop can deliver by, in the order checkout lists them. Free-shipping offers and
# the API's documented values name these codes too.
DELIVERY_METHODS = ("standard", "express", "pickup")
_NAMES = {
    "standard": _l("Standard delivery (2–4 working days)"),
    "express": _l("Express delivery (next working day)"),
    "pickup": _l("Pick up at our Riga studio"),
}


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
    name: Any  # a lazy, translated string
    rate: ShippingRate


def offered_methods(config: Mapping) -> list[str]:
    """The codes of the methods the shop offers, in the shop's order. The settings page keeps at
    least one on; an environment that names none the shop knows is read as unset (all of them)."""
    chosen = config.get("DELIVERY_METHODS") or DELIVERY_METHODS
    return [code for code in DELIVERY_METHODS if code in chosen] or list(DELIVERY_METHODS)


def all_shipping_options(config: Mapping) -> dict[str, ShippingOption]:
    """Every method's option, offered or not, by code, in the shop's order."""
    threshold = config.get("FREE_SHIPPING_THRESHOLD") or None
    rates = {
        "standard": ShippingRate(int(config["SHIPPING_FLAT_RATE"]), threshold, "standard"),
        "express": ShippingRate(int(config["SHIPPING_EXPRESS_RATE"]), None, "express"),
        "pickup": ShippingRate(0, None, "pickup"),
    }
    return {code: ShippingOption(code, _NAMES[code], rates[code]) for code in DELIVERY_METHODS}


def shipping_options(config: Mapping) -> dict[str, ShippingOption]:
    """The delivery options the shop offers, by code, in the shop's order (never empty)."""
    options = all_shipping_options(config)
    return {code: options[code] for code in offered_methods(config)}


def default_option(config: Mapping) -> ShippingOption:
    """The option a cart is priced with before the shopper chooses, and checkout's first choice."""
    return next(iter(shipping_options(config).values()))


def shipping_method_names() -> dict[str, Any]:
    """Every method's name by code, offered or not (lazy, translated): for showing an order."""
    return dict(_NAMES)
