from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ..text_input import ShopForm
from .models import ROLE_LABELS, Role
from .passwords import MAX_PASSWORD_LENGTH


class LoginForm(ShopForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in"))
    submit = SubmitField(_l("Sign in"))


class LogoutForm(ShopForm):
    """An empty form: signing out changes state, so it is a CSRF-protected POST."""


def role_choices() -> list[tuple[str, str]]:
    return list(ROLE_LABELS.items())


class InviteForm(ShopForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    # The least a newcomer may do, unless the admin chooses more.
    role = SelectField(_l("Role"), choices=role_choices, default=Role.SUPPORT.value)


class RoleForm(ShopForm):
    role = SelectField(_l("Role"), choices=role_choices)


class ChoosePasswordForm(ShopForm):
    """Setting a password from an e-mailed link (an invitation or a reset)."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))])


class ChangePasswordForm(ShopForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two passwords are not the same."))])
