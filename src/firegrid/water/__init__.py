"""water domain."""
