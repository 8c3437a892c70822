"""Cell parsers for imports: each takes the raw cell and returns a value or raises ValueError
with the reason a user should read (the caller adds the row number and the column)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from firegrid.types import LabeledEnum
from firegrid.units import yuan_to_fen

__all__ = [
    "Field",
    "boolean",
    "day",
    "integer",
    "is_blank",
    "labeled",
    "money_fen",
    "month",
    "number",
    "text",
    "timestamp",
    "verdict",
    "year",
]

Parser = Callable[[Any], Any]


@dataclass(frozen=True)
class Field:
    """A column of an import: canonical name, parser, whether it must be filled, and the other
    headers districts use for it (Chinese exports especially)."""

    name: str
    parse: Parser
    required: bool = False
    aliases: tuple[str, ...] = ()

    def headers(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def is_blank(cell: Any) -> bool:
    return (
        cell is None
        or (isinstance(cell, str) and not cell.strip())
        or (isinstance(cell, float) and math.isnan(cell))
    )


def text(max_len: int = 200) -> Parser:
    def parse(cell: Any) -> str:
        s = str(cell).strip()
        if len(s) > max_len:
            raise ValueError(f"longer than {max_len} characters ({len(s)})")
        return s

    return parse


def _number(cell: Any) -> float:
    if isinstance(cell, bool):
        raise ValueError(f"not a number: {cell!r}")
    if isinstance(cell, int | float):
        value = float(cell)
    else:
        s = str(cell).strip().replace(",", "")
        try:
            value = float(s)
        except ValueError:
            raise ValueError(f"not a number: {str(cell).strip()!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {cell!r}")
    return value


def number(minimum: float | None = None, maximum: float | None = None) -> Parser:
    def parse(cell: Any) -> float:
        value = _number(cell)
        if minimum is not None and value < minimum:
            raise ValueError(f"{value:g} is below the minimum {minimum:g}")
        if maximum is not None and value > maximum:
            raise ValueError(f"{value:g} is above the maximum {maximum:g}")
        return value

    return parse


def integer(minimum: int | None = None, maximum: int | None = None) -> Parser:
    def parse(cell: Any) -> int:
        value = _number(cell)
        if value != int(value):
            raise ValueError(f"not a whole number: {cell!r}")
        n = int(value)
        if minimum is not None and n < minimum:
            raise ValueError(f"{n} is below the minimum {minimum}")
        if maximum is not None and n > maximum:
            raise ValueError(f"{n} is above the maximum {maximum}")
        return n

    return parse


def year(minimum: int = 1900, maximum: int = 2100) -> Parser:
    return integer(minimum, maximum)


def labeled(enum_cls: type[LabeledEnum]) -> Parser:
    """A member of a firegrid enumeration by value, Chinese label or English label."""

    def parse(cell: Any) -> LabeledEnum:
        return enum_cls.parse(str(cell))

    return parse


_TRUE = {"1", "true", "yes", "y", "t", "是", "真"}
_FALSE = {"0", "false", "no", "n", "f", "否", "假"}


def boolean(cell: Any) -> bool:
    if isinstance(cell, bool):
        return cell
    s = str(cell).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(f"not a yes/no value: {cell!r} (use 1/0, true/false, 是/否)")


_PASS = {"合格", "通过", "达标", "pass", "passed", "ok"}
_FAIL = {"不合格", "未通过", "不达标", "fail", "failed"}


def verdict(cell: Any) -> bool:
    """A pass/fail result: 合格/不合格, 通过/未通过, pass/fail or any yes/no value."""
    s = str(cell).strip().lower()
    if s in _PASS:
        return True
    if s in _FAIL:
        return False
    try:
        return boolean(cell)
    except ValueError:
        raise ValueError(f"not a pass/fail value: {cell!r} (use 合格/不合格, 是/否, 1/0)") from None


def _date_text(cell: Any) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    s = str(cell).strip()
    for sep in ("/", ".", "年", "月"):
        s = s.replace(sep, "-")
    s = s.removesuffix("日")
    head, _, rest = s.partition(" ")
    if rest and rest.strip("0: ") == "":
        s = head  # a date-time at midnight is the date (spreadsheets add 00:00:00)
    parts = s.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError as exc:
            raise ValueError(f"not a date: {str(cell).strip()!r} ({exc})") from None
    if len(s) == 8 and s.isdigit():
        try:
            return date(int(s[:4]), int(s[4:6]), int(s[6:]))
        except ValueError as exc:
            raise ValueError(f"not a date: {str(cell).strip()!r} ({exc})") from None
    raise ValueError(f"not a date: {str(cell).strip()!r} (use e.g. 2024-03-05)")


def day(minimum: date = date(1900, 1, 1), maximum: date = date(2100, 12, 31)) -> Parser:
    """A calendar date: ISO ``2024-03-05``, ``2024/3/5``, ``2024年3月5日`` or ``20240305``."""

    def parse(cell: Any) -> date:
        value = _date_text(cell)
        if not minimum <= value <= maximum:
            raise ValueError(f"{value.isoformat()} is outside {minimum.year}–{maximum.year}")
        return value

    return parse


def month(cell: Any) -> str:
    """A month as ``YYYY-MM`` (from ``2024-03``, ``2024/3``, ``2024年3月``, ``202403``, or a full
    date — Excel turns a typed ``2024-03`` into 1 March 2024)."""
    s = str(cell).strip()
    t = s.replace("/", "-").replace(".", "-").replace("年", "-").removesuffix("月")
    parts = t.split("-")
    if len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
        y, m = int(parts[0]), int(parts[1])
    elif len(t) == 6 and t.isdigit():
        y, m = int(t[:4]), int(t[4:])
    else:
        try:
            d = _date_text(cell)
        except ValueError:
            raise ValueError(f"not a month: {s!r} (use YYYY-MM, e.g. 2024-03)") from None
        y, m = d.year, d.month
    if not (1900 <= y <= 2100 and 1 <= m <= 12):
        raise ValueError(f"not a month: {s!r} (use YYYY-MM, e.g. 2024-03)")
    return f"{y:04d}-{m:02d}"


def money_fen(cell: Any) -> int:
    """Yuan (元) with up to two decimals, stored as integer fen."""
    try:
        d = Decimal(str(cell).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"not an amount of money: {cell!r}") from None
    if not d.is_finite() or d < 0:
        raise ValueError(f"not a non-negative amount: {cell!r}")
    if d != d.quantize(Decimal("0.01")):
        raise ValueError(f"more than two decimals (fen): {cell!r}")
    return yuan_to_fen(d)


def timestamp(tz: str) -> Parser:
    """ISO 8601 date-time; without an offset it is local time in ``tz`` (the district's)."""
    zone = ZoneInfo(tz)

    def parse(cell: Any) -> datetime:
        if isinstance(cell, datetime):
            value = cell
        elif isinstance(cell, date):
            value = datetime(cell.year, cell.month, cell.day)
        else:
            s = str(cell).strip().replace("/", "-")
            try:
                value = datetime.fromisoformat(s)
            except ValueError:
                raise ValueError(
                    f"not a date-time: {str(cell).strip()!r} (use e.g. 2024-03-05 14:30:00)"
                ) from None
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)

    return parse
