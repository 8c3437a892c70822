"""Command centre: call intake, alarm levels, run cards, unit recommendation and status."""
