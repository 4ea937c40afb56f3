"""Panel assignment use cases, one module per concern: ``candidates`` (who can be drawn),
``requests`` (check and draw), ``invitations`` (answers, replacements, opinions, the leader's
report), ``participation`` (an expert's year, for the annual review), ``views`` (reading panels back,
re-running a recorded draw). No HTTP here; import from the precise module."""
