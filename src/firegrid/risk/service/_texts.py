"""The words of a result: reasons in Chinese and English, and the synthetic-data note."""

from __future__ import annotations

import math
from typing import Any

#: Record kinds the synthetic flags count, with their labels.
SYNTHETIC_LABELS: dict[str, tuple[str, str]] = {
    "buildings": ("建筑/重点单位记录", "building / key-unit records"),
    "incidents": ("警情记录", "incident records"),
    "stations": ("站点记录", "station records"),
    "water_sources": ("消防水源记录", "water-source records"),
}


def _fmt(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if math.isinf(value):
        return "∞"
    if unit == "share":
        return f"{value * 100:.0f}%"
    if unit == "s":
        return f"{value / 60:.1f} min"
    if unit == "m":
        return f"{value:,.0f} m"
    return f"{value:.2f} {unit}".strip()


def reason_text(
    name_zh: str, name_en: str, unit: str, value: float | None, points: float
) -> tuple[str, str]:
    """One reason in Chinese and English: the factor, its value and the points it costs."""
    v = _fmt(value, unit)
    return f"{name_zh}：{v}，扣{points:.1f}分", f"{name_en}: {v}, costs {points:.1f} points"


def synthetic_note(basis: dict[str, list[dict[str, Any]]], lang: str) -> str:
    """Say which generated records the result rests on ("" when none), in ``zh`` or ``en``."""
    kinds: dict[str, tuple[int, int]] = {}
    for items in basis.values():
        for it in items:
            kinds[it["kind"]] = (it["synthetic"], it["records"])
    if not kinds:
        return ""
    if lang == "zh":
        parts = "；".join(
            f"{SYNTHETIC_LABELS[k][0]}{r}条中{s}条为合成记录" for k, (s, r) in sorted(kinds.items())
        )
        return f"依据合成演示记录计算（{parts}），风险分值与等级仅作演示，不代表真实评估。"
    parts = "; ".join(
        f"{s} of {r} {SYNTHETIC_LABELS[k][1]} are synthetic" for k, (s, r) in sorted(kinds.items())
    )
    return (
        f"Computed from synthetic demo records ({parts}): the scores and levels are for "
        "demonstration only, not a real assessment."
    )
