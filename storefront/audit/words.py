"""The audit log in the staff member's language: what each action was, what it was done to, and
its details as labelled values ("Stay signed in: no", not "remember: False").

An action or key without words here (one added later) is shown as it is stored, so nothing is
ever hidden; tests/backoffice/test_audit_words.py checks that every action the code records has
its words.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.models import ROLE_LABELS
from ..i18n import staff_time
from ..money import format_money
from ..shop_settings.registry import settings_for
from .targets import ID_KEYS, Named

ACTION_NAMES = {
    "catalog.export": _l("Exported the catalog"),
    "catalog.import": _l("Imported a catalog file"),
    "catalog.import_upload": _l("Uploaded a catalog file"),
    "category.create": _l("Created a category"),
    "category.update": _l("Edited a category"),
    "category.delete": _l("Deleted a category"),
    "customer.erase": _l("Erased a customer's data"),
    "customer.export": _l("Exported a customer's data"),
    "image.alt": _l("Changed an image's alt text"),
    "image.create": _l("Added an image"),
    "image.delete": _l("Deleted an image"),
    "image.move": _l("Moved an image"),
    "inbox.assign": _l("Assigned an inbox item"),
    "inbox.canned_reply_delete": _l("Deleted a canned reply"),
    "inbox.canned_reply_save": _l("Saved a canned reply"),
    "inbox.note": _l("Added an internal note"),
    "inbox.private_message": _l("Sent a private message"),
    "legal_page.update": _l("Edited a legal page"),
    "offer.batch_created": _l("Created single-use codes"),
    "offer.batch_exported": _l("Exported single-use codes"),
    "offer.code_added": _l("Added a code"),
    "offer.created": _l("Created an offer"),
    "offer.ended_early": _l("Ended an offer early"),
    "offer.scheduled": _l("Scheduled an offer"),
    "offer.store_redeemed": _l("Redeemed a code in the shop"),
    "offer.updated": _l("Edited an offer"),
    "order.cancel": _l("Cancelled the order"),
    "order.deliver": _l("Marked the order delivered"),
    "order.fulfil": _l("Packed the order"),
    "order.mark_paid": _l("Marked the order paid"),
    "order.note": _l("Added a note to the order"),
    "order.refund": _l("Issued a refund"),
    "order.refund_by_provider": _l("The payment provider reported a refund"),
    "order.resend_email": _l("Sent an e-mail again"),
    "order.ship": _l("Shipped the order"),
    "product.create": _l("Created a product"),
    "product.update": _l("Edited a product"),
    "question.answer": _l("Answered a question"),
    "question.withhold": _l("Withheld a question"),
    "review.publish": _l("Published a review"),
    "review.reply": _l("Replied to a review"),
    "review.reply_edit": _l("Edited a reply to a review"),
    "review.withhold": _l("Withheld a review"),
    "settings.change": _l("Changed a setting"),
    "user.create": _l("Created a staff account"),
    "user.disable": _l("Disabled a staff account"),
    "user.enable": _l("Enabled a staff account"),
    "user.invitation_revoke": _l("Revoked an invitation"),
    "user.invite": _l("Invited a staff member"),
    "user.login": _l("Signed in"),
    "user.logout": _l("Signed out"),
    "user.password_change": _l("Changed their password"),
    "user.password_reset": _l("Reset a password"),
    "user.reset_link": _l("Made a password reset link"),
    "user.role": _l("Changed a staff member's role"),
    "user.sign_out_everywhere": _l("Signed out everywhere"),
    "variant.create": _l("Added a variant"),
    "variant.delete": _l("Deleted a variant"),
    "variant.stock": _l("Changed the stock"),
    "variant.update": _l("Edited a variant"),
}

TARGET_NAMES = {
    "canned_reply": _l("Canned reply"),
    "catalog": _l("Catalog"),
    "category": _l("Category"),
    "customer": _l("Customer"),
    "import_job": _l("Catalog import"),
    "inbox_item": _l("Inbox item"),
    "legal_page": _l("Legal page"),
    "offer": _l("Offer"),
    "order": _l("Order"),
    "product": _l("Product"),
    "product_image": _l("Image"),
    "question": _l("Question"),
    "review": _l("Review"),
    "setting": _l("Setting"),
    "user": _l("Staff member"),
    "user_invitation": _l("Invitation"),
    "variant": _l("Variant"),
}

KEY_NAMES = {
    "active": _l("Active"),
    "alt": _l("Alt text"),
    "amount": _l("Amount"),
    "answer_id": _l("Answer"),
    "answers": _l("Answers"),
    "assignee": _l("Assigned to"),
    "at": _l("When"),
    "batch_id": _l("Batch"),
    "bulk": _l("Several at once"),
    "by_link": _l("By link"),
    "bytes": _l("Size (bytes)"),
    "carrier": _l("Carrier"),
    "categories_created": _l("Categories created"),
    "category_id": _l("Category"),
    "changed": _l("Changes"),
    "channel": _l("Channel"),
    "channel_only": _l("Only for the channel"),
    "code": _l("Code"),
    "compare_at_price": _l("Compare-at price"),
    "default": _l("Back to the default"),
    "direction": _l("Direction"),
    "email": _l("E-mail"),
    "email_digest": _l("E-mail (hashed)"),
    "ended_at": _l("Ended"),
    "ends_at": _l("Ends"),
    "event": _l("Provider's event"),
    "filename": _l("File"),
    "from": _l("From"),
    "height": _l("Height"),
    "invitation": _l("Invitation"),
    "invited_by": _l("Invited by"),
    "ip_address": _l("IP address"),
    "key": _l("Key"),
    "kind": _l("E-mail"),
    "language": _l("Language"),
    "languages": _l("Languages"),
    "live_now": _l("Live at once"),
    "mails": _l("E-mails"),
    "min_subtotal": _l("Minimum subtotal"),
    "name": _l("Name"),
    "new": _l("Now"),
    "old": _l("Was"),
    "options": _l("Options"),
    "orders": _l("Orders"),
    "parent_id": _l("Parent category"),
    "photos": _l("Photos"),
    "price": _l("Price"),
    "product_id": _l("Product"),
    "products_created": _l("Products created"),
    "products_updated": _l("Products updated"),
    "questions": _l("Questions"),
    "reason": _l("Reason"),
    "recipient": _l("Sent to"),
    "refunded_total": _l("Refunded in all"),
    "remember": _l("Keep me signed in"),
    "reply_id": _l("Reply"),
    "reviews": _l("Reviews"),
    "role": _l("Role"),
    "rows": _l("Rows"),
    "rows_unchanged": _l("Rows unchanged"),
    "seen": _l("Stock on the form"),
    "size": _l("Number of codes"),
    "sku": _l("SKU"),
    "slug": _l("Slug"),
    "starts_at": _l("Starts"),
    "status": _l("Status"),
    "stock": _l("Stock"),
    "title": _l("Title"),
    "to": _l("To"),
    "tracking_number": _l("Tracking number"),
    "translated": _l("Translations changed"),
    "typed": _l("Stock typed"),
    "utm_campaign": _l("UTM campaign"),
    "utm_source": _l("UTM source"),
    "variants_created": _l("Variants created"),
    "variants_updated": _l("Variants updated"),
    "width": _l("Width"),
}
# A key whose word depends on the action: a private message's "to" is its recipient.
KEY_NAMES_FOR = {("inbox.private_message", "to"): KEY_NAMES["recipient"]}
MONEY_KEYS = frozenset({"amount", "refunded_total", "price", "compare_at_price", "min_subtotal"})
# Values kept as codes, in words: by key, for every action; or by (action prefix, key), registered
# by the area whose codes they are (`value_words`): a review's "withheld" and "spam".
VALUE_WORDS: dict[tuple[str, str], Callable[[Any], str]] = {}


def value_words(action_prefix: str, key: str, words: Callable[[Any], str] | Mapping[str, Any]) -> None:
    """Show the value of `key` in entries whose action starts with `action_prefix` by `words`: a
    function of the value, or a mapping from code to words (a code it lacks is shown as stored)."""
    if isinstance(words, Mapping):
        table = words
        VALUE_WORDS[(action_prefix, key)] = lambda value: str(table.get(value, value))
    else:
        VALUE_WORDS[(action_prefix, key)] = words


def _words_for(action: str, key: str) -> Callable[[Any], str] | None:
    found = [(len(prefix), words) for (prefix, name), words in VALUE_WORDS.items()
             if name == key and action.startswith(prefix)]
    return max(found, key=lambda pair: pair[0])[1] if found else None


# "2026-11-23T12:00:00+00:00", as use cases keep moments: shown in the shop's zone.
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def actor_name(actor_email: str) -> str:
    """Who acted: a staff member's e-mail, or the shop itself for what no one did by hand (the demo's
    loader, a task, a payment provider's notice), which `record` keeps as "system"."""
    return _("The shop itself") if actor_email == "system" else actor_email


