"""The shop's legal pages: returns and the right of withdrawal, terms, privacy, contact and
imprint, and the accessibility statement, in every language the shop speaks.

Owns their stored texts, the rule for which language a shopper reads, their rendering (Markdown
without HTML, with the shop's name and contact filled in from configuration) and the audited
edits. It knows nothing about carts or orders: the checkout only includes its withdrawal notice.
"""
