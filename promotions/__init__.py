"""The promotion engine: offers for the brand's social audience, their codes and redemptions.

- `engine`: the pure function from (cart, shopper, now, offers) to discounts and reasons.
- `redemptions`: caps that hold under a rush (held with the stock reservation, confirmed or
  released with it).
- `service`: loading live offers and the shopper's context for the pricing path, codes.
- `marketing`: the marketer's use cases (create, edit, schedule, end early, codes, batches).
- `results`: what the marketer's pages read: results per channel and day, the lists.
- `preview`: the marketer's preview (priced through `price_cart`), and the store's scan status.
- `views`, `shopper`, `messages`, `stats`, `thanks`: the shopper's side (offer pages, banners,
  code entry, words for the engine's reasons, views and carts counted, thank-you codes).
"""