def action_name(action: str) -> str:
    return str(ACTION_NAMES.get(action, action))


def target_name(target_type: str) -> str:
    return str(TARGET_NAMES.get(target_type, target_type))


def details(action: str, values: Mapping[str, Any] | None, currency: str | None = None,
            target_id: str | None = None,
            names: Mapping[tuple[str, str], Named] | None = None) -> list[tuple[str, str]]:
    """An entry's details as (label, text) in the request's language, in the order recorded:
    amounts as money in `currency` (the shop's by default), also inside `changed`; moments in the
    shop's zone; codes in words (`VALUE_WORDS`); another record's id by its name where `names`
    (from `targets.name_all`) has it; a changed setting's old and new value as its settings field
    shows it (`target_id` names the setting)."""
    currency = currency or current_app.config["SHOP_CURRENCY"]
    setting = settings_for(currency).get(target_id or "") if action == "settings.change" else None
    shown = []
    for key, value in (values or {}).items():
        label = KEY_NAMES_FOR.get((action, key)) or KEY_NAMES.get(key, key)
        if key == "changed" and isinstance(value, Mapping):
            text = "; ".join(_change(action, name, change, currency, names) for name, change in value.items())
        elif setting is not None and key in ("old", "new"):
            text = (setting.in_words(value) or "—") if value not in (None, "") else "—"
        elif key == "role" or (action == "user.role" and key in ("old", "new")):
            text = str(ROLE_LABELS.get(value, value))
        else:
            text = _value(action, key, value, currency, names)
        shown.append((str(label), text))
    return shown


def _change(action: str, name: str, change, currency: str, names) -> str:
    label = KEY_NAMES.get(name, name)
    if isinstance(change, (list, tuple)) and len(change) == 2:
        return (f"{label}: {_value(action, name, change[0], currency, names)} → "
                f"{_value(action, name, change[1], currency, names)}")
    return f"{label}: {_value(action, name, change, currency, names)}"


def _value(action: str, key: str, value, currency: str, names=None) -> str:
    if key in MONEY_KEYS and isinstance(value, int) and not isinstance(value, bool):
        return format_money(value, currency)
    if key in ID_KEYS and names and value not in (None, ""):
        named = names.get((ID_KEYS[key], str(value)))
        if named is not None and named.text:
            return named.text
    words = _words_for(action, key.removesuffix("s") if key == "languages" else key)
    if words is not None and value not in (None, ""):
        if isinstance(value, (list, tuple)):
            return ", ".join(words(item) for item in value) if value else "—"
        return words(value)
    return _text(value)


def _text(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:
            return staff_time(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(item) for item in value) if value else "—"
    if isinstance(value, Mapping):
        return ", ".join(f"{key}: {_text(item)}" for key, item in value.items()) if value else "—"
    return str(value)
