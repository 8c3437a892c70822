"""stations domain."""
