"""The promotion engine: offers for the brand's social audience, their codes and redemptions.

Owns offers, their codes, caps and counters, and the words for them; prices change only through
`engine.evaluate`, called by `cart.pricing.price_cart`. It must not reach into the cart, checkout
or order internals: it follows an order's life through `storefront.orders.signals` (`receivers`).

- `liveness`: when an offer is live (the one rule); `engine`: the pure function from (cart,
  shopper, now, offers) to discounts and reasons; `codes`: what a code looks like, drawing and
  storing one.
- `service`: the live offers and the shopper's verified context for the pricing path, code checks;
  `redemptions`: caps that hold under a rush; `thanks`: thank-you codes; `limits`: the wrong-code
  limit; `banners`, `store_codes`, `messages`, `stats`: the shopper's side (what is shown, the
  in-store code, words for the engine's reasons, views and carts counted).
- The marketer's use cases: `terms` (reading the form), `lifecycle` (create, edit, schedule, end
  early), `channel_codes` (shared codes, batches), `exports` (links, CSV); `results` and
  `preview` are what their pages read.
- Web: `views` (the offer page and template helpers), `admin` (the marketer's pages), `forms`.
"""
from __future__ import annotations

from flask import Flask

from storefront.page_cache import add_horizon

from . import limits, receivers, service, stats


def init_app(app: Flask) -> None:
    """What the promotions need in any app: views and carts noted by a page are counted once its
    response is built (`stats.flush`), the wrong-code limit hears refused codes, and redemptions
    follow the order's life (`receivers`), and a stored page lasts no longer than the next start
    or end of an offer."""
    app.after_request(stats.flush)
    add_horizon(app, service.offers_horizon)
    limits.connect()
    receivers.connect()
