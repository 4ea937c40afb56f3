"""Accounts, roles, tokens and the hash-chained full-process record (issue 6)."""
