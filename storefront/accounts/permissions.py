"""Route-level permission checks. Deny by default: a staff route must name its permission.

`permission_required(P)` marks the view with the permission it needs; every staff blueprint
(`backoffice.shell.staff_blueprint`) refuses any of its endpoints that carry no mark, so a
forgotten decorator means "no one may", never "anyone may".
"""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app
from flask_login import current_user

from .models import Permission


def permission_required(permission: Permission):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator


def endpoint_permission(endpoint: str) -> Permission | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "required_permission", None)
