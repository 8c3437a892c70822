"""districts domain."""
