"""Number formatting for the dashboard's tables (Jinja filters); None shows as a dash."""

from __future__ import annotations

__all__ = ["DASH", "decimal", "integer", "money", "rate", "wan"]

DASH = "—"


def integer(value: float | None) -> str:
    """``1234`` → ``1,234``."""
    return DASH if value is None else f"{round(value):,}"


def money(value: float | None) -> str:
    """Yuan with two decimals: ``950620.9`` → ``950,620.90``."""
    return DASH if value is None else f"{value:,.2f}"


def rate(value: float | None) -> str:
    """A rate as the plans print it, two decimals: ``0.25``."""
    return DASH if value is None else f"{value:.2f}"


def decimal(value: float | None, places: int = 1) -> str:
    """Up to ``places`` decimals, trailing zeros dropped: ``1448.37`` → ``1,448.4``."""
    if value is None:
        return DASH
    text = f"{value:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def wan(persons: float | None) -> str:
    """Persons in 万 (10,000) as the plans print population: ``396000`` → ``39.6``."""
    return DASH if persons is None else decimal(persons / 10_000, 1)
