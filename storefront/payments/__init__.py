"""Payments: Stripe PaymentIntents and webhooks, manual methods, refunds, reconciliation.

Owns the conversation with Stripe and the record of which webhook events were processed. An order
becomes paid only here, from a verified webhook (card) or a staff action (manual methods). It must
not price anything: it charges exactly `Order.total`.
"""
