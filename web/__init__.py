"""Web pages (Simplified Chinese, server-rendered with Jinja and htmx) over the same services as the API."""
