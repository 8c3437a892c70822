"""Supervision: key units, double-random draws, inspections, hazards, self-checks and credit."""
