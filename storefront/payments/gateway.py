"""The Stripe client, configured from settings (production keys, or a local test server)."""
from __future__ import annotations

import stripe
from flask import current_app


def stripe_enabled() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def client() -> stripe.StripeClient:
    config = current_app.config
    options = {"max_network_retries": config["STRIPE_MAX_NETWORK_RETRIES"]}
    if config.get("STRIPE_API_BASE"):
        # The local Stripe test server (localstripe) in tests and the demo.
        options["base_addresses"] = {"api": config["STRIPE_API_BASE"]}
    return stripe.StripeClient(config["STRIPE_SECRET_KEY"], **options)


def create_payment_intent(*, order_id: int, number: str, amount: int, currency: str):
    # The idempotency key ties the intent to the order: a retried request after a network error
    # gets the same intent back from Stripe instead of a second one.
    return client().v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": currency.lower(),
            "payment_method_types": ["card"],
            "metadata": {"order_id": str(order_id), "order_number": number},
        },
        options={"idempotency_key": f"order-{order_id}-payment-intent"},
    )


def retrieve_payment_intent(intent_id: str):
    return client().v1.payment_intents.retrieve(intent_id)


def retrieve_charge(charge_id: str):
    return client().v1.charges.retrieve(charge_id)


def refund(*, intent_id: str, amount: int, idempotency_key: str):
    return client().v1.refunds.create(
        params={"payment_intent": intent_id, "amount": amount},
        options={"idempotency_key": idempotency_key},
    )


def verify_webhook(payload: bytes, signature: str):
    """:raise ValueError, stripe.SignatureVerificationError: for a body that is not a signed event."""
    return stripe.Webhook.construct_event(
        payload, signature, current_app.config["STRIPE_WEBHOOK_SECRET"],
        tolerance=current_app.config["STRIPE_WEBHOOK_TOLERANCE"],
    )
