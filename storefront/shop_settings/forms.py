"""The settings page's form: one field per setting (built from the registry), one row of fields
per social app and per added delivery method, each list with an empty row to add one. Each field's text is parsed by its setting's
rule (`registry`); a field left as it was shown is not parsed again, so a default the environment
set in another spelling never blocks saving the rest. Secrets are password fields, never filled:
left blank, the app keeps its secret."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.widgets import CheckboxInput, ListWidget

from ..i18n import LANGUAGE_NAMES
from ..money import parse_major, typed_amount
from ..text_input import TextRefused, ShopForm, clean_text
from .registry import SUPPORTED_LANGUAGES, InvalidSetting

APP_FIELDS = ("platform", "app_id", "bot", "pages", "secret", "remove")


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def platform_choices():
    return [("", _l("Choose…")), ("meta", "Meta (Facebook, Instagram)"), ("telegram", "Telegram"), ("vk", "VK")]


class SettingsForm(ShopForm):
    """Build it with `for_settings(states)` (states: `service.settings_in_force()`)."""

    states: dict = {}
    app_rows: int = 0
    method_rows: int = 0
    currency: str = "EUR"
    # The settings' version the form was shown with (service.version_seen).
    version = HiddenField()

    @classmethod
    def for_settings(cls, states: dict) -> type[SettingsForm]:
        fields: dict[str, Any] = {}
        in_force = {key: state.value for key, state in states.items()}
        for key, state in states.items():
            setting = state.setting
            if setting.widget == "flag":
                fields[key] = BooleanField(setting.label, description=setting.help)
            elif setting.widget == "lines":
                fields[key] = TextAreaField(setting.label, description=setting.help)
            elif setting.widget == "choices":
                # The setting's rule refuses what is not an option, with its own words.
                fields[key] = CheckboxList(setting.label, description=setting.help, validate_choice=False,
                                           choices=setting.option_labels(in_force))
            elif setting.widget in ("apps", "methods"):
                continue
            else:
                fields[key] = StringField(setting.label, description=setting.help)
        apps = states["SOCIAL_APPS"].value or [] if "SOCIAL_APPS" in states else []
        rows = len(apps) + 1
        for row in range(rows):
            fields[f"app{row}_platform"] = SelectField(_l("Platform"), choices=platform_choices(),
                                                       validate_choice=False)
            fields[f"app{row}_app_id"] = StringField(_l("App id"), description=_l("Meta and VK."))
            fields[f"app{row}_bot"] = StringField(_l("Bot user name"), description=_l("Telegram."))
            fields[f"app{row}_pages"] = StringField(_l("Page ids"), description=_l("Separated by commas."))
            fields[f"app{row}_secret"] = PasswordField(
                _l("Secret"), description=(_l("Set. Leave blank to keep it; type a new one to replace it.")
                                           if row < len(apps) and apps[row].get("secret") else _l("Not set.")))
            fields[f"app{row}_remove"] = BooleanField(_l("Remove this app"))
        methods = [row for row in states["DELIVERY_CUSTOM_METHODS"].value or [] if not row.get("removed")] \
            if "DELIVERY_CUSTOM_METHODS" in states else []
        for row in range(len(methods) + 1):
            fields[f"method{row}_code"] = HiddenField()
            for language in SUPPORTED_LANGUAGES:
                fields[f"method{row}_name_{language}"] = StringField(
                    _l("Name (%(language)s)", language=LANGUAGE_NAMES[language]),
                    render_kw={"lang": language, "maxlength": 80})
            fields[f"method{row}_rate"] = StringField(_l("Rate"), render_kw={"inputmode": "decimal"})
            fields[f"method{row}_free_from"] = StringField(_l("Free from (items total)"),
                                                           description=_l("Blank: never free."),
                                                           render_kw={"inputmode": "decimal"})
            fields[f"method{row}_remove"] = BooleanField(_l("Remove this method"))
        currency = next((state.setting.currency for state in states.values()
                         if getattr(state.setting, "currency", None)), "EUR")
        return type("SettingsForm", (cls,), {"states": states, "app_rows": rows, "method_rows": len(methods) + 1,
                                             "currency": currency, **fields})

    def fill(self, version: str) -> None:
        """Show the settings in force (never a secret), as of `version`."""
        self.version.data = version
        for key, state in self.states.items():
            setting = state.setting
            if setting.widget == "apps":
                for row, app in enumerate(state.value or []):
                    self[f"app{row}_platform"].data = app.get("platform", "")
                    self[f"app{row}_app_id"].data = str(app.get("app_id") or "")
                    self[f"app{row}_bot"].data = str(app.get("bot") or "")
                    self[f"app{row}_pages"].data = ", ".join(str(page) for page in app.get("pages") or [])
            elif setting.widget == "methods":
                live = [method for method in state.value or [] if not method.get("removed")]
                for row, method in enumerate(live):
                    self[f"method{row}_code"].data = method["code"]
                    for language in SUPPORTED_LANGUAGES:
                        self[f"method{row}_name_{language}"].data = (method.get("names") or {}).get(language, "")
                    self[f"method{row}_rate"].data = typed_amount(int(method.get("rate") or 0), self.currency)
                    free_from = method.get("free_from")
                    self[f"method{row}_free_from"].data = typed_amount(int(free_from), self.currency) if free_from else ""
            elif setting.widget in ("flag", "choices"):
                self[key].data = state.value
            else:
                self[key].data = setting.shown(state.value)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        self.parsed: dict[str, Any] = {}
        for key, state in self.states.items():
            setting = state.setting
            field = self._fields.get(key)
            if field is not None and field.errors:
                continue
            try:
                if setting.widget == "apps":
                    self.parsed[key] = setting.check(self._apps(), current=state.value, default=state.default)
                elif setting.widget == "methods":
                    self.parsed[key] = setting.check(self._methods(), current=state.value, default=state.default)
                elif setting.widget in ("flag", "choices"):
                    value = field.data or ([] if setting.widget == "choices" else False)
                    self.parsed[key] = setting.check(value, current=state.value, default=state.default)
                elif not setting.unchanged(field.data or "", state.value):
                    self.parsed[key] = setting.parse(field.data or "", current=state.value, default=state.default)
            except InvalidSetting as refused:
                target = field if field is not None else self[
                    "method0_name_en" if setting.widget == "methods" else "app0_platform"]
                target.errors = [*target.errors, str(refused.message)]
                valid = False
        return valid

    def _apps(self) -> list[dict]:
        """The app rows as the SocialApps rule reads them (a row left blank is no app)."""
        apps = []
        for row in range(self.app_rows):
            if self[f"app{row}_remove"].data:
                continue
            values = {name: self[f"app{row}_{name}"].data or "" for name in APP_FIELDS if name != "remove"}
            if not any(values.values()):
                continue
            try:
                secret = clean_text(values["secret"])
            except TextRefused as refused:
                raise InvalidSetting(refused.message) from None
            apps.append({"platform": values["platform"], "app_id": values["app_id"], "bot": values["bot"],
                         "pages": [page for page in values["pages"].replace(";", ",").split(",")],
                         "secret": secret or None, "keep": row})
        return apps

    def _methods(self) -> list[dict]:
        """The delivery method rows as the CustomDeliveryMethods rule reads them: amounts in minor
        units; a row left blank is no method, a removed one is left out (the service keeps it,
        marked removed). :raise InvalidSetting: an amount that is not one."""
        methods = []
        for row in range(self.method_rows):
            if self[f"method{row}_remove"].data:
                continue
            names = {language: self[f"method{row}_name_{language}"].data or "" for language in SUPPORTED_LANGUAGES}
            rate, free_from = (self[f"method{row}_{name}"].data or "" for name in ("rate", "free_from"))
            if not any(names.values()) and not rate.strip() and not free_from.strip():
                continue
            amounts, number = {}, len(methods) + 1
            for name, text in (("rate", rate or "0"), ("free_from", free_from)):
                try:
                    amounts[name] = parse_major(text, self.currency) if text.strip() else None
                except ValueError:
                    raise InvalidSetting(
                        _l("Delivery method %(number)s: enter its rate as an amount such as 2.99.", number=number)
                        if name == "rate" else
                        _l("Delivery method %(number)s: enter the items total it is free from as an amount such as "
                           "40.00, or leave it blank.", number=number)) from None
            methods.append({"code": self[f"method{row}_code"].data or None, "names": names, **amounts})
        return methods

    def method_errors(self) -> list[str]:
        return list(self["method0_name_en"].errors) if self.method_rows else []

    def changes(self) -> dict[str, Any]:
        """The settings as sent (after `validate`), by key; the service keeps only what changed."""
        return dict(self.parsed)

    def app_errors(self) -> list[str]:
        return list(self["app0_platform"].errors) if self.app_rows else []
