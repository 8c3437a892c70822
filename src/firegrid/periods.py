"""Calendar months as ``YYYY-MM`` labels (pure; no database, no clock)."""

from __future__ import annotations

from datetime import date

__all__ = ["months_between"]


def months_between(first: date, last: date) -> list[str]:
    """Every month from ``first``'s to ``last``'s, inclusive, as ``YYYY-MM`` (empty if reversed)."""
    out: list[str] = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
