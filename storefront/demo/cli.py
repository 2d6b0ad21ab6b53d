from __future__ import annotations

import click
from flask.cli import AppGroup

from .data import load_demo

demo_cli = AppGroup("demo", help="Demo data for a first look at the shop.")


@demo_cli.command("load")
def load_command() -> None:
    """Load the demo catalog and staff accounts (idempotent)."""
    click.echo(load_demo())
