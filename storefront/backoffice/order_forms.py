"""Forms of the staff order pages: the list's filters, the ship and refund actions and notes.

They check shape (known choices, dates, lengths, an amount the currency can hold); the order rules
(which move the state allows, how much may still be refunded) are checked by orders.staff, and
its errors are shown on the field they name. Buttons without fields use `shell.ConfirmForm`.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from promotions.models import RedemptionStatus

from ..checkout.service import PAYMENT_METHOD_NAMES
from ..money import minor_digits, parse_major
from ..orders.models import OrderStatus, PaymentMethod
from ..orders.queries import MAX_SEARCH_LENGTH, OrderFilters
from ..orders.staff import MAX_NOTE_LENGTH
from ..text_input import ShopForm

# Staff read the state as it is; the shopper's tracking page words it for shoppers.
ORDER_STATUS_NAMES = {
    OrderStatus.PENDING_PAYMENT: _l("Awaiting payment"),
    OrderStatus.PAID: _l("Paid"),
    OrderStatus.FULFILLED: _l("Packed"),
    OrderStatus.SHIPPED: _l("Shipped"),
    OrderStatus.DELIVERED: _l("Delivered"),
    OrderStatus.CANCELLED: _l("Cancelled"),
    OrderStatus.REFUNDED: _l("Refunded"),
}
# An order's offers in the words the offer pages use: held until paid, redeemed once paid,
# released when the order ended unpaid. Each badge names one redemption, where the offer pages'
# columns of the same words count many ("Izmantots" beside the column "Izmantoti").
REDEMPTION_STATUS_NAMES = {
    RedemptionStatus.HELD: lazy_pgettext("one redemption", "Held"),
    RedemptionStatus.CONFIRMED: lazy_pgettext("one redemption", "Redeemed"),
    RedemptionStatus.RELEASED: lazy_pgettext("one redemption", "Released"),
}
# Dates outside these bounds cannot be turned into instants in every time zone; no order is there.
EARLIEST_DAY = dt.date(1970, 1, 1)
LATEST_DAY = dt.date(9998, 12, 31)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class DayField(DateField):
    """A day typed as YYYY-MM-DD (what a browser's date input sends), with a message staff can act on."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a date as YYYY-MM-DD, for example 2026-11-23.")) from None

    def pre_validate(self, form):
        if self.data is not None and not EARLIEST_DAY <= self.data <= LATEST_DAY:
            raise ValidationError(_l("Enter a date between 1970 and 9998."))


class OrderFilterForm(ShopForm):
    """The order list's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[_strip], validators=[
        Optional(), Length(max=MAX_SEARCH_LENGTH, message=_l("Search for at most %(max)d characters."))])
    status = SelectField(_l("Status"), validate_choice=False, validators=[
        Optional(), AnyOf([s.value for s in OrderStatus], message=_l("Unknown status: choose one from the list."))])
    payment_method = SelectField(_l("Payment method"), validate_choice=False, validators=[
        Optional(), AnyOf([m.value for m in PaymentMethod],
                          message=_l("Unknown payment method: choose one from the list."))])
    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("To"), validators=[Optional()])
    # The dashboard's "holds ending soon" links here: unpaid orders whose stock hold ends within 24 h.
    hold = SelectField(_l("Stock hold"), validate_choice=False, validators=[
        Optional(), AnyOf(["ending"], message=_l("Unknown hold filter: choose one from the list."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hold.choices = [("", _l("Any")), ("ending", _l("Ends within 24 h"))]
        self.status.choices = [("", _l("Any status"))] + [(s.value, name) for s, name in ORDER_STATUS_NAMES.items()]
        self.payment_method.choices = [("", _l("Any method"))] + [
            (m.value, PAYMENT_METHOD_NAMES[m]) for m in PaymentMethod]

    def validate_date_to(self, field):
        if field.data and self.date_from.data and self.date_from.data > field.data:
            raise ValidationError(_l("The end date is before the start date."))

    def filters(self, now: dt.datetime, hold_window: dt.timedelta) -> OrderFilters:
        return OrderFilters(status=self.status.data or None, payment_method=self.payment_method.data or None,
                            date_from=self.date_from.data, date_to=self.date_to.data, search=self.q.data or None,
                            hold_ends_before=now + hold_window if self.hold.data else None)

    @property
    def active(self) -> bool:
        return any(field.data for field in (self.q, self.status, self.payment_method, self.date_from, self.date_to,
                                            self.hold))


class ShipForm(ShopForm):
    carrier = StringField(_l("Carrier"), filters=[_strip], validators=[
        DataRequired(_l("Please name the carrier.")), Length(max=60)])
    tracking_number = StringField(_l("Tracking number"), filters=[_strip], validators=[
        DataRequired(_l("Please enter the tracking number.")), Length(max=80)])


class RefundForm(ShopForm):
    """An amount in major units ("12.50"); `amount_minor` holds it in minor units once valid."""

    amount = StringField(_l("Amount to refund"), filters=[_strip], validators=[
        DataRequired(_l("Enter the amount to refund.")), Length(max=32)])

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.amount_minor: int | None = None

    def validate_amount(self, field):
        try:
            self.amount_minor = parse_major(field.data, self.currency)
        except ValueError:
            raise ValidationError(_l("Enter an amount such as 12.50, above zero and with at most "
                                     "%(digits)d decimal places.", digits=minor_digits(self.currency))) from None


class NoteForm(ShopForm):
    """An internal note on an order (staff read it on the timeline; the shopper never does)."""

    text = TextAreaField(_l("Note"), filters=[_strip], validators=[
        DataRequired(_l("Write the note.")),
        Length(max=MAX_NOTE_LENGTH, message=_l("Write a note of at most %(max)d characters."))])
