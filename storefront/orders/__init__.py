"""Orders: what a shopper bought, at which prices, and where it is in its life.

Owns `Order`, `OrderLine` (what a verified review will hang on), the offers it got by name
(`OrderDiscount`), the breakdown every page and mail shows of its money (`breakdown`), the timeline
of `OrderEvent`s (staff's internal notes among them) and the state machine. Transitions are
conditional UPDATEs, so two staff members or a webhook racing a cancel cannot both win. It must not
talk to Stripe or send mail itself: payments and mail react.
"""
