"""Printable documents (PDF, embedded CJK fonts): certificates, letters, selection records, reports."""
