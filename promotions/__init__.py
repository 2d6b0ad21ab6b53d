"""The promotion engine: offers for the brand's social audience, their codes and redemptions.

- `engine`: the pure function from (cart, shopper, now, offers) to discounts and reasons.
- `redemptions`: caps that hold under a rush (held with the stock reservation, confirmed or
  released with it).
- `service`: loading live offers and the shopper's context for the pricing path, codes.
- `marketing`: the marketer's use cases (create, schedule, end early, batches, results).
"""
