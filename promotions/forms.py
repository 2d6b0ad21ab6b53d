"""The marketer's forms. They check shape (lengths, a date-time that parses) and carry the CSRF
token; the offer rules (ranges, windows, audiences a platform permits) are checked by
`promotions.terms` (through the use cases of `promotions.lifecycle` and `promotions.channel_codes`),
whose errors are shown on the field they name."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateTimeLocalField, HiddenField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from storefront.backoffice.forms import translations_of
from storefront.delivery import chargeable_methods, shipping_method_names
from storefront.text_input import ShopForm

from .models import Audience, Benefit, Target

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def benefit_choices():
    return [(Benefit.PERCENT.value, _l("Percentage off")), (Benefit.FIXED.value, _l("Fixed amount off")),
            (Benefit.FREE_SHIPPING.value, _l("Free shipping")), (Benefit.BUY_X_GET_Y.value, _l("Buy X, get Y free"))]


def delivery_choices():
    """The deliveries a free-shipping offer may make free: standard, express and any the shop added."""
    built_in = {"standard": _l("Standard delivery"), "express": _l("Express delivery")}
    names = shipping_method_names()
    return [(code, built_in.get(code) or names[code]) for code in chargeable_methods(current_app.config)]


def target_choices():
    return [(Target.ORDER.value, _l("The whole order")), (Target.PRODUCTS.value, _l("Chosen products")),
            (Target.CATEGORIES.value, _l("Chosen categories"))]


def audience_choices():
    return [(Audience.EVERYONE.value, _l("Everyone")),
            (Audience.TAB_VISITORS.value, _l("Tab visitors (came from our page's shop tab)")),
            (Audience.CODE_HOLDERS.value, _l("Code holders (entered one of this offer's codes)")),
            (Audience.MEMBERS.value, _l("Signed-in members (signed in with the platform)")),
            (Audience.FIRST_ORDER.value, _l("First order (no earlier paid order for the e-mail)"))]


class OfferForm(ShopForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("Shown to shoppers on the banner and the offer page."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=500)])
    benefit = SelectField(_l("Benefit"), choices=benefit_choices, validate_choice=False)
    percent = StringField(_l("Percent off"), validators=[Optional(), Length(max=12)],
                          description=_l("A whole number from 1 to 100."))
    amount = StringField(_l("Amount off"), validators=[Optional(), Length(max=20)],
                         description=_l("In the shop's currency, e.g. 5.00; once per order."))
    buy_qty = StringField(_l("Buy (X)"), validators=[Optional(), Length(max=12)])
    get_qty = StringField(_l("Get free (Y)"), validators=[Optional(), Length(max=12)],
                          description=_l("Of every X + Y items, the Y cheapest are free."))
    shipping_methods = CheckboxList(_l("Free on"), choices=delivery_choices, default=["standard"],
                                    validate_choice=False,
                                    description=_l("The deliveries this offer makes free; the others are charged."))
    target = SelectField(_l("Applies to"), choices=target_choices, validate_choice=False)
    product_ids = SelectMultipleField(_l("Products"), coerce=int, validate_choice=False,
                                      description=_l("Hold Ctrl (⌘ on a Mac) to choose several."))
    category_ids = SelectMultipleField(_l("Categories"), coerce=int, validate_choice=False,
                                       description=_l("Includes their subcategories."))
    min_subtotal = StringField(_l("Minimum subtotal"), validators=[Optional(), Length(max=20)],
                               description=_l("Leave empty for none."))
    min_quantity = StringField(_l("Minimum quantity"), validators=[Optional(), Length(max=12)],
                               description=_l("Items of the targeted products; empty for none."))
    audience = SelectField(_l("Who it is for"), choices=audience_choices, validate_choice=False)
    audience_pages = CheckboxList(_l("Pages whose tab visitors qualify"), validate_choice=False,
                                  description=_l("None ticked: any page the shop is connected to."))
    starts_at = DateTimeLocalField(_l("Starts"), format=DATETIME_FORMATS, validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ends"), format=DATETIME_FORMATS, validators=[Optional()])
    timezone = SelectField(_l("Time zone of these times"), validate_choice=False,
                           description=_l("A time that happens twice when the clocks go back means its "
                                          "first occurrence."))
    cap_total = StringField(_l("Total redemptions cap"), validators=[Optional(), Length(max=12)],
                            description=_l("Empty: no cap."))
    cap_per_customer = StringField(_l("Per customer cap"), validators=[Optional(), Length(max=12)],
                                   description=_l("A customer is an e-mail or a platform user; empty: no cap."))
    exclusive = BooleanField(_l("Exclusive (never combined with other offers)"))
    priority = StringField(_l("Priority"), validators=[Optional(), Length(max=6)], default="0",
                           description=_l("Higher applies first when offers combine."))
    thank_you = BooleanField(_l("Send a single-use code for this offer with each paid order's receipt"))

    translated_fields = ("name", "description")

    def data_for_service(self) -> dict:
        """The fields as `terms.clean_terms` reads them; with `translated_form`'s fields, the name and
        description in the other languages too."""
        data = {name: getattr(self, name).data for name in (
            "name", "description", "benefit", "percent", "amount", "buy_qty", "get_qty", "shipping_methods", "target", "product_ids",
            "category_ids", "min_subtotal", "min_quantity", "audience", "audience_pages", "starts_at", "ends_at",
            "timezone", "cap_total", "cap_per_customer", "exclusive", "priority", "thank_you")}
        languages = getattr(self, "translation_languages", ())
        if languages:
            data["translations"] = translations_of(self, languages)
        return data


class CodeForm(ShopForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=60)],
                       description=_l("4 to 40 Latin letters A–Z, digits or dashes; stored in capitals."))
    channel = SelectField(_l("Channel"), validate_choice=False)
    utm_source = StringField(_l("UTM source"), validators=[Optional(), Length(max=80)])
    utm_campaign = StringField(_l("UTM campaign"), validators=[Optional(), Length(max=80)])
    channel_only = BooleanField(_l("Only for shoppers who came from this platform's tab"))


class BatchForm(ShopForm):
    # Text, read by `channel_codes.create_batch` like the offer form's numbers: 0, 12.5 or nothing
    # gets its range ("1 to 10,000"), not WTForms' "This field is required." or "Not a valid integer".
    size = StringField(_l("Number of codes"), validators=[Length(max=12)], default="100",
                       description=_l("1 to 10,000 single-use codes."))
    # The offer's page shows this form under the shared code's: ids of their own, or each label
    # would point at the other form's field.
    channel = SelectField(_l("Channel"), validate_choice=False, id="batch-channel")
    utm_source = StringField(_l("UTM source"), validators=[Optional(), Length(max=80)], id="batch-utm_source")
    utm_campaign = StringField(_l("UTM campaign"), validators=[Optional(), Length(max=80)], id="batch-utm_campaign")


def persona_choices():
    return [("anyone", _l("Anyone (opened the shop directly)")), ("tab_visitor", _l("A tab visitor of the page")),
            ("code_holder", _l("A holder of this offer's code")), ("member", _l("A signed-in member")),
            ("first_order", _l("A shopper placing a first order"))]


class PreviewForm(ShopForm):
    """Read-only: it runs the engine, it changes nothing (so a GET, without a CSRF token)."""

    class Meta:
        csrf = False

    persona = SelectField(_l("See the shop as"), choices=persona_choices, validate_choice=False)
    page = SelectField(_l("Coming from the page"), validate_choice=False)
    moment = DateTimeLocalField(_l("At"), format=DATETIME_FORMATS, validators=[Optional()])
    timezone = SelectField(_l("Time zone"), validate_choice=False)


class ScanForm(ShopForm):
    """The code staff scanned or typed (a GET: looking a code up changes nothing)."""

    class Meta:
        csrf = False

    code = StringField(_l("Code"), validators=[Optional(), Length(max=60)])


class RedeemForm(ShopForm):
    code = HiddenField(validators=[DataRequired(), Length(max=60)])
