"""`flask users …`: operators manage staff accounts from the shell."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from ..database import utcnow
from ..errors import ShopError
from ..extensions import db
from .models import Role, User
from .service import create_user, reset_password, set_active
from .sessions import sign_out_everywhere

users_cli = AppGroup("users", help="Manage staff accounts.")


def operator_command(command: Callable) -> Callable:
    """Messages in the shop's default language (there is no browser to choose one), and domain
    errors as a clean one-line failure instead of a traceback."""

    @wraps(command)
    def wrapped(*args, **kwargs):
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            try:
                return command(*args, **kwargs)
            except ShopError as exc:
                raise click.ClickException(str(exc.message)) from None

    return wrapped


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.password_option(help="Asked for when not given (at least 10 characters, not easily guessed).")
@operator_command
def create_command(email: str, role: str, password: str) -> None:
    """Create a staff account with ROLE."""
    user = create_user(email, password, role)
    click.echo(f"Created {user.role} {user.email}")


@users_cli.command("list")
def list_command() -> None:
    """List staff accounts."""
    for user in db.session.scalars(sa.select(User).order_by(User.email)):
        click.echo(f"{user.email}\t{user.role}\t{'active' if user.active else 'disabled'}")


@users_cli.command("disable")
@click.argument("email")
@operator_command
def disable_command(email: str) -> None:
    """Disable a staff account: it can no longer sign in and is signed out at once."""
    user = set_active(email, False, keep_an_admin=False)
    click.echo(f"Disabled {user.email}")


@users_cli.command("enable")
@click.argument("email")
@operator_command
def enable_command(email: str) -> None:
    """Enable a disabled staff account again."""
    user = set_active(email, True)
    click.echo(f"Enabled {user.email}")


@users_cli.command("set-password")
@click.argument("email")
@click.password_option(help="Asked for when not given (at least 10 characters, not easily guessed).")
@operator_command
def set_password_command(email: str, password: str) -> None:
    """Set a staff member's password; every session of theirs ends."""
    user = reset_password(email, password)
    click.echo(f"New password set for {user.email}; they were signed out everywhere")


@users_cli.command("sign-out")
@click.argument("email")
@operator_command
def sign_out_command(email: str) -> None:
    """End every session of a staff member (a lost laptop, a leaked cookie)."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException("There is no staff account with that e-mail.")
    sign_out_everywhere(user.id, actor=None, now=utcnow())
    click.echo(f"Signed out {user.email} everywhere")
