"""HTTP API (FastAPI). ``api/errors.py`` is the only place that knows status codes."""
