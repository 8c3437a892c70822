"""Unit conversions used across domains; names carry their units."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["fen_to_yuan", "per_capita", "wan_to_persons", "wanyuan_to_fen", "yuan_to_fen"]


def yuan_to_fen(yuan: Decimal | float | str) -> int:
    """Yuan (元) to integer fen (分), rounding half up; money is stored as integer fen."""
    return int((Decimal(str(yuan)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def wanyuan_to_fen(wanyuan: Decimal | float | str) -> int:
    """Ten-thousand yuan (万元) to integer fen."""
    return yuan_to_fen(Decimal(str(wanyuan)) * 10_000)


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def wan_to_persons(wan: Decimal | float | str) -> int:
    """Population printed in 万人 to persons."""
    return int((Decimal(str(wan)) * 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def per_capita(count: float, population: float, per: int) -> float:
    """``count`` per ``per`` residents (e.g. per=100_000 for a rate per 100k)."""
    if population <= 0:
        raise ValueError(f"population must be positive, got {population}")
    return count / population * per
