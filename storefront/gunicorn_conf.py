"""Gunicorn settings for the shop: `gunicorn -c python:storefront.gunicorn_conf wsgi:app`.

Made for a flood of shoppers: under overload the shop must shed early, not queue until clients
give up, and spread the load over its workers. Every value can be overridden from the
environment (names below) or by a flag on the command line. Standard library only: the bench reads
this file for servers of other apps too (bench/gunicorn_conf.py).

- One queue for all workers, and none inside them. A gthread worker takes a connection only while
  it has a free thread (`worker_connections` = `threads`), so waiting connections stay in the
  kernel's accept queue that every worker takes from, and the first worker to finish serves the
  next shopper. (With gunicorn's default of 1,000 connections per worker, a busy worker keeps
  accepting into a queue of its own while another idles, and keep-alive pins a client's
  connection to one worker: wrk's 8 connections all on one of two workers.)
- No keep-alive between the shop and its client: it would hold a thread's slot open between
  requests. In production a balancer (nginx, HAProxy) in front keeps the browsers' connections
  alive; here every request is a new loopback connection, which costs far less than a page.
- A bounded accept queue (`backlog`): beyond it the kernel takes no more connections (clients
  retry theirs), so nothing waits unseen in a queue of thousands. Within it, a page read that
  waited too long is answered 503 from a ready copy, without being rendered
  (storefront/health.py), so the queue drains fast and stays short under overload.
- Timeouts: a worker silent for `timeout` seconds is restarted; on a deploy or a stop, requests
  in flight get `graceful_timeout` seconds to finish (a checkout takes well under one).
"""
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


# Two processes (one per core on the reference machine) of four threads: while one thread waits on
# the database another renders, and the GIL allows no more CPU than one core per process.
workers = _int("GUNICORN_WORKERS", 2)
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
worker_connections = threads
keepalive = 0
backlog = _int("GUNICORN_BACKLOG", 512)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
# A worker that restarts re-imports the app (a second or more of CPU): not worth doing every N
# requests without a leak to cure, least of all in the middle of a rush. Off unless asked for.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
# The heartbeat file on tmpfs: a worker is never taken for dead while a slow disk syncs.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "storefront"
# gunicorn 27 opens a control socket in ~/.gunicorn/ by default, one path for every gunicorn the
# user runs (two nodes, a bench, a test server): the shop does not use it.
control_socket_disable = True


def on_starting(server) -> None:
    """Send no `Server: gunicorn` banner: it tells a scanner which server's flaws to try.

    gunicorn has no setting for it; its response writes the banner as the first of its default
    header lines, so the workers (forked from this master afterwards) drop that line. Imported
    here, not at the top, so that this file stays readable without gunicorn (the bench reads it).
    """
    from gunicorn.http import wsgi

    default_headers = wsgi.Response.default_headers
    if getattr(default_headers, "drops_server_banner", False):
        return

    def without_banner(response):
        return [line for line in default_headers(response) if not line.lower().startswith("server:")]

    without_banner.drops_server_banner = True
    wsgi.Response.default_headers = without_banner
