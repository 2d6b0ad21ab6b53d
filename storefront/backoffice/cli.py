"""`flask media …`: what an operator runs once over the pictures the shop already stores."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from .pictures import clean_stored_pictures

media_cli = AppGroup("media", help="Stored product images and review photos.")


@media_cli.command("clean")
@click.option("--quiet", is_flag=True, help="Print only the totals.")
def clean_command(quiet: bool) -> None:
    """Write every stored picture that still carries metadata (where it was taken, the camera's
    serial number, its owner) again upright and without it, as uploads are stored now."""
    counts = clean_stored_pictures(progress=(lambda line: None) if quiet else click.echo)
    click.echo(", ".join(f"{name}: {counts[name]}" for name in ("cleaned", "already clean", "missing",
                                                                "too large", "unreadable")))
