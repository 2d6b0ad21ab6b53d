"""Staff accounts: who may sign in to the back office, with which role, and what each role may do.

Owns users, password hashing, roles and permissions, and sign-in. Shoppers have no account here
(they check out as guests); this package must not grow shopper profiles.
"""
