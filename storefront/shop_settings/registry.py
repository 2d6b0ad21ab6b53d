"""The settings an admin may change, each with its type, its rule and how it is shown.

A setting's value is what `app.config[key]` holds (money and rates in minor units, the tax rate in
basis points, lists as lists), so every reader keeps reading the config. `parse` turns what the
form sent into that value; `check` is the rule on a value, run again by the service (the form is
not the only caller). Both raise `InvalidSetting` with a message for the field.

Secrets (the social apps' secrets) are write-only: `shown` never returns one, and `audited` masks
them ("set"; "replaced" when a change put a new one in).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..delivery import (CODE_PATTERN, DELIVERY_METHODS, MAX_CUSTOM_METHODS, MethodName, all_shipping_options,
                        custom_methods, known_methods, new_code, shipping_method_names)
from ..errors import ShopError
from ..i18n import LANGUAGE_NAMES, country_name, language_in_sentence
from ..money import format_money, parse_major, typed_amount, typed_number
from ..security import FrameAncestorsError, parse_origin
from ..text_input import TextRefused, clean_text

# The languages the shop's message catalogs and content columns exist in.
SUPPORTED_LANGUAGES = ("en", "es", "lv")
SOCIAL_PLATFORMS = ("meta", "telegram", "vk")
# As the marketer who connected the shop's apps knows them (`storefront.social.platforms` too).
PLATFORM_LABELS = {"meta": "Facebook / Instagram (Meta)", "telegram": "Telegram", "vk": "VK"}
MAX_MONEY = 1_000_000  # minor units (10,000.00): a rate or a threshold above that is a typo
MAX_LIST = 300  # countries or origins in one setting
# Two-letter codes babel lists that are no country one can ship to.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"})
_COUNTRIES = frozenset(code for code in Locale("en").territories
                       if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES)
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
MASK_SET = "set"
MASK_REPLACED = "replaced"


class InvalidSetting(ShopError):
    code = "invalid_setting"
    status = 400
    default_message = _l("This value cannot be used.")


@dataclass(frozen=True)
class Section:
    name: str
    title: Any  # a lazy, translated string


SECTIONS = (
    Section("shop", _l("Shop")),
    Section("payments", _l("Bank transfer")),
    Section("delivery", _l("Delivery")),
    Section("tax", _l("Tax")),
    Section("holds", _l("Stock holds")),
    Section("reach", _l("Countries and languages")),
    Section("social", _l("Social tab")),
)


@dataclass(frozen=True)
class Setting:
    """A plain line of text."""

    key: str
    section: str
    label: Any
    help: Any = ""
    required: bool = False
    max_length: int = 120
    widget: str = field(default="line", init=False)
    inputmode: str | None = field(default=None, init=False)  # the keyboard a phone shows

    def parse(self, text: str, *, current: Any = None, default: Any = None) -> Any:
        """The value the form's text names. :raise InvalidSetting:"""
        return self.check(text, current=current, default=default)

    def check(self, value: Any, *, current: Any = None, default: Any = None) -> Any:
        """The value, normalised, if the rule allows it. :raise InvalidSetting:"""
        if not isinstance(value, str):
            raise InvalidSetting(_l("Enter text."), field=self.key)
        try:
            value = clean_text(value)  # the one input rule: no control characters, trimmed
        except TextRefused as refused:
            raise InvalidSetting(refused.message, field=self.key) from None
        if self.required and not value:
            raise InvalidSetting(_l("This field is required."), field=self.key)
        if len(value) > self.max_length:
            raise InvalidSetting(_l("At most %(count)s characters.", count=self.max_length), field=self.key)
        return value

    def shown(self, value: Any) -> str:
        """The value as the form shows it."""
        return "" if value is None else str(value)

    def in_words(self, value: Any) -> str:
        """The value as a sentence shows it (the audit log's old and new value): names, not codes."""
        return self.shown(value)

    def unchanged(self, text: str, value: Any) -> bool:
        """Whether a field sent back as `text` still holds `value`: as this page shows it, or as a
        page in another language did (a form drawn in Latvian, "4,95", posted after staff switched
        to English): either way it is not parsed again."""
        return text == self.shown(value) or text.replace(",", ".") == self.shown(value).replace(",", ".")

    def audited(self, old: Any, new: Any) -> tuple[Any, Any]:
        """Old and new value as the audit log keeps them (secrets masked)."""
        return old, new


