"""Parse cells of published tables as printed ("39.6万", "1/0.25%", "2016年", "1900余", "—")."""

from __future__ import annotations

import re

__all__ = ["parse_number", "parse_row_key"]

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def parse_number(text: str) -> float | None:
    """The first number in a printed cell, ignoring units and qualifiers; None for dashes."""
    cleaned = text.strip().replace(",", "").replace("，", "")
    if cleaned in ("", "—", "-", "/", "－"):
        return None
    m = _NUMBER.search(cleaned)
    return float(m.group()) if m else None


def parse_row_key(text: str) -> tuple[str, int | None]:
    """``"2016年"`` → ``("2016", 2016)``; ``"合  计"`` → ``("total", None)``."""
    compact = re.sub(r"\s+", "", text)
    m = re.fullmatch(r"(\d{4})年?", compact)
    if m:
        return m.group(1), int(m.group(1))
    if compact in ("合计", "总计", "合计/年均"):
        return "total", None
    return compact, None
