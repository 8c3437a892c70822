"""buildings domain."""
