"""Shared plumbing for every capability: settings, database engine, API errors."""
