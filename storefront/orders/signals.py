"""What happens to an order, announced for the areas that react to it (django-oscar's idiom).

The state machine (`orders.service`) sends these signals; it never calls another area itself.
Promotions confirm or give back redemptions and issue thank-you codes, mail writes the receipt and
the shipping notice to its outbox, and reviews (later) ask for a review on delivery, each by
subscribing from its own package's `init_app`.

Every signal is sent **inside the transaction of the change**, after the status UPDATE succeeded
and before the use case commits: a receiver's writes commit with the change or not at all, and a
receiver that raises rolls the whole use case back (the caller gets the error, the order keeps its
old state). So a receiver must only write to the database: anything that leaves the process (a
mail, a task) goes through an outbox row that is handed on after the commit.

Each signal's sender is the `Order` (loaded, with its new status); keyword arguments are `now`
(the use case's clock) and, where stated, more.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: The order became paid: by Stripe's webhook, by staff recording a manual payment, or by a
#: payment that arrived after the hold ran out and could still be honoured (`late=True`).
#: Receivers: promotions (confirm the held redemptions, issue the thank-you code), mail (receipt).
order_paid = _signals.signal("order-paid")

#: The units an unpaid order held went back to stock (payment failed, hold expired, cancelled
#: unpaid). Sent once per order: the release is itself a conditional UPDATE.
#: Receivers: promotions (release the held redemptions, giving their place under the caps back).
stock_released = _signals.signal("stock-released")

#: A paid sale was undone: the order was cancelled after payment, or refunded in full.
#: `reason` is "cancelled" or "refunded". Receivers: promotions (void confirmed redemptions of a
#: cancelled sale; a refunded one keeps them, since the paid order used the offer).
sale_voided = _signals.signal("sale-voided")

#: Staff handed the parcel to a carrier; the order carries `carrier` and `tracking_number`.
#: Receivers: mail (the shipping notice).
order_shipped = _signals.signal("order-shipped")

#: The parcel arrived. Receivers: reviews will ask the buyer for a review from here.
order_delivered = _signals.signal("order-delivered")
