"""(Being built.)"""
from __future__ import annotations


def connect() -> None:
    """Connect this part's signal receivers and register its mail renderers."""
