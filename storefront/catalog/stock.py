"""Taking and returning stock. The only code that changes `Variant.stock` for a sale.

Each change is one conditional UPDATE (`stock = stock - q WHERE stock >= q`): the database checks
and decrements in a single statement, so no shopper can sell a unit another has taken, on SQLite
or PostgreSQL; the CHECK (stock >= 0) constraint stands behind it. Variants are always updated in
ascending id order, so two transactions on PostgreSQL lock their rows in the same order and never
deadlock.

Pages show a variant's stock state (in stock, only a few left, sold out), and the page cache keeps
pages until something they show changes; a sale changes the count every time, so these
statements tell the cache themselves, only when a variant's state changed (`pages_unchanged`
keeps the generic watch in storefront.page_cache from bumping on every sale). They change nothing
but stock (`stock_only`), so the product a page keeps (`catalog.kept`) stands: pages read stock live.
"""
from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from ..extensions import db
from ..page_cache import mark_pages_changed, note_sold_out_changed
from .models import Variant
from .pages import stock_state


def take_stock(quantities: Mapping[int, int]) -> list[int]:
    """Decrement every variant by its quantity, in the caller's transaction.

    Returns the ids of variants that had too little stock; when it is not empty, the caller must
    roll back (the other decrements were made and must not stand).
    """
    short = []
    for variant_id in sorted(quantities):
        quantity = quantities[variant_id]
        left = db.session.scalar(
            sa.update(Variant)
            .where(Variant.id == variant_id, Variant.stock >= quantity)
            .values(stock=Variant.stock - quantity)
            .returning(Variant.stock)
            .execution_options(synchronize_session=False, pages_unchanged=True, stock_only=True)
        )
        if left is None:
            short.append(variant_id)
        else:
            _note_state(left + quantity, left)
    return short


def return_stock(quantities: Mapping[int, int]) -> None:
    """Put units back (a released reservation, a cancelled order), in the caller's transaction."""
    for variant_id in sorted(quantities):
        now = db.session.scalar(
            sa.update(Variant).where(Variant.id == variant_id)
            .values(stock=Variant.stock + quantities[variant_id])
            .returning(Variant.stock)
            .execution_options(synchronize_session=False, pages_unchanged=True, stock_only=True)
        )
        if now is not None:
            _note_state(now - quantities[variant_id], now)


def _note_state(before: int, after: int) -> None:
    if stock_state(before).code != stock_state(after).code:
        mark_pages_changed()
    if (before > 0) != (after > 0):  # the product's card may now say "sold out", or no longer
        note_sold_out_changed()
