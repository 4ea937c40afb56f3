"""Outbox, channels and scheduled jobs (issue 5)."""
