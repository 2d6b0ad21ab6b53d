"""Taking and returning stock. The only code that changes `Variant.stock` for a sale.

Each change is one conditional UPDATE (`stock = stock - q WHERE stock >= q`): the database checks
and decrements in a single statement, so no shopper can sell a unit another has taken, on SQLite
or PostgreSQL; the CHECK (stock >= 0) constraint stands behind it. Variants are always updated in
ascending id order, so two transactions on PostgreSQL lock their rows in the same order and never
deadlock.
"""
from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from ..extensions import db
from .models import Variant


def take_stock(quantities: Mapping[int, int]) -> list[int]:
    """Decrement every variant by its quantity, in the caller's transaction.

    Returns the ids of variants that had too little stock; when it is not empty, the caller must
    roll back (the other decrements were made and must not stand).
    """
    short = []
    for variant_id in sorted(quantities):
        quantity = quantities[variant_id]
        result = db.session.execute(
            sa.update(Variant)
            .where(Variant.id == variant_id, Variant.stock >= quantity)
            .values(stock=Variant.stock - quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            short.append(variant_id)
    return short


def return_stock(quantities: Mapping[int, int]) -> None:
    """Put units back (a released reservation, a cancelled order), in the caller's transaction."""
    for variant_id in sorted(quantities):
        db.session.execute(
            sa.update(Variant).where(Variant.id == variant_id)
            .values(stock=Variant.stock + quantities[variant_id])
            .execution_options(synchronize_session=False)
        )
