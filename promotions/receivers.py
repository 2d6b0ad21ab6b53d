"""How promotions follow an order's life: subscribed to `storefront.orders.signals`.

Each receiver runs inside the transaction of the order's change (see that module), so a
redemption is confirmed, released or voided together with the change that calls for it, or not
at all. Connected once per process by `connect()`, which `promotions.init_app` calls.
"""
from __future__ import annotations

import datetime as dt

from storefront.orders import signals

from . import redemptions, thanks


def confirm_redemptions(order, *, now: dt.datetime, **_) -> None:
    """Paid: the offers held for the order count for good, and the shop's thank-you code (if it
    runs a thank-you offer) is issued now, so the receipt rendered after the commit carries it."""
    redemptions.confirm(order.id, now=now)
    thanks.issue_for(order, now=now)


def release_redemptions(order, *, now: dt.datetime, **_) -> None:
    """The stock hold ended unpaid: the offers' places under the caps go back with it."""
    redemptions.release(order.id, now=now)


def void_redemptions(order, *, now: dt.datetime, reason: str, **_) -> None:
    """A paid sale was undone. Cancelled (a manual order staff cancel after payment, which the
    shop then counts as no sale at all): its places under the caps go back. Refunded, even in
    full: nothing moves. The order was paid under the offer, so its redemption stays redeemed,
    its place under the total and per-customer caps stays taken and a single-use code stays spent
    (as Shopify and Saleor count a refunded order's discount); the offer's results show the
    refund beside it (`results.ChannelResult.refunded`)."""
    if reason == "refunded":
        return
    redemptions.void(order.id, now=now)


def connect() -> None:
    # Blinker keeps one connection per receiver, so apps built more than once (tests) are fine.
    signals.order_paid.connect(confirm_redemptions)
    signals.stock_released.connect(release_redemptions)
    signals.sale_voided.connect(void_redemptions)
