"""The back office: staff pages for the catalog, stock, imports and exports (orders, settings and
dashboards arrive with their issues).

Owns staff-facing views and forms only; every rule lives in the owning area's service. Each route
names the permission it needs; unmarked routes are refused (see accounts.permissions).
"""
