"""Forms of the customer pages: the list's search and sort, and the typed confirmation of an erasure."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from ..text_input import ShopForm
from .queries import MAX_SEARCH_LENGTH, SORTS

SORT_NAMES = {
    "last_order": _l("Latest order"),
    "spend": _l("Spend"),
    "orders": _l("Number of orders"),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CustomerFilterForm(ShopForm):
    """The list's search and sort, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[_strip], validators=[
        Optional(), Length(max=MAX_SEARCH_LENGTH, message=_l("Search for at most %(max)d characters."))])
    sort = SelectField(_l("Sort by"), validate_choice=False, default="last_order", validators=[
        Optional(), AnyOf(SORTS, message=_l("Unknown sorting: choose one from the list."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sort.choices = list(SORT_NAMES.items())

    @property
    def active(self) -> bool:
        return bool(self.q.data)


class EraseForm(ShopForm):
    """The erasure's confirmation: the customer's e-mail address, typed."""

    email = StringField(_l("Type the customer's e-mail address to confirm"), filters=[_strip], validators=[
        DataRequired(message=_l("Type the customer's e-mail address to confirm.")), Length(max=254)])
