"""Gunicorn settings for every server the bench starts: the shop's own, plus a request count per worker.

The settings are the shop's production ones, `storefront/gunicorn_conf.py`, read from its file so
that the hello world and django-oscar (in a virtualenv without Flask) get exactly the same; until
that file exists, the flags `make run` passes (2 workers × 4 threads). The bench adds one hook:
each worker counts the requests it answered in a small file named after its pid, in the folder
BENCH_COUNT_DIR names, so the bench can say how the load was split over the workers without an
access log (whose formatting would cost every request some CPU).
"""
import mmap
import os
import runpy
import struct
import threading
from pathlib import Path

_SHOP_CONF = Path(__file__).resolve().parent.parent / "storefront" / "gunicorn_conf.py"

if _SHOP_CONF.exists():
    _shop = runpy.run_path(str(_SHOP_CONF))
    globals().update({name: value for name, value in _shop.items() if not name.startswith("_")})
    SOURCE = str(_SHOP_CONF.relative_to(_SHOP_CONF.parent.parent))
else:
    _shop = {}
    workers = 2
    threads = 4
    SOURCE = "--workers 2 --threads 4 (the flags `make run` passes)"

_COUNT = struct.Struct("<Q")
_counter = {"value": 0, "map": None}
_lock = threading.Lock()


def _chain(name, own):
    """A hook running the shop's hook of that name (if it has one) and then ours."""
    theirs = _shop.get(name)
    if theirs is None:
        return own

    def both(*args):
        theirs(*args)
        own(*args)
    return both


def _open_count(server, worker):
    folder = os.environ.get("BENCH_COUNT_DIR")
    if not folder:
        return
    path = Path(folder) / str(os.getpid())
    path.write_bytes(bytes(_COUNT.size))
    with path.open("r+b") as file:
        _counter["map"] = mmap.mmap(file.fileno(), _COUNT.size)
    _counter["value"] = 0


def _count(worker, req, environ, resp):
    counts = _counter["map"]
    if counts is not None:
        with _lock:  # the worker's threads answer at once
            _counter["value"] += 1
            _COUNT.pack_into(counts, 0, _counter["value"])


post_fork = _chain("post_fork", _open_count)
post_request = _chain("post_request", _count)
