from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from ..accounts.models import Permission
from ..accounts.permissions import endpoint_permission, permission_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def deny_unmarked_routes():
    # Deny by default: a back-office view without a declared permission is never served.
    if endpoint_permission(request.endpoint) is None:
        abort(403)


@bp.get("/")
@permission_required(Permission.ACCESS_BACKOFFICE)
def dashboard():
    return render_template("admin/dashboard.html", user=current_user)
