"""`GET /healthz` for load balancers: the app answers and the database does too."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint

from .extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        # Nothing to roll back here: the app context's teardown closes the session.
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
