"""The task worker's entry point: `huey_consumer storefront.worker.huey` (see the Makefile).

Like `wsgi.py` for the web server, this module builds the app from the environment as it is
imported: the factory points the queue at HUEY_URL and each area registers its tasks, and the
tasks this process consumes run in this app (`tasks.task_context`). Nothing else imports it.
"""
from __future__ import annotations

from . import create_app, tasks

app = create_app()
tasks.bind_worker_app(app)
huey = tasks.huey
