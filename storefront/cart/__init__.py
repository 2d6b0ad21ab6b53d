"""Carts and what a cart costs: lines, quantities within stock, and the priced total.

Owns `Cart`, `CartLine` and `pricing.price_cart`, the one place where a shopper's total is
computed (offers apply there too), fed by `service.line_items`, which the checkout uses as well.
Pages keep the cart's token in the session; the JSON API passes it explicitly. Neither may trust a
price sent by the client.
"""
