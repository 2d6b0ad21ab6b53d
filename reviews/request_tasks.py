"""(Being built.) Periodic tasks, registered on storefront.tasks.huey at import."""
