"""`flask users …`: operators manage staff accounts from the shell."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..errors import ShopError
from ..extensions import db
from .models import Role, User
from .service import create_user

users_cli = AppGroup("users", help="Manage staff accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.password_option(help="Asked for when not given (at least 10 characters).")
def create_command(email: str, role: str, password: str) -> None:
    """Create a staff account with ROLE."""
    try:
        user = create_user(email, password, role)
    except ShopError as exc:
        raise click.ClickException(str(exc.message)) from None
    click.echo(f"Created {user.role} {user.email}")


@users_cli.command("list")
def list_command() -> None:
    """List staff accounts."""
    for user in db.session.scalars(sa.select(User).order_by(User.email)):
        click.echo(f"{user.email}\t{user.role}\t{'active' if user.active else 'disabled'}")
