"""`flask users …`: operators manage staff accounts from the shell."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from ..errors import ShopError
from ..extensions import db
from .models import Role, User
from .service import create_user, set_active

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
@click.password_option(help="Asked for when not given (at least 10 characters).")
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
    user = set_active(email, False)
    click.echo(f"Disabled {user.email}")


@users_cli.command("enable")
@click.argument("email")
@operator_command
def enable_command(email: str) -> None:
    """Enable a disabled staff account again."""
    user = set_active(email, True)
    click.echo(f"Enabled {user.email}")
