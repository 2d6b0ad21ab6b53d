"""The checkout's forms. They name and bound the fields; choices come from the shop's settings."""
from __future__ import annotations

import json

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length, Optional, StopValidation, ValidationError

from ..delivery import needs_address, shipping_method_names
from ..i18n import country_name, sort_key
from ..text_input import ShopForm
from .addresses import InvalidPostalCode, postal_code_example, written_postal_code
from .service import NOT_OFFERED


class NeededForDelivery(DataRequired):
    """Required, unless the delivery chosen needs no address (a pick-up): then not judged at all,
    and the order keeps none of it."""

    def __call__(self, form, field):
        if not needs_address(form.shipping_method.data):
            field.errors[:] = []
            raise StopValidation()
        super().__call__(form, field)


class DetailsForm(ShopForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(_l("Please enter a valid e-mail address.")), Length(max=254)],
                       description=_l("For your receipt and the tracking link."))
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    address_line1 = StringField(_l("Street and house number"), validators=[NeededForDelivery(), Length(max=200)])
    address_line2 = StringField(_l("Apartment, floor (optional)"), validators=[Optional(), Length(max=200)])
    city = StringField(_l("City"), validators=[NeededForDelivery(), Length(max=120)])
    # Required or not, and its form, by the country (`validate_postal_code`).
    postal_code = StringField(_l("Postal code"), validators=[Length(max=20)])
    country = SelectField(_l("Country"), validators=[NeededForDelivery()])
    # Asked whatever the delivery: a pick-up has no courier, so the hint names who may call.
    phone = TelField(_l("Phone (optional)"), validators=[Optional(), Length(max=40)],
                     description=_l("In case the courier or our studio needs to reach you about this order."))
    # Its choices are the deliveries on offer; one the shop stopped offering (a page open since, a
    # crafted post) is refused with that reason, not as an unknown value.
    shipping_method = RadioField(_l("Delivery"), validators=[DataRequired()], validate_choice=False)
    payment_method = RadioField(_l("Payment"), validators=[DataRequired()])

    def set_choices(self, shipping: list[tuple[str, str]], payment: list[tuple[str, str]]) -> None:
        countries = current_app.config["SHIP_TO_COUNTRIES"]
        # In the reader's alphabetical order: "Īrija" among the I's, "Čehija" after the C's.
        self.country.choices = sorted(((c, country_name(c) or c) for c in countries), key=lambda c: sort_key(c[1]))
        self.shipping_method.choices = shipping
        self.payment_method.choices = payment
        # The chosen country's form as the placeholder; checkout.js follows a change of country.
        examples = {code: example for code in countries if (example := postal_code_example(code))}
        self.postal_code.render_kw = {"data-examples": json.dumps(examples, separators=(",", ":"))}
        if self.country.data in examples:
            self.postal_code.render_kw["placeholder"] = examples[self.country.data]

    def validate_postal_code(self, field) -> None:
        """The postcode as the chosen country writes it (kept as typed when refused)."""
        if not needs_address(self.shipping_method.data):
            return
        try:
            field.data = written_postal_code(self.country.data or "", field.data or "")
        except InvalidPostalCode as refused:
            raise ValidationError(refused.message) from None

    def validate_shipping_method(self, field) -> None:
        if field.data not in {code for code, _name in field.choices}:
            raise ValidationError(NOT_OFFERED if field.data in shipping_method_names()
                                  else _l("Please choose a delivery option."))


class PlaceOrderForm(ShopForm):
    # The total the shopper is looking at; if the server's differs, nothing is ordered.
    shown_total = HiddenField()
