"""Pictures stored before uploads were cleaned: written again as an upload is now stored.

An upload is stored upright and without its metadata (`storefront.catalog.images.clean_image`).
Pictures stored before that still carry theirs: a review photo may give away where its shopper
lives. `clean_stored_pictures` goes through every product image and review photo once, in id
order, and each that still carries metadata is written again under a new random name, its row
(name and size: a turned picture swaps them) updated in its own write transaction, and the old
file deleted only once that has committed. A new name, not the old one overwritten: browsers and
a CDN may keep a stored file for good (`storefront.media` serves it as immutable), so the old
bytes must stop being linked, not change under their name. The pages that show a picture are
renewed by the row's write, as any catalog or review write renews them.

Whether a picture carries metadata is read from the file's own structure
(`catalog.picture_metadata`), so running it twice changes nothing the second time; a file missing
from the store, over today's limits or no longer readable as a picture is counted and left alone,
never deleted. Deleting the old file breaks it where it was copied (an e-mail already sent, a
CDN's or a feed reader's stale copy): that is the point, since it is the copy that gives the place
away.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app

from reviews.models import ReviewPhoto

from ..catalog.images import ImageTooLarge, InvalidImage, clean_image
from ..catalog.models import ProductImage
from ..database import write_transaction
from ..extensions import db
from ..storage import random_name, remove_after_failure, storage

BATCH = 200
MODELS = (ProductImage, ReviewPhoto)


def clean_stored_pictures(*, progress: Callable[[str], None] = lambda line: None) -> Counter:
    """Clean every stored picture that still has metadata. Counts "cleaned", "already clean",
    "missing" (not in the store), "too large" (over today's upload limits: left as it is) and
    "unreadable" (not a picture Pillow takes any more)."""
    counts: Counter = Counter()
    moved: dict[str, str] = {}  # old name → new, this run
    store = storage()
    for model in MODELS:
        last_id = 0
        while True:
            rows = db.session.execute(sa.select(model.id, model.filename).where(model.id > last_id)
                                      .order_by(model.id).limit(BATCH)).all()
            db.session.rollback()  # each picture is read and written on its own, outside any transaction
            if not rows:
                break
            for row_id, filename in rows:
                last_id = row_id
                # A row that shared a file cleaned a moment ago (read before) was moved with it.
                counts["already clean" if filename in moved else _clean_one(store, model, filename, moved)] += 1
            progress(f"{model.__tablename__}: up to #{last_id}, {dict(counts)}")
    return counts


def _clean_one(store, model, filename: str, moved: dict[str, str]) -> str:
    try:
        data = store.read(filename)
    except FileNotFoundError:
        return "missing"
    try:
        picture = clean_image(data)
    except ImageTooLarge:  # over today's limits: left as it is, and said
        return "too large"
    except InvalidImage:
        return "unreadable"
    if not picture.changed:
        return "already clean"
    folder = filename.split("/", 1)[0]
    new_name = random_name(folder, picture.extension)
    store.save(new_name, picture.data)
    try:
        with write_transaction():
            # Every row showing the file (a copied product's images may share one), not just this.
            updated = db.session.execute(
                sa.update(model).where(model.filename == filename)
                .values(filename=new_name, width=picture.width, height=picture.height)).rowcount
    except BaseException:
        remove_after_failure(store, [new_name])
        raise
    if not updated:  # deleted or replaced meanwhile: the new file is nobody's
        remove_after_failure(store, [new_name])
        return "already clean"
    moved[filename] = new_name
    try:
        store.delete(filename)
    except Exception:
        current_app.logger.exception("could not delete %s after cleaning it into %s", filename, new_name)
    return "cleaned"
