"""The catalog: categories, products, their variants (SKU, options, price, stock) and images.

Owns what is for sale and at what list price, browsing and search. It must not compute what a
shopper pays: carts, discounts, shipping and tax belong to `storefront.cart` and its pricing.
"""
