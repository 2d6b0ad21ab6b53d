"""Back-office forms. They check shape (required, length) and carry the CSRF token; the catalog
rules (unique SKU, price format, stock ≥ 0, category cycles) are checked by catalog.editing, and
its errors are shown on the field they name. Buttons without fields use `shell.ConfirmForm`."""
from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from ..i18n import LANGUAGE_NAMES
from ..text_input import ShopForm


@cache
def translated_form(form_class: type[ShopForm], languages: tuple[str, ...]) -> type[ShopForm]:
    """`form_class` with, for each of `languages` (all but the default), an optional copy of each
    field in its `translated_fields`, named `<field>_<language>` ("title_es"): staff write every
    language side by side, and a blank one falls back to the default language."""

    class TranslatedForm(form_class):
        translation_languages = languages

    for language in languages:
        for name in form_class.translated_fields:
            unbound = getattr(form_class, name)
            kwargs = dict(unbound.kwargs)
            kwargs["validators"] = [Optional()] + [v for v in kwargs.get("validators", [])
                                                 if not isinstance(v, (DataRequired, Optional))]
            kwargs.pop("description", None)
            label = _l("%(field)s (%(language)s)", field=unbound.args[0], language=LANGUAGE_NAMES.get(language, language))
            setattr(TranslatedForm, f"{name}_{language}", unbound.field_class(label, **kwargs))
    return TranslatedForm


def translations_of(form: ShopForm, languages) -> dict[str, dict[str, str]]:
    """The translated fields' texts as {language: {field: text}} (blank ones included: a blank
    text removes that translation)."""
    return {language: {name: getattr(form, f"{name}_{language}").data or "" for name in form.translated_fields}
            for language in languages}


def fill_translations(form: ShopForm, translations: dict | None, languages) -> None:
    """Put a row's stored translations into the form's fields (on a GET)."""
    for language in languages:
        entry = (translations or {}).get(language) or {}
        for name in form.translated_fields:
            getattr(form, f"{name}_{language}").data = entry.get(name, "")


def option_translations_of(formdata, option_names: list[str], values: dict[str, list[str]],
                           languages) -> dict[str, dict[str, dict]]:
    """The product form's option words, posted as `option-<lang>-<i>` (the i-th option's name)
    and `value-<lang>-<i>-<j>` (its j-th value), as {language: {"options": …, "values": …}}."""
    result = {}
    for language in languages:
        names = {name: formdata.get(f"option-{language}-{i}", "") for i, name in enumerate(option_names)}
        words = {name: {value: formdata.get(f"value-{language}-{i}-{j}", "")
                        for j, value in enumerate(values.get(name, []))}
                 for i, name in enumerate(option_names)}
        result[language] = {"options": names, "values": words}
    return result


def option_word_rows(option_names: list[str], values: dict[str, list[str]], translations: dict | None,
                     language: str, formdata=None) -> list[dict]:
    """The product form's inputs for one language's option words: each option's name, then its
    values, with what staff sent (`formdata`) or what is stored."""
    entry = (translations or {}).get(language) or {}
    rows = []
    for i, name in enumerate(option_names):
        key = f"option-{language}-{i}"
        stored = (entry.get("options") or {}).get(name, "")
        rows.append({"name": key, "label": name, "text": formdata.get(key, "") if formdata else stored, "option": True})
        for j, value in enumerate(values.get(name, [])):
            key = f"value-{language}-{i}-{j}"
            stored = ((entry.get("values") or {}).get(name) or {}).get(value, "")
            rows.append({"name": key, "label": value, "text": formdata.get(key, "") if formdata else stored,
                         "option": False})
    return rows


class ProductForm(ShopForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Address (slug)"), validators=[Optional(), Length(max=120)],
                       description=_l("Leave blank to make one from the title."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20_000)])
    brand = StringField(_l("Brand"), validators=[Optional(), Length(max=120)])
    category_id = SelectField(_l("Category"), coerce=int, validate_choice=False)
    option_names = StringField(_l("Option names"), validators=[Optional(), Length(max=200)],
                               description=_l("Comma-separated, in order, e.g. “Size, Colour”."))
    active = BooleanField(_l("Visible in the shop"), default=True)

    translated_fields = ("title", "description")


class VariantForm(ShopForm):
    """SKU, prices and stock; one `option_N` field per product option is added by `variant_form_for`."""

    sku = StringField(_l("SKU"), validators=[DataRequired(), Length(max=64)])
    stock_seen = HiddenField(validators=[Optional(), Length(max=12)])  # as StockForm.seen
    price = StringField(_l("Price"), validators=[DataRequired(), Length(max=32)],
                        description=_l("In euros or the shop's currency, e.g. 24.90"))
    compare_at_price = StringField(_l("Compare-at price"), validators=[Optional(), Length(max=32)],
                                   description=_l("The “was” price; leave blank when not on sale."))
    stock = StringField(_l("Stock"), validators=[DataRequired(), Length(max=12)], default="0")


def variant_form_for(option_names: list[str], **kwargs) -> VariantForm:
    """A variant form with a text field for each of the product's options."""

    class ProductVariantForm(VariantForm):
        pass

    for index, name in enumerate(option_names):
        setattr(ProductVariantForm, f"option_{index}",
                StringField(name, validators=[DataRequired(), Length(max=60)]))
    return ProductVariantForm(**kwargs)


def option_values(form: VariantForm, option_names: list[str]) -> dict[str, str]:
    return {name: getattr(form, f"option_{index}").data or "" for index, name in enumerate(option_names)}


