"""Checkout: turning a cart into an order, holding its stock while the shopper pays.

Owns the shopper's details, shipping choices and `place_order`, the one transaction that prices
the cart, takes the stock and writes the order. It must not charge anyone: payments react to the
order it creates.
"""
