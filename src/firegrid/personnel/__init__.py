"""personnel domain."""
