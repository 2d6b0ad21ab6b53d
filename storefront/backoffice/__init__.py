"""The back office: staff pages for the catalog, stock, imports and exports, and orders (settings
and dashboards arrive with their issues), and the shell every staff area shares (`shell`).

Owns staff-facing views and forms only; every rule lives in the owning area's service. Each route
names the permission it needs; unmarked routes are refused (see `shell` and accounts.permissions).
`bp` is the catalog and orders area's blueprint; `views` and `order_views` add its routes.
"""
from .shell import staff_blueprint

bp = staff_blueprint("admin", __name__, url_prefix="/admin")
