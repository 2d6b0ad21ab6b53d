"""Demo data: a small Baltic knitwear brand's catalog with generated product images.

Owns `flask demo load` and the data it writes. Loading is idempotent (running it twice changes
nothing). Production shops never need this package.
"""
