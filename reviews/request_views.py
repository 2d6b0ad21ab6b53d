"""The review request's links: unsubscribe. (Being built.)"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("review_requests", __name__)
