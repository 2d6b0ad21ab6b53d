"""The cart's page forms. They carry CSRF and name the fields; the values are checked by
`cart.service` (`parse_quantity`, `find_variant`), so pages and the API refuse the same input with
the same messages. No form has a price field: prices come from the catalog only.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField

from ..text_input import ShopForm


class AddToCartForm(ShopForm):
    # The product the form was on, so a refused add re-renders that product page.
    product_id = HiddenField()
    variant_id = StringField(_l("Option"))
    quantity = StringField(_l("Quantity"), default="1")


class ChangeQuantityForm(ShopForm):
    variant_id = HiddenField()
    quantity = StringField(_l("Quantity"))


class RemoveLineForm(ShopForm):
    variant_id = HiddenField()


class CodeForm(ShopForm):
    """The code box: one field, the code (nothing a shopper says about themselves is read)."""

    code = StringField(_l("Code"))
