"""An offer's staff actions (its audit trail) in sentences, in the language of the staff member
reading them: "Changed the amount from €10.00 to €15.00", "Limited to followers of Telegram ·
ZiemeluVilnaBot". The audit log keeps plain values (`offer.updated` keeps each changed field's
old and new value under `changed`); what they mean, and how money, dates and names read, is
decided here, when the page is shown. Read-only.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from storefront.audit.models import AuditEntry
from storefront.catalog.models import Category, Product
from storefront.delivery import shipping_method_names
from storefront.extensions import db
from storefront.i18n import staff_time
from storefront.money import format_money
from storefront.social.platforms import channel_name, configured_pages

# Each field's sentence when it changed: "from %(old)s to %(new)s" in the field's own words (so
# each language can decline the field's name as its grammar needs).
CHANGED = {
    "name": _l("Renamed the offer from %(old)s to %(new)s."),
    "benefit": _l("Changed the benefit from %(old)s to %(new)s."),
    "percent": _l("Changed the percentage off from %(old)s to %(new)s."),
    "amount": _l("Changed the amount from %(old)s to %(new)s."),
    "buy_qty": _l("Changed how many to buy from %(old)s to %(new)s."),
    "get_qty": _l("Changed how many come free from %(old)s to %(new)s."),
    "target": _l("Changed what it applies to from %(old)s to %(new)s."),
    "product_ids": _l("Changed the products from %(old)s to %(new)s."),
    "category_ids": _l("Changed the categories from %(old)s to %(new)s."),
    "min_subtotal": _l("Changed the minimum subtotal from %(old)s to %(new)s."),
    "min_quantity": _l("Changed the minimum quantity from %(old)s to %(new)s."),
    "audience": _l("Changed who it is for from %(old)s to %(new)s."),
    "starts_at": _l("Moved the start from %(old)s to %(new)s."),
    "ends_at": _l("Moved the end from %(old)s to %(new)s."),
    "timezone": _l("Changed the time zone from %(old)s to %(new)s."),
    "cap_total": _l("Changed the total cap from %(old)s to %(new)s."),
    "cap_per_customer": _l("Changed the cap per customer from %(old)s to %(new)s."),
    "priority": _l("Changed the priority from %(old)s to %(new)s."),
    "shipping_methods": _l("Changed the deliveries it makes free from %(old)s to %(new)s."),
}
# The same when only the new value is known (entries written before the old one was kept).
SET = {
    "name": _l("Renamed the offer to %(new)s."),
    "benefit": _l("Set the benefit to %(new)s."),
    "percent": _l("Set the percentage off to %(new)s."),
    "amount": _l("Set the amount to %(new)s."),
    "buy_qty": _l("Set how many to buy to %(new)s."),
    "get_qty": _l("Set how many come free to %(new)s."),
    "target": _l("Set what it applies to to %(new)s."),
    "product_ids": _l("Set the products to %(new)s."),
    "category_ids": _l("Set the categories to %(new)s."),
    "min_subtotal": _l("Set the minimum subtotal to %(new)s."),
    "min_quantity": _l("Set the minimum quantity to %(new)s."),
    "audience": _l("Set who it is for to %(new)s."),
    "starts_at": _l("Set the start to %(new)s."),
    "ends_at": _l("Set the end to %(new)s."),
    "timezone": _l("Set the time zone to %(new)s."),
    "cap_total": _l("Set the total cap to %(new)s."),
    "cap_per_customer": _l("Set the cap per customer to %(new)s."),
    "priority": _l("Set the priority to %(new)s."),
    "shipping_methods": _l("Set the deliveries it makes free to %(new)s."),
}
BENEFITS = {"percent": _l("percentage off"), "fixed": _l("amount off"), "free_shipping": _l("free shipping"),
            "bxgy": _l("buy X, get Y free")}
TARGETS = {"order": _l("the whole order"), "products": _l("chosen products"), "categories": _l("chosen categories")}
DELIVERIES = {"standard": _l("standard delivery"), "express": _l("express delivery")}
AUDIENCES = {"everyone": _l("Everyone"), "tab_visitors": _l("Tab visitors"), "code_holders": _l("Code holders"),
             "members": _l("Signed-in members"), "first_order": _l("First order")}
# Keys an entry keeps for the record that are not a change to read out.
NOT_CHANGES = frozenset({"status", "changed", "slug"})


class Names:
    """The product and category names the entries mention, read in two queries for all of them."""

    def __init__(self, entries: Sequence[AuditEntry]) -> None:
        product_ids, category_ids = set(), set()
        for entry in entries:
            for change in _changes(entry):
                for ids, wanted in ((product_ids, "product_ids"), (category_ids, "category_ids")):
                    if change.field == wanted:
                        ids.update(i for side in (change.old, change.new) for i in (side or []) if isinstance(i, int))
        self.products = self._read(Product.id, Product.title, product_ids)
        self.categories = self._read(Category.id, Category.name, category_ids)

    @staticmethod
    def _read(id_column, name_column, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        return dict(db.session.execute(sa.select(id_column, name_column).where(id_column.in_(sorted(ids)))).all())


def offer_action_sentences(entries: Sequence[AuditEntry]) -> dict[int, list[str]]:
    """Each entry's sentences, by entry id, in the request's language (two queries at most)."""
    names = Names(entries)
    return {entry.id: sentences(entry, names) for entry in entries}


def sentences(entry: AuditEntry, names: Names) -> list[str]:
    """What the staff member did, one sentence per change."""
    details = entry.details or {}
    action = entry.action
    if action == "offer.created":
        return [_("Created the offer %(name)s as a draft.", name=_quoted(details.get("name", "")))]
    if action == "offer.updated":
        return [_change_sentence(change, names) for change in _changes(entry)] or [_("Saved the offer.")]
    if action == "offer.scheduled":
        if details.get("live_now"):
            return [_("Scheduled the offer: live now, until %(end)s.", end=_when(details.get("ends_at")))]
        return [_("Scheduled the offer: live from %(start)s until %(end)s.", start=_when(details.get("starts_at")),
                  end=_when(details.get("ends_at")))]
    if action == "offer.ended_early":
        return [_("Ended the offer early.")]
    if action == "offer.code_added":
        sentence = _("Added the code %(code)s for %(channel)s.", code=details.get("code", ""),
                     channel=channel_name(details.get("channel", "")))
        if details.get("channel_only"):
            sentence += " " + _("Only shoppers who come from its tab can use it.")
        return [sentence]
    if action == "offer.batch_created":
        size = int(details.get("size") or 0)
        return [ngettext("Created %(num)d single-use code for %(channel)s.",
                         "Created %(num)d single-use codes for %(channel)s.", size,
                         channel=channel_name(details.get("channel", "")))]
    if action == "offer.batch_exported":
        size = int(details.get("size") or 0)
        return [ngettext("Downloaded %(num)d code as CSV.", "Downloaded %(num)d codes as CSV.", size)]
    if action == "offer.store_redeemed":
        return [_("Marked the code %(code)s used in the shop.", code=details.get("code", ""))]
    return [action.removeprefix("offer.").replace("_", " ").capitalize() + "."]


class Change(NamedTuple):
    field: str
    old: object
    new: object
    old_kept: bool  # False in entries written before the old value was kept


def _changes(entry: AuditEntry) -> list[Change]:
    """The fields an `offer.updated` entry changed, in the order it lists them."""
    if entry.action != "offer.updated":
        return []
    details = entry.details or {}
    if isinstance(details.get("changed"), dict):
        return [Change(key, old, new, True) for key, (old, new) in details["changed"].items()]
    return [Change(key, None, value, False) for key, value in details.items() if key not in NOT_CHANGES]


def _change_sentence(change: Change, names: Names) -> str:
    key, new = change.field, change.new
    if key == "description":
        return _("Changed the description.")
    if key == "translations":
        return _("Changed the name or description in another language.")
    if key == "audience_pages":
        if not new:
            return _("No longer limited to particular pages.")
        labels = dict(configured_pages())
        return _("Limited to followers of %(pages)s.", pages=", ".join(labels.get(page, page) for page in new))
    if key == "exclusive":
        return _("Made it exclusive: it no longer combines with other offers.") if new else \
            _("Made it combinable with other offers.")
    if key == "thank_you":
        return _("Sends a thank-you code with each paid order.") if new else _("No longer sends thank-you codes.")
    show = VALUES.get(key)
    if show is None:
        return _("Changed %(field)s.", field=key.replace("_", " "))
    if not change.old_kept:
        return str(SET[key]) % {"new": show(new, names)}
    return str(CHANGED[key]) % {"old": show(change.old, names), "new": show(new, names)}


def _quoted(text) -> str:
    """A name or a label in quotation marks: it reads the same in any grammatical case."""
    return _("“%(text)s”", text=str(text))


def _when(value) -> str:
    if not value:
        return _("(none)")
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return staff_time(moment)


def _money(value, _names) -> str:
    return format_money(value) if value else _("(none)")


def _count(value, _names) -> str:
    return str(value) if value is not None else _("(none)")


def _listed(names: dict[int, str], ids) -> str:
    """The names of these products or categories ("#12" for one deleted since)."""
    return ", ".join(names.get(i, f"#{i}") for i in ids or []) or _("(none)")


def _cap(value, _names) -> str:
    return str(value) if value is not None else _quoted(_("no cap"))


VALUES: dict[str, Callable] = {
    "name": lambda value, _names: _quoted(value or ""),
    "benefit": lambda value, _names: _quoted(BENEFITS.get(value, value)),
    "percent": lambda value, _names: f"{value}%" if value is not None else _("(none)"),
    "amount": _money,
    "buy_qty": _count,
    "get_qty": _count,
    "target": lambda value, _names: _quoted(TARGETS.get(value, value)),
    "product_ids": lambda value, names: _listed(names.products, value),
    "category_ids": lambda value, names: _listed(names.categories, value),
    "min_subtotal": _money,
    "min_quantity": _count,
    "audience": lambda value, _names: _quoted(AUDIENCES.get(value, value)),
    "starts_at": lambda value, _names: _when(value),
    "ends_at": lambda value, _names: _when(value),
    "timezone": lambda value, _names: value or _("(none)"),
    "cap_total": _cap,
    "cap_per_customer": _cap,
    "priority": _count,
    "shipping_methods": lambda value, _names: ", ".join(str(DELIVERIES.get(m) or shipping_method_names().get(m, m))
                                                       for m in value or []) or _("(none)"),
}
