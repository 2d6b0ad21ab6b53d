"""`flask payments …`: operators repair what a lost webhook or a stopped worker left behind."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..database import utcnow
from .service import expire_reservations, reconcile

payments_cli = AppGroup("payments", help="Card payments and stock holds.")


@payments_cli.command("reconcile")
@click.option("--hours", default=48, show_default=True, help="How far back to look.")
def reconcile_command(hours: int) -> None:
    """Re-read recent PaymentIntents from Stripe and apply any outcome a webhook failed to bring."""
    counts = reconcile(now=utcnow(), hours=hours)
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()) or "nothing to reconcile")


@payments_cli.command("expire")
def expire_command() -> None:
    """Release the stock of unpaid orders whose hold has run out."""
    click.echo(f"released {expire_reservations(utcnow())} orders")
