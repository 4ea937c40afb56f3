"""Conflict services: plain functions over the tables and the live graph, one module per concern.
Controllers only translate HTTP and hand the request's graph (``live``) to the functions that need it."""
