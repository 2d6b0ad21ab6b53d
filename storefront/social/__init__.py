"""The social page tab: launches from social platforms, framing rules, feeds and attribution.

Owns verifying who a platform sent (one adapter per platform), the embedded session, the demo
social page, the catalog feed for social catalogs, share links and every visit's channel. It must
not decide prices or offers: it only says where a shopper came from.
"""