@dataclass(frozen=True)
class Iban(Setting):
    max_length: int = 42

    def check(self, value, *, current=None, default=None):
        text = super().check(value)
        compact = re.sub(r"\s", "", text).upper()
        if not _IBAN.match(compact) or _iban_remainder(compact) != 1:
            raise InvalidSetting(_l("Enter a valid IBAN, for example LV80 BANK 0000 4351 9500 1."), field=self.key)
        return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def _iban_remainder(compact: str) -> int:
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97


@dataclass(frozen=True)
class Bic(Setting):
    max_length: int = 11

    def check(self, value, *, current=None, default=None):
        text = re.sub(r"\s", "", super().check(value)).upper()
        if not _BIC.match(text):
            raise InvalidSetting(_l("Enter a BIC of 8 or 11 letters and digits, for example BANKLV22."), field=self.key)
        return text


@dataclass(frozen=True)
class Money(Setting):
    """An amount typed in the shop's currency ("4.95"), kept in minor units (495)."""

    currency: str = "EUR"
    inputmode: str | None = field(default="decimal", init=False)

    def parse(self, text, *, current=None, default=None):
        try:
            minor = parse_major(text or "", self.currency)
        except ValueError:
            raise InvalidSetting(_l("Enter an amount such as 4.95 (zero or more, at most two decimals)."),
                                 field=self.key) from None
        return self.check(minor)

    def check(self, value, *, current=None, default=None):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MONEY:
            raise InvalidSetting(_l("Enter an amount from 0 to %(most)s.", most=typed_amount(MAX_MONEY, self.currency)),
                                 field=self.key)
        return value

    def shown(self, value):
        return typed_amount(int(value), self.currency)

    def in_words(self, value):
        return format_money(int(value), self.currency)


