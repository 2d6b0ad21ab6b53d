"""What the rush tests share: JSON calls to a real server, and jobs released at once by a barrier."""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

from storefront.extensions import db


def call(method: str, url: str, body=None, *, timeout: float = 120):
    """One JSON request; (status, decoded body), for error statuses too."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def at_once(jobs) -> list:
    """Run every job in its own thread, all released together by a barrier so they really
    overlap; their results in job order (an exception a job raised is its result)."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        barrier.wait()
        try:
            results[i] = job()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[i] = error

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return results


def in_own_context(app, work):
    """A job for a thread: `work()` in its own app context, so with its own database session."""
    def job():
        with app.app_context():
            try:
                return work()
            finally:
                db.session.remove()
    return job
