"""indicators domain."""