@dataclass(frozen=True)
class Percent(Setting):
    """A rate typed in percent ("21", "5.5"), kept in basis points (2100, 550)."""

    inputmode: str | None = field(default="decimal", init=False)

    def parse(self, text, *, current=None, default=None):
        try:
            number = Decimal((text or "").strip().replace(",", "."))
        except InvalidOperation:
            raise InvalidSetting(_l("Enter a percentage such as 21 or 5.5."), field=self.key) from None
        if not number.is_finite() or number * 100 != (number * 100).to_integral_value():
            raise InvalidSetting(_l("Enter a percentage with at most two decimals."), field=self.key)
        if not 0 <= number <= 100:
            raise InvalidSetting(_l("Enter a percentage from 0 to 100."), field=self.key)
        return self.check(int(number * 100))

    def check(self, value, *, current=None, default=None):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
            raise InvalidSetting(_l("Enter a percentage from 0 to 100."), field=self.key)
        return value

    def shown(self, value):
        return typed_number(str(Decimal(int(value)) / 100).rstrip("0").rstrip(".") if int(value) % 100
                            else str(int(value) // 100))

    def in_words(self, value):
        return _("%(rate)s %%", rate=self.shown(value))


@dataclass(frozen=True)
class Whole(Setting):
    """A whole number in a range (minutes, hours)."""

    least: int = 1
    most: int = 1000
    inputmode: str | None = field(default="numeric", init=False)

    def parse(self, text, *, current=None, default=None):
        text = (text or "").strip()
        if not re.fullmatch(r"[0-9]{1,7}", text):
            raise InvalidSetting(_l("Enter a whole number from %(least)s to %(most)s.", least=self.least,
                                    most=self.most), field=self.key)
        return self.check(int(text))

    def check(self, value, *, current=None, default=None):
        if isinstance(value, bool) or not isinstance(value, int) or not self.least <= value <= self.most:
            raise InvalidSetting(_l("Enter a whole number from %(least)s to %(most)s.", least=self.least,
                                    most=self.most), field=self.key)
        return value


@dataclass(frozen=True)
class Flag(Setting):
    widget: str = field(default="flag", init=False)

    def parse(self, text, *, current=None, default=None):
        return self.check(bool(text))

    def check(self, value, *, current=None, default=None):
        if not isinstance(value, bool):
            raise InvalidSetting(_l("Choose yes or no."), field=self.key)
        return value

    def in_words(self, value):
        return _("yes") if value else _("no")


@dataclass(frozen=True)
class Countries(Setting):
    """ISO 3166 two-letter codes, typed separated by commas or spaces."""

    def parse(self, text, *, current=None, default=None):
        return self.check([code for code in re.split(r"[\s,;]+", (text or "").upper()) if code])

    def check(self, value, *, current=None, default=None):
        if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
            raise InvalidSetting(_l("Enter country codes."), field=self.key)
        codes = list(dict.fromkeys(code.strip().upper() for code in value))
        unknown = [code for code in codes if code not in _COUNTRIES]
        if unknown:
            raise InvalidSetting(_l("Not a country code: %(codes)s. Use two-letter ISO codes such as LV, DE.",
                                    codes=", ".join(unknown[:5])), field=self.key)
        if not codes:
            raise InvalidSetting(_l("Enter at least one country."), field=self.key)
        if len(codes) > MAX_LIST:
            raise InvalidSetting(_l("At most %(count)s countries.", count=MAX_LIST), field=self.key)
        return codes

    def shown(self, value):
        return ", ".join(value or [])

    def in_words(self, value):
        return ", ".join(country_name(code) or code for code in value or [])


@dataclass(frozen=True)
class Choices(Setting):
    """Some of a fixed list of options, ticked as checkboxes, kept as a list of their codes in the
    options' order (whatever order they were sent in). At least one stays on."""

    options: tuple[str, ...] = ()
    widget: str = field(default="choices", init=False)

    def check(self, value, *, current=None, default=None):
        chosen = self.chosen(value)
        if not chosen:
            raise InvalidSetting(self.none_chosen_message(), field=self.key)
        return chosen

    def chosen(self, value: Any) -> list[str]:
        """The options `value` names, in the options' order. :raise InvalidSetting: for another value."""
        if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
            raise InvalidSetting(_l("Choose from the list."), field=self.key)
        unknown = [code for code in value if code not in self.options]
        if unknown:
            raise InvalidSetting(self.unknown_message(", ".join(unknown[:5])), field=self.key)
        return [code for code in self.options if code in value]

    def unknown_message(self, codes: str) -> Any:
        return _l("Not one of the choices: %(codes)s.", codes=codes)

    def none_chosen_message(self) -> Any:
        return _l("Choose at least one.")

    def option_names(self) -> dict[str, Any]:
        """Each option's name, by code."""
        return {code: code for code in self.options}

    def option_labels(self, in_force: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(code, label) of each checkbox; `in_force`: every setting's value now, by key."""
        return [(code, str(name)) for code, name in self.option_names().items()]

    def shown(self, value):
        return ",".join(value or [])

    def in_words(self, value):
        names = self.option_names()
        return ", ".join(str(names.get(code, code)) for code in value or [])


@dataclass(frozen=True)
class Languages(Choices):
    """Which of the supported languages the storefront offers. The default language (the first
    of the environment's LANGUAGES, in which the catalog's own columns are written) always stays,
    first."""

    options: tuple[str, ...] = SUPPORTED_LANGUAGES

    def check(self, value, *, current=None, default=None):
        chosen = self.chosen(value)
        first = (default or list(self.options))[0]
        if first not in chosen:
            raise InvalidSetting(_l("The default language (%(code)s) must stay on.", code=first), field=self.key)
        return [first, *[code for code in chosen if code != first]]

    def unknown_message(self, codes):
        return _l("The shop cannot speak %(codes)s.", codes=codes)

    def option_names(self):
        return {code: LANGUAGE_NAMES.get(code, code) for code in self.options}


@dataclass(frozen=True)
class DeliveryMethods(Choices):
    """Which delivery methods checkout offers (`storefront.delivery`): built-in ones and those an
    admin added (DELIVERY_CUSTOM_METHODS, which `settle` checks them against); the first one on
    offer is also the one a cart is estimated with. One at least: a shop that delivers no way
    sells nothing."""

    options: tuple[str, ...] = DELIVERY_METHODS
    currency: str = "EUR"

    def chosen(self, value):
        """The built-in methods named, in their order, then the added ones, as sent."""
        if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
            raise InvalidSetting(_l("Choose from the list."), field=self.key)
        unknown = [code for code in value if code not in self.options and not CODE_PATTERN.match(code)]
        if unknown:
            raise InvalidSetting(self.unknown_message(", ".join(unknown[:5])), field=self.key)
        added = [code for code in dict.fromkeys(value) if code not in self.options]
        return [*(code for code in self.options if code in value), *added]

    def none_chosen_message(self):
        return _l("Offer at least one delivery method.")

    def unknown_message(self, codes):
        return _l("The shop has no delivery method %(codes)s.", codes=codes)

    def option_names(self):
        return shipping_method_names()

    def option_labels(self, in_force):
        """Each method's name with what it costs now ("Express delivery (next working day): €12.90")."""
        return [(code, option_label(option, self.currency)) for code, option in all_shipping_options(in_force).items()]


def option_label(option, currency: str) -> str:
    """A delivery method's name with what it costs ("Omniva parcel locker: €2.99, free from €40.00")."""
    rate = option.rate
    cost = format_money(rate.rate, currency) if rate.rate else _("free")
    if rate.rate and rate.free_from:
        cost = _("%(rate)s, free from %(amount)s", rate=cost, amount=format_money(rate.free_from, currency))
    return _("%(name)s: %(cost)s", name=option.name, cost=cost)


@dataclass(frozen=True)
class CustomDeliveryMethods(Setting):
    """Delivery methods an admin added (`storefront.delivery`): each a name in every supported
    language, a rate and, optionally, an items total from which it is free. A row sent with the
    `code` of a method the shop has keeps that code (renamed, repriced); a row without one is a new
    method, given a code made from its English name. A method left out is kept, marked removed
    (`settle`), so orders placed with it still name it."""

    currency: str = "EUR"
    widget: str = field(default="methods", init=False)

    def check(self, value, *, current=None, default=None):
        if not isinstance(value, list) or not all(isinstance(row, Mapping) for row in value):
            raise InvalidSetting(_l("The delivery methods could not be read."), field=self.key)
        current = [row for row in current or [] if isinstance(row, Mapping) and row.get("code")]
        known = {row["code"] for row in current}
        taken = set(known)
        methods = []
        for number, row in enumerate(value, start=1):
            if row.get("removed"):
                continue
            names = self._names(row.get("names"), number)
            rate = self._amount(row.get("rate"), number, "rate")
            free_from = row.get("free_from") or None
            if free_from is not None:
                free_from = self._amount(free_from, number, "free_from")
            code = row.get("code")
            if code not in known or code in {method["code"] for method in methods}:
                code = new_code(names["en"], taken)  # a new method (only the shop makes codes)
            taken.add(code)
            methods.append({"code": code, "names": names, "rate": rate, "free_from": free_from})
        if len(methods) > MAX_CUSTOM_METHODS:
            raise InvalidSetting(_l("At most %(count)s added delivery methods.", count=MAX_CUSTOM_METHODS),
                                 field=self.key)
        return methods

    def _names(self, names, number: int) -> dict[str, str]:
        names = names if isinstance(names, Mapping) else {}
        checked = {}
        for language in SUPPORTED_LANGUAGES:
            text = names.get(language)
            try:
                text = clean_text(text) if isinstance(text, str) else ""
            except TextRefused as refused:
                raise InvalidSetting(refused.message, field=self.key) from None
            if not text:
                raise InvalidSetting(_l("Delivery method %(number)s: enter its name in %(language)s.", number=number,
                                        language=language_in_sentence(language)), field=self.key)
            if len(text) > 80:
                raise InvalidSetting(_l("Delivery method %(number)s: a name has at most %(count)s characters.",
                                        number=number, count=80), field=self.key)
            checked[language] = text
        return checked

    def _amount(self, value, number: int, which: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MONEY:
            most = typed_amount(MAX_MONEY, self.currency)
            raise InvalidSetting(
                _l("Delivery method %(number)s: enter a rate from 0 to %(most)s.", number=number, most=most)
                if which == "rate" else
                _l("Delivery method %(number)s: enter a free-from amount from 0 to %(most)s.", number=number, most=most),
                field=self.key)
        return value

    def shown(self, value):
        raise TypeError("the added delivery methods are shown field by field")

    def in_words(self, value):
        def method(row: Mapping) -> str:
            cost = format_money(row.get("rate") or 0, self.currency)
            if row.get("free_from") is not None:
                cost = _("%(rate)s, free from %(amount)s", rate=cost, amount=format_money(row["free_from"], self.currency))
            text = _("%(name)s: %(cost)s", name=self.name_of(row), cost=cost)
            return _("%(method)s (removed)", method=text) if row.get("removed") else text

        return "; ".join(method(row) for row in value or [] if isinstance(row, Mapping))

    def name_of(self, method: Mapping) -> str:
        """An added method's name in the language of the page."""
        return str(MethodName(method.get("names") or {}))


def settle(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The settings that must change with others for the whole to hold, by key: the added
    delivery methods keep every code the shop ever used (one left out is kept, marked removed);
    a newly added method is offered; a removed one is no longer offered, and some method still is.
    `before`, `after`: every setting's value in force before and after a change.
    :raise InvalidSetting: when no delivery method would be offered."""
    settled: dict[str, Any] = {}
    old_custom = custom_methods(before, removed=True)
    new_custom = list(after.get("DELIVERY_CUSTOM_METHODS") or [])
    kept = {row["code"] for row in new_custom}
    gone = [{**row, "removed": True} for row in old_custom if row["code"] not in kept]
    if gone:
        new_custom = [*new_custom, *gone]
        settled["DELIVERY_CUSTOM_METHODS"] = new_custom
    after = {**after, "DELIVERY_CUSTOM_METHODS": new_custom}
    offered = list(after.get("DELIVERY_METHODS") or [])
    added = [row["code"] for row in custom_methods(after) if row["code"] not in {m["code"] for m in old_custom}]
    known = known_methods(after)
    just_removed = {row["code"] for row in gone}
    unknown = [code for code in offered if code not in known and code not in just_removed]
    if unknown:
        raise InvalidSetting(_l("The shop has no delivery method %(codes)s.", codes=", ".join(unknown[:5])),
                             field="DELIVERY_METHODS")
    wanted = list(dict.fromkeys(code for code in [*offered, *added] if code in known))
    if not wanted:
        raise InvalidSetting(_l("Offer at least one delivery method."), field="DELIVERY_METHODS")
    if wanted != offered:
        settled["DELIVERY_METHODS"] = wanted
    return settled


@dataclass(frozen=True)
class Origins(Setting):
    """Exact origins (scheme://host[:port]), one per line, as storefront.security checks them."""

    widget: str = field(default="lines", init=False)

    def parse(self, text, *, current=None, default=None):
        return self.check([line.strip() for line in (text or "").splitlines() if line.strip()])

    def check(self, value, *, current=None, default=None):
        if not isinstance(value, list) or len(value) > MAX_LIST:
            raise InvalidSetting(_l("Enter at most %(count)s origins, one per line.", count=MAX_LIST), field=self.key)
        origins = []
        for entry in value:
            try:
                origins.append(parse_origin(entry))
            except FrameAncestorsError:
                raise InvalidSetting(_l("“%(entry)s” is not an exact origin such as https://www.facebook.com "
                                        "(no path, no wildcard).", entry=str(entry)[:80]), field=self.key) from None
        return list(dict.fromkeys(origins))

    def shown(self, value):
        return "\n".join(value or [])


@dataclass(frozen=True)
class SocialApps(Setting):
    """The social platforms' apps: platform, app id (Meta, VK) or bot name (Telegram), pages, and
    a secret that is written, never read back. A form row with no secret keeps the secret of the
    app it was shown for (`keep`: its index in the current list, same platform)."""

    widget: str = field(default="apps", init=False)

    def check(self, value, *, current=None, default=None):
        if not isinstance(value, list) or len(value) > 20:
            raise InvalidSetting(_l("At most 20 apps."), field=self.key)
        current = current or []
        apps = []
        for row in value:
            if not isinstance(row, dict):
                raise InvalidSetting(_l("An app could not be read."), field=self.key)
            platform = row.get("platform")
            if platform not in SOCIAL_PLATFORMS:
                raise InvalidSetting(_l("Choose the app's platform."), field=self.key)
            keep = row.get("keep")
            kept = current[keep] if isinstance(keep, int) and 0 <= keep < len(current) else None
            kept = kept if isinstance(kept, dict) and kept.get("platform") == platform else None
            app = {name: text for name, text in (kept or {}).items() if name not in {"app_id", "bot", "pages"}}
            app["platform"] = platform
            secret = row.get("secret") or (kept or {}).get("secret")
            if not isinstance(secret, str) or not secret.strip() or len(secret) > 500:
                raise InvalidSetting(_l("Enter the secret of each new app."), field=self.key)
            app["secret"] = secret.strip()
            pages = [str(page).strip() for page in row.get("pages") or [] if str(page).strip()]
            if platform == "telegram":
                bot = str(row.get("bot") or "").strip().lstrip("@")
                if not re.fullmatch(r"[A-Za-z0-9_]{3,64}", bot):
                    raise InvalidSetting(_l("Enter the Telegram bot's user name."), field=self.key)
                app["bot"] = bot
            else:
                app_id = str(row.get("app_id") or "").strip()
                if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", app_id):
                    raise InvalidSetting(_l("Enter the app's id (letters, digits, - and _)."), field=self.key)
                app["app_id"] = app_id
                if platform == "meta" and not pages:
                    raise InvalidSetting(_l("Enter the ids of the Facebook pages the Meta app serves."), field=self.key)
            if any(not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", page) for page in pages):
                raise InvalidSetting(_l("Page ids are letters, digits, - and _, separated by commas."), field=self.key)
            if pages:
                app["pages"] = pages
            apps.append(app)
        return apps

    def shown(self, value):
        raise TypeError("the social apps are shown field by field, never their secrets")

    def in_words(self, value):
        """Apps as `audited` keeps them: the secret only as set or replaced."""
        def app(row: Mapping) -> str:
            name = row.get("app_id") or (f"@{row['bot']}" if row.get("bot") else "")
            text = _("%(platform)s app %(name)s", platform=PLATFORM_LABELS.get(row.get("platform"), row.get("platform")),
                     name=name)
            if row.get("pages"):
                text = _("%(app)s for pages %(pages)s", app=text, pages=", ".join(row["pages"]))
            if row.get("secret") == MASK_REPLACED:
                text = _("%(app)s, with a new secret", app=text)
            return text

        return "; ".join(app(row) for row in value or [] if isinstance(row, Mapping))

    def audited(self, old, new):
        def masked(apps, replaced=()):
            return [{**{k: v for k, v in app.items() if k != "secret"},
                     "secret": (MASK_REPLACED if i in replaced else MASK_SET) if app.get("secret") else ""}
                    for i, app in enumerate(apps or [])]

        old_secrets = {app.get("secret") for app in old or []}
        replaced = {i for i, app in enumerate(new or []) if app.get("secret") and app.get("secret") not in old_secrets}
        return masked(old), masked(new, replaced)


def _settings(currency: str = "EUR") -> dict[str, Setting]:
    entries = [
        Setting("SHOP_NAME", "shop", _l("Shop name"), required=True, max_length=80),
        Setting("SHOP_TAGLINE", "shop", _l("Tagline"), _l("A short line under the shop's name."), max_length=160),
        Setting("BANK_ACCOUNT_HOLDER", "payments", _l("Account holder"), required=True, max_length=120),
        Iban("BANK_IBAN", "payments", _l("IBAN"), required=True),
        Bic("BANK_BIC", "payments", _l("BIC"), required=True),
        DeliveryMethods("DELIVERY_METHODS", "delivery", _l("Delivery methods offered"),
                        _l("Checkout lists them in this order; a cart is estimated with the first one offered."),
                        currency=currency),
        Money("SHIPPING_FLAT_RATE", "delivery", _l("Standard delivery rate"), currency=currency),
        Money("SHIPPING_EXPRESS_RATE", "delivery", _l("Express delivery rate"), currency=currency),
        Money("FREE_SHIPPING_THRESHOLD", "delivery", _l("Free standard delivery from"),
              _l("Items total from which standard delivery is free; 0 means never."), currency=currency),
        CustomDeliveryMethods("DELIVERY_CUSTOM_METHODS", "delivery", _l("Added delivery methods"),
                              _l("A parcel locker or a courier of your own, with its name in every language."),
                              currency=currency),
        Percent("TAX_RATE_BPS", "tax", _l("Tax rate (%)"), _l("For example 21 or 5.5.")),
        Flag("PRICES_INCLUDE_TAX", "tax", _l("Prices include tax"),
             _l("Off: tax is added to the total at checkout.")),
        Whole("STOCK_HOLD_MINUTES", "holds", _l("Card payment hold (minutes)"),
              _l("How long items stay reserved while a shopper pays by card."), least=1, most=1440),
        Whole("MANUAL_PAYMENT_HOLD_HOURS", "holds", _l("Bank transfer and cash hold (hours)"),
              _l("How long an unpaid order keeps its items."), least=1, most=720),
        Countries("SHIP_TO_COUNTRIES", "reach", _l("Ship to countries"),
                  _l("Two-letter codes, separated by commas: LV, LT, EE.")),
        Languages("LANGUAGES", "reach", _l("Languages offered")),
        Origins("FRAME_ANCESTORS", "social", _l("Allowed parent pages"),
                _l("Origins that may show the shop in a frame, one per line, such as https://www.facebook.com.")),
        SocialApps("SOCIAL_APPS", "social", _l("Social apps")),
    ]
    return {setting.key: setting for setting in entries}


def settings_for(currency: str) -> dict[str, Setting]:
    """Every editable setting by key, in the page's order, its amounts in `currency`."""
    return _settings(currency)


KEYS: tuple[str, ...] = tuple(_settings())
