"""Benchmarks of the shop under gunicorn on this machine: `make bench` (`python -m bench`).

Measures requests per second and p50/p99 latency of the catalog and product pages next to a
Flask hello world served the same way, the catalog page with 100 against 100,000 products, and the
product page with 10,000 reviews against none.
Everything runs in a temporary folder on loopback; the developer's instance/ and database are
never touched. Never run by the test suite: figures belong in reports, not in assertions.
"""
