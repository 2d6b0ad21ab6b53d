"""The support inbox and review moderation in the back office. (Being built.)"""
from __future__ import annotations

from storefront.backoffice.shell import staff_blueprint

bp = staff_blueprint("inbox", __name__, "/admin/inbox")
