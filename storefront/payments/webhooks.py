"""`POST /webhooks/stripe`: Stripe's signed events, verified on the raw body."""
from __future__ import annotations

import logging

import stripe
from flask import Blueprint, current_app, request

from ..database import utcnow
from ..errors import error_response
from .gateway import verify_webhook
from .service import handle_event

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
log = logging.getLogger(__name__)


@bp.post("/stripe")
def stripe_webhook():
    if not current_app.config.get("STRIPE_WEBHOOK_SECRET"):
        return error_response(404, "not_found", "Stripe is not configured.")
    payload = request.get_data(cache=False)  # the exact bytes Stripe signed
    signature = request.headers.get("Stripe-Signature", "")
    try:
        event = verify_webhook(payload, signature)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        log.warning("Refused a Stripe webhook: %s", exc)
        return error_response(400, "invalid_signature", "The webhook signature is not valid.")
    outcome = handle_event(event, now=utcnow())
    return {"received": True, "outcome": outcome}
