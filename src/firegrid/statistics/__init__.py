"""statistics domain."""
