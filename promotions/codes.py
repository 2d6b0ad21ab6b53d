"""Offer codes: what one looks like, how the shop draws one, how a typed one is read, and how a new
one is stored although another code may already have its value (`offer_codes.code` is unique).

Every code is 4 to 40 capitals, digits or dashes, starting with a capital or a digit
(`CODE_PATTERN`). Four, not three: the marketer's form has always refused a shorter code
(`channel_codes.add_shared_code`, and the form's own help text says "4 to 40"), and every code
the shop draws is longer, so no stored code is shorter and a shorter one typed by a shopper is
unknown without a look-up.

Codes the shop draws (batches, the in-store QR code, thank-you codes) are groups of four
characters from `ALPHABET`, which has no 0/O and no 1/I/L: a code read aloud, printed on a flyer
or shown on a phone at the till is not mistaken.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Sequence

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from storefront.errors import ConflictError
from storefront.extensions import db

from .models import OfferCode

CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9-]{3,39}")
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GROUP_LENGTH = 4
# A batch code has three groups ("K7QM-3XTP-R9HD": 31**12 ≈ 8·10^17 values); a code with a
# prefix saying what it is for has two after it ("SHOP-K7QM-3XTP": 31**8 ≈ 8·10^11).
BATCH_GROUPS, PREFIXED_GROUPS = 3, 2
INSERT_ATTEMPTS = 5


class CodeTaken(ConflictError):
    code = "code_taken"
    default_message = _l("This code is already taken; choose another.")


def normalise_code(raw: str | None) -> str:
    """A code as typed or scanned, as it is stored: without spaces, in capitals."""
    return re.sub(r"\s+", "", raw or "").upper()


def is_well_formed(value: str) -> bool:
    """Whether a normalised code has the shape every stored code has (see the module doc)."""
    return CODE_PATTERN.fullmatch(value) is not None


def find_code(raw: str | None) -> OfferCode | None:
    """The stored code a shopper typed or the store staff scanned (any case, spaces ignored)."""
    value = normalise_code(raw)
    if not is_well_formed(value):
        return None
    return db.session.scalar(sa.select(OfferCode).where(OfferCode.code == value))


def new_code(prefix: str = "", *, randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A random code: "K7QM-3XTP-R9HD", or with a prefix "SHOP-K7QM-3XTP"."""
    groups = ["".join(ALPHABET[randbelow(len(ALPHABET))] for _ in range(GROUP_LENGTH))
              for _ in range(PREFIXED_GROUPS if prefix else BATCH_GROUPS)]
    return "-".join([prefix, *groups] if prefix else groups)


def new_codes(count: int) -> list[str]:
    """`count` different random codes (`new_code`), sorted."""
    values: set[str] = set()
    while len(values) < count:
        values.add(new_code())
    return sorted(values)


def add_codes(build: Callable[[], Sequence[dict]], *, attempts: int = INSERT_ATTEMPTS) -> list[str]:
    """Insert the codes `build()` describes (each a mapping of `OfferCode` columns, `code` among
    them) into the caller's transaction, in one statement and in a savepoint so that the
    transaction survives a clash; when a value is already taken (a random draw met an existing
    code, or another request saved the same value a moment ago), build them again, drawing new
    values, up to `attempts` times. A code typed by the marketer has one value to try: pass
    ``attempts=1``. Returns the values stored.

    :raise CodeTaken: every attempt clashed.
    :raise IntegrityError: another constraint refused them (e.g. a thank-you code already issued
        for the same order); the savepoint is rolled back and the caller decides.
    """
    for _attempt in range(attempts):
        rows = list(build())
        values = [row["code"] for row in rows]
        try:
            with db.session.begin_nested():
                db.session.execute(sa.insert(OfferCode), rows)
        except IntegrityError:
            if not _any_taken(values):
                raise
            continue
        return values
    if len(values) == 1:
        raise CodeTaken(_l("The code %(code)s is already taken; choose another.", code=values[0]), field="code")
    raise CodeTaken()


def add_code(build: Callable[[], dict], *, attempts: int = INSERT_ATTEMPTS) -> OfferCode:
    """`add_codes` for one code; the stored row."""
    [value] = add_codes(lambda: [build()], attempts=attempts)
    return db.session.scalar(sa.select(OfferCode).where(OfferCode.code == value))


def _any_taken(values: Iterable[str]) -> bool:
    wanted = list(values)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        if db.session.scalar(sa.select(sa.func.count(OfferCode.id)).where(OfferCode.code.in_(chunk))):
            return True
    return False
