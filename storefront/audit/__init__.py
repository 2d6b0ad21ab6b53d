"""The audit log: one row per staff action, written in the same transaction as the action.

Owns `AuditEntry` and `record()`. It must not decide anything: callers record what they did.
"""
