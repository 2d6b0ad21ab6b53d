"""Customers: the shop's shoppers, who have no accounts. A customer is the e-mail address on their
orders (guest checkout), compared without regard to case; what else the shop holds about them
(reviews, questions and answers, offer uses, mail, review-mail consents) is found by that address.

Owns the staff's view of them (`queries`: the list summed in SQL, one customer's page), the export
of one customer's personal data (`export`) and its erasure on request (`erasure`). It keeps no
table of its own and never changes an order's money: erasure anonymises, the books stay.
"""
