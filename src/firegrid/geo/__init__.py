"""geo domain."""
