"""The admission check for checkout work: a bounded number at once, a short bounded wait, the rest
refused at once.

Placing an order and starting a card payment hold locks on the hottest rows (the cart, the
variants on sale, the offer's counter) or wait on the payment provider. When far more shoppers
arrive than the shop can serve, a queue of them only grows until they give up, and the work done
for those who left is wasted. So each worker process lets at most CHECKOUT_MAX_CONCURRENT such
requests run at once. As many more may wait for a slot, each at most CHECKOUT_QUEUE_WAIT_MS (a
checkout takes a few hundred milliseconds, so a short wait usually ends in a slot, and the shopper
is spared a refusal and a retry); one more, or one whose wait ran out, is answered with 503,
`Retry-After: BUSY_RETRY_AFTER_SECONDS` and the friendly page (or the API's error body): it took
no slot, locked nothing, wrote nothing and counted nothing, so trying again is always safe.

The slots are per process (gunicorn's workers share nothing), made on first use, and remade when
a setting changes. A limit below 1 turns the check off. For the check to shed anything the
limit plus the waiting places must be below the worker's thread count, which leaves threads free
to answer the refusals (and every other page) while the admitted checkouts run.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps

from flask import Flask, current_app, url_for
from flask_babel import lazy_gettext as _l

from ..errors import Unavailable

EXTENSION_KEY = "checkout_admission"
MARK = "checkout_admission"  # on a decorated view: its retry endpoint, or True
# The API's documentation of the refusal (flask-smorest, via api_errors.error_responses).
API_ERRORS = {503: "`busy`: too many checkouts at once; nothing was done. Try again after `Retry-After` "
                   "seconds (also `database_unavailable` while the database is briefly away)."}
_making = threading.Lock()


class CheckoutBusy(Unavailable):
    code = "busy"
    default_message = _l("Many shoppers are checking out right now. Nothing was ordered or charged: please try "
                         "again in a few seconds.")


class Gate:
    """At most `limit` holders at once; up to `limit` more wait at most `wait` seconds each for a
    place; anyone beyond, or whose wait runs out, is refused."""

    def __init__(self, limit: int, wait: float = 0.0):
        self.limit, self.wait = limit, max(wait, 0.0)
        self.places = limit if self.wait > 0 else 0  # how many may wait at once
        self._slots = threading.BoundedSemaphore(max(limit, 1))
        self._count_lock = threading.Lock()
        self.in_flight = self.waiting = 0

    def try_enter(self) -> bool:
        if self.limit < 1:
            return True
        if not self._slots.acquire(blocking=False) and not self._wait_for_slot():
            return False
        with self._count_lock:
            self.in_flight += 1
        return True

    def _wait_for_slot(self) -> bool:
        with self._count_lock:
            if self.waiting >= self.places:
                return False
            self.waiting += 1
        try:
            return self._slots.acquire(timeout=self.wait)
        finally:
            with self._count_lock:
                self.waiting -= 1

    @property
    def full(self) -> bool:
        """Whether one more would be refused at once: every slot and every waiting place taken."""
        return self.limit >= 1 and self.in_flight >= self.limit and self.waiting >= self.places

    def leave(self) -> None:
        if self.limit < 1:
            return
        with self._count_lock:
            self.in_flight -= 1
        self._slots.release()


def checkout_gate(app: Flask | None = None) -> Gate:
    """This process's gate for `app` (the current app by default), at its configured settings."""
    app = app or current_app._get_current_object()
    limit = int(app.config["CHECKOUT_MAX_CONCURRENT"])
    wait = int(app.config.get("CHECKOUT_QUEUE_WAIT_MS", 0)) / 1000
    gate = app.extensions.get(EXTENSION_KEY)
    if gate is None or (gate.limit, gate.wait) != (limit, wait):
        with _making:
            gate = app.extensions.get(EXTENSION_KEY)
            if gate is None or (gate.limit, gate.wait) != (limit, wait):
                gate = app.extensions[EXTENSION_KEY] = Gate(limit, wait)
    return gate


@contextmanager
def admitted(retry_url: str | None = None) -> Iterator[None]:
    """Hold a checkout slot for the block, waiting for one within the gate's bounds.
    :raise CheckoutBusy: when none came free."""
    gate = checkout_gate()
    if not gate.try_enter():
        raise CheckoutBusy(retry_url=retry_url)
    try:
        yield
    finally:
        gate.leave()


def admit_checkout(view=None, *, retry_endpoint: str | None = None):
    """Decorate a checkout view with the admission check; `retry_endpoint` names the page a
    refused form post is tried again from (a refused GET is retried at its own address)."""

    def decorate(view):
        @wraps(view)
        def admitted_view(*args, **kwargs):
            with admitted(url_for(retry_endpoint) if retry_endpoint else None):
                return view(*args, **kwargs)

        setattr(admitted_view, MARK, retry_endpoint or True)
        return admitted_view

    return decorate(view) if view is not None else decorate


def admission_mark(view, method: str):
    """For a view function as the app holds it: its decorator's retry endpoint (True without one)
    when `method` on it is checkout work, else None. Class-based views (the API's) carry the mark
    on the method."""
    if view is None:
        return None
    target = getattr(getattr(view, "view_class", None), method.lower(), view)
    return getattr(target, MARK, getattr(view, MARK, None))
