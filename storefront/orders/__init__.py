"""Orders: what a shopper bought, at which prices, and where it is in its life.

Owns `Order`, `OrderLine` (what a verified review will hang on), the timeline of `OrderEvent`s and
the state machine. Transitions are conditional UPDATEs, so two staff members or a webhook racing a
cancel cannot both win. It must not talk to Stripe or send mail itself: payments and mail react.
"""
