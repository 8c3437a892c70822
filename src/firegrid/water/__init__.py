"""water domain: sources, status history, inspections and the maintenance loop."""

from firegrid.water import history as _history  # noqa: F401  (registers the status listener)