class StockForm(ShopForm):
    stock = StringField(_l("Stock"), validators=[DataRequired(), Length(max=12)])
    # The stock the page showed: the edit is applied as a change to it, so sales made while
    # staff typed are kept (catalog.editing.set_stock).
    seen = HiddenField(validators=[Optional(), Length(max=12)])


class CategoryForm(ShopForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Address (slug)"), validators=[Optional(), Length(max=80)],
                       description=_l("Leave blank to make one from the name."))
    parent_id = SelectField(_l("Parent category"), coerce=int, validate_choice=False)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5_000)])

    translated_fields = ("name", "description")


class ImageUploadForm(ShopForm):
    image = FileField(_l("Image"), validators=[FileRequired(_l("Choose an image file."))],
                      description=_l("JPEG, PNG, WebP or GIF."))
    alt = StringField(_l("Alt text"), validators=[Optional(), Length(max=255)],
                      description=_l("What the picture shows, for people who cannot see it."))


class ImageAltForm(ShopForm):
    alt = StringField(_l("Alt text"), validators=[Optional(), Length(max=255)])


class ImageMoveForm(ShopForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class ImportForm(ShopForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ProductFilterForm(ShopForm):
    """The product list's filters, read from the query string (a GET form: no CSRF token). The
    search is plain text matched inside titles, slugs and SKUs. `category` choices are set by the view."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[_strip], validators=[
        Optional(), Length(max=100, message=_l("Search for at most %(max)d characters."))])
    category = SelectField(_l("Category"), coerce=int, validate_choice=True, default=0)
    stock = SelectField(_l("Stock"), validate_choice=True, default="", choices=[
        ("", _l("Any stock")), ("in_stock", _l("In stock")), ("low", _l("Low on stock")), ("sold_out", _l("Sold out"))])
    active = SelectField(_l("Visibility"), validate_choice=True, default="", choices=[
        ("", _l("Shown and hidden")), ("active", _l("Shown in the shop")), ("inactive", _l("Hidden"))])

    def __init__(self, *args, category_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [(0, _l("Any category")), *category_choices]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in (self.category, self.stock, self.active):
            if field.errors:  # an id or word from an old link, or typed into the address bar
                field.errors = [_l("Unknown choice: pick one from the list.")]
        return valid

    @property
    def filters(self) -> dict:
        """Keyword arguments for `queries.product_page`."""
        return {"search": self.q.data or None, "stock": self.stock.data or None,
                "category_id": self.category.data or None,
                "active": {"active": True, "inactive": False}.get(self.active.data)}

    @property
    def active_filters(self) -> bool:
        return bool(self.q.data or self.category.data or self.stock.data or self.active.data)


BULK_ACTIONS = ("activate", "deactivate", "set_category")


class BulkProductsForm(ShopForm):
    """A bulk action on the products ticked in the list (`product_id`, repeated). Without
    `confirmed` it asks for the confirmation page; with it, it acts."""

    action = SelectField(_l("With the selected products"), validate_choice=False, validators=[
        AnyOf(BULK_ACTIONS, message=_l("Choose what to do with the selected products."))], choices=[
        ("activate", _l("Show in the shop")), ("deactivate", _l("Hide from the shop")),
        ("set_category", _l("Move to a category"))])
    category_id = SelectField(_l("Category"), coerce=int, validate_choice=False, default=0)
    confirmed = HiddenField(validators=[Optional(), AnyOf(["yes"])])

    def __init__(self, *args, category_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [(0, _l("Choose a category")), *category_choices]

    def change(self) -> dict:
        """Keyword arguments for `editing.bulk_update_products`."""
        if self.action.data == "set_category":
            return {"category_id": self.category_id.data or 0}
        return {"active": self.action.data == "activate"}


# The audit log's areas, each the actions it holds (by the prefix of their codes).
AUDIT_AREAS = {
    "orders": (_l("Orders"), ("order.",)),
    "catalog": (_l("Catalog"), ("catalog.", "category.", "product.", "variant.", "image.")),
    "offers": (_l("Offers"), ("offer.",)),
    "reviews": (_l("Reviews"), ("review.", "question.", "inbox.")),
    "customers": (_l("Customers"), ("customer.",)),
    "settings": (_l("Settings"), ("settings.",)),
    "legal": (_l("Legal pages"), ("legal_page.",)),
    "staff": (_l("Staff"), ("user.",)),
}


class AuditFilterForm(ShopForm):
    """The audit log's filters, read from the query string (a GET form: no CSRF token): who acted
    (the staff members the log names) and in which area."""

    class Meta:
        csrf = False

    who = SelectField(_l("Who"), validate_choice=False)
    area = SelectField(_l("Area"), validate_choice=False, validators=[
        Optional(), AnyOf(list(AUDIT_AREAS), message=_l("Unknown area: choose one from the list."))])

    def __init__(self, *args, actors: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.who.choices = [("", _l("Anyone")), *actors]
        self.area.choices = [("", _l("Every area")), *((key, name) for key, (name, _prefixes) in AUDIT_AREAS.items())]

    def validate_who(self, field) -> None:
        if field.data and field.data not in {value for value, _name in field.choices}:
            raise ValidationError(_l("Unknown staff member: choose one from the list."))

    @property
    def active(self) -> bool:
        return bool(self.who.data or self.area.data)

    def action_prefixes(self) -> tuple[str, ...]:
        return AUDIT_AREAS[self.area.data][1] if self.area.data else ()
