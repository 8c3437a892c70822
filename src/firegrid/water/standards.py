"""The water-source standards (versioned TOML in ``water/data/water_standards.toml``).

Reads packaged data and nothing else; kernels take the parsed :class:`WaterStandards`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from firegrid.errors import ConfigurationError
from firegrid.types import WaterSourceKind

__all__ = ["CHECKLIST_ITEMS", "ReadingRule", "WaterStandards", "load_water_standards"]

#: Checklist items that are columns of ``WaterInspection`` (the TOML lists which apply).
CHECKLIST_ITEMS = (
    "body_intact",
    "no_leak",
    "valve_operates",
    "sign_visible",
    "access_clear",
    "no_frost_damage",
)


@dataclass(frozen=True)
class ReadingRule:
    min_pressure_mpa: float | None
    min_flow_l_s: float | None


@dataclass(frozen=True)
class WaterStandards:
    id: str
    version: str
    effective: date
    source: str
    items: tuple[str, ...]
    labels: dict[str, tuple[str, str]]
    readings: dict[WaterSourceKind, ReadingRule]
    cadence_days: dict[WaterSourceKind, int]
    road_metres_per_hydrant: float

    def label(self, item: str, lang: str = "zh") -> str:
        zh, en = self.labels.get(item, (item, item))
        return en if lang == "en" else zh


def parse_water_standards(raw: dict[str, Any]) -> WaterStandards:
    """Validate the parsed TOML; ConfigurationError names the bad entry."""
    try:
        items = tuple(raw["intact"]["items"])
        unknown = set(items) - set(CHECKLIST_ITEMS)
        if unknown:
            raise ConfigurationError(f"water standards: unknown checklist items {sorted(unknown)}")
        labels = {k: (str(v[0]), str(v[1])) for k, v in raw["intact"].get("labels", {}).items()}
        readings = {
            WaterSourceKind(k): ReadingRule(v.get("min_pressure_mpa"), v.get("min_flow_l_s"))
            for k, v in raw.get("readings", {}).items()
        }
        cadence = {WaterSourceKind(k): int(v) for k, v in raw["cadence"].items()}
        missing = set(WaterSourceKind) - set(cadence)
        if missing:
            raise ConfigurationError(
                f"water standards: [cadence] lacks {sorted(m.value for m in missing)}"
            )
        if any(d <= 0 for d in cadence.values()):
            raise ConfigurationError("water standards: [cadence] days must be positive")
        per = float(raw["planning"]["road_metres_per_hydrant"])
        if per <= 0:
            raise ConfigurationError("water standards: road_metres_per_hydrant must be > 0")
        eff = raw["effective"]
        return WaterStandards(
            id=str(raw["id"]),
            version=str(raw["version"]),
            effective=eff if isinstance(eff, date) else date.fromisoformat(str(eff)),
            source=str(raw.get("source", "")),
            items=items,
            labels=labels,
            readings=readings,
            cadence_days=cadence,
            road_metres_per_hydrant=per,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"water standards: malformed ({exc!r})") from exc


@cache
def load_water_standards() -> WaterStandards:
    """The bundled standards (cached)."""
    text = (
        resources.files("firegrid.water").joinpath("data/water_standards.toml").read_text("utf-8")
    )
    return parse_water_standards(tomllib.loads(text))
