"""What can go wrong when money moves: the payments area's domain errors.

Apart from the services so that the payment service and the refunds, which use each other's
steps, share them without importing each other.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..errors import ConflictError, ShopError


class PaymentUnavailable(ShopError):
    code = "payment_unavailable"
    status = 503
    default_message = _l("We could not reach the payment provider. Nothing was charged; please try again.")


class EventMismatch(ShopError):
    code = "event_mismatch"
    default_message = _l("The event does not match the order.")


class AlreadyPaid(ConflictError):
    code = "already_paid"
    default_message = _l("This order is already paid.")


class InvalidRefund(ShopError):
    code = "invalid_refund"
