"""E-mail to shoppers through an outbox: a message is a row written in the same transaction as
the change it reports, and a task-queue worker sends it over SMTP, retrying until it goes.

Owns `OutboundEmail`, rendering in the shopper's language and delivery. Nothing here decides
when to write: orders and payments queue the mail their change calls for.
"""
