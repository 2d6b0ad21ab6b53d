"""Platform launches: `POST /tab`, `GET /tab/telegram`, `GET /tab/vk`."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("social", __name__)
