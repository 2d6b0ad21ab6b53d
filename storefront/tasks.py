"""The task queue (Huey): one queue per process, on which each area registers its own tasks
(`mail/tasks.py`, `payments/tasks.py`). This module knows no area and imports none.

At import the queue keeps its (empty) storage in memory, so importing creates nothing; `init_app`
points it at HUEY_URL: a SQLite file in the instance folder by default (nothing to install),
`redis://…` in production (HUEY_URL falls back to REDIS_URL), where huey's Redis storage makes one
queue for every app node and worker: any node may queue a task, any worker runs it. The consumer runs on the app that `storefront.worker` builds
(`huey_consumer storefront.worker.huey`). Tests run tasks immediately, in-process.

Each task runs in a fresh app context (`task_context`), so it has its own database session even
when it runs immediately inside a request (the request's session has just committed and may not be
reused).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

huey = Huey("storefront", storage_class=MemoryStorage)
# The app a task runs in when nothing queued it from inside one: the consumer's (see
# storefront.worker). Tasks never build an app themselves.
_worker_app: Flask | None = None


def init_app(app: Flask) -> None:
    """Point the queue at the app's HUEY_URL, or run tasks in-process at once (TASKS_IMMEDIATE).

    The queue is one per process while apps may be several (tests make extra ones): an app may
    switch immediate mode on, never off again; the last app configured names the storage.
    :raise ValueError: for a HUEY_URL that is neither `sqlite:///…`, `redis://…` nor `memory://`.
    """
    huey.storage_class, huey.storage_kwargs = storage_for(app.config["HUEY_URL"])
    if app.config["TASKS_IMMEDIATE"]:
        huey.immediate = True  # in-memory storage: nothing is written anywhere
    elif not huey.immediate:
        huey.storage = huey.create_storage()


def storage_for(url: str) -> tuple[type, dict]:
    """The Huey storage class and its arguments for a HUEY_URL."""
    if url.startswith(("redis://", "rediss://")):
        return RedisStorage, {"url": url}
    if url.startswith("sqlite:///"):
        return SqliteStorage, {"filename": url.removeprefix("sqlite:///")}
    if url == "memory://":
        return MemoryStorage, {}
    raise ValueError(f"HUEY_URL must be sqlite:///PATH, redis://… or memory://, not {url!r}")


def bind_worker_app(app: Flask) -> None:
    """Run the tasks this process consumes in `app` (the worker's, built by storefront.worker)."""
    global _worker_app
    _worker_app = app


@contextmanager
def task_context() -> Iterator[None]:
    """A fresh app context for one task: of the app that queued it in-process (immediate mode),
    else of the worker's app.

    :raise RuntimeError: outside an app with no worker app set (a consumer started on this module
        instead of storefront.worker).
    """
    if has_app_context():
        app = current_app._get_current_object()
    elif _worker_app is not None:
        app = _worker_app
    else:
        raise RuntimeError("no app to run the task in: start the consumer on storefront.worker.huey")
    with app.app_context():
        yield
