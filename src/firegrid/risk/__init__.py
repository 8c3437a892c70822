"""Fire risk: assessment index (AHP), prediction model, risk map and early warning."""
