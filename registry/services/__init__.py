"""Registry use cases, one module per aggregate: read records, ask the pure domain, store the decision.
No HTTP here. Import from the precise module (``registry.services.experts``, ``…views``)."""
