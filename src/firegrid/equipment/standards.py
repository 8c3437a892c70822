"""The station equipment standard (versioned TOML, ``equipment/data/equipment_standards.toml``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from firegrid.errors import ConfigurationError
from firegrid.types import StationClass

__all__ = ["ClassStandard", "EquipmentStandards", "load_equipment_standards", "parse_standards"]


@dataclass(frozen=True)
class ClassStandard:
    vehicles: int
    items: dict[str, int]


@dataclass(frozen=True)
class EquipmentStandards:
    id: str
    version: str
    effective: date
    placeholder: bool
    source: str
    service_life_years: int
    kinds: dict[str, tuple[str, str]]
    maintenance_days: dict[str, int]
    classes: dict[StationClass, ClassStandard]
    targets: dict[str, float]
    new_since: int
    existing_classes: frozenset[StationClass]
    small_classes: frozenset[StationClass]

    def kind_label(self, kind: str, lang: str = "zh") -> str:
        zh, en = self.kinds.get(kind, (kind, kind))
        return en if lang == "en" else zh

    def provenance(self) -> dict[str, Any]:
        return {
            "standard_id": self.id,
            "standard_version": self.version,
            "standard_placeholder": self.placeholder,
        }


def parse_standards(raw: dict[str, Any]) -> EquipmentStandards:
    """Validate the parsed TOML; ConfigurationError names the bad entry."""
    try:
        kinds = {k: (str(v["label"][0]), str(v["label"][1])) for k, v in raw["kinds"].items()}
        days = {k: int(v["maintenance_days"]) for k, v in raw["kinds"].items()}
        classes: dict[StationClass, ClassStandard] = {}
        for name, v in raw["classes"].items():
            items = {str(k): int(n) for k, n in v.get("items", {}).items()}
            unknown = set(items) - set(kinds)
            if unknown:
                raise ConfigurationError(
                    f"equipment standard class {name}: unknown kinds {sorted(unknown)}"
                )
            if any(n < 0 for n in items.values()) or int(v["vehicles"]) < 0:
                raise ConfigurationError(f"equipment standard class {name}: negative count")
            classes[StationClass(name)] = ClassStandard(int(v["vehicles"]), items)
        groups = raw["groups"]
        eff = raw["effective"]
        life = int(raw["vehicles"]["service_life_years"])
        if life <= 0 or any(d <= 0 for d in days.values()):
            raise ConfigurationError("equipment standard: service life and intervals must be > 0")
        return EquipmentStandards(
            id=str(raw["id"]),
            version=str(raw["version"]),
            effective=eff if isinstance(eff, date) else date.fromisoformat(str(eff)),
            placeholder=bool(raw.get("placeholder", False)),
            source=str(raw.get("source", "")),
            service_life_years=life,
            kinds=kinds,
            maintenance_days=days,
            classes=classes,
            targets={k: float(v) for k, v in raw["targets"].items()},
            new_since=int(groups["new_since"]),
            existing_classes=frozenset(StationClass(c) for c in groups["existing_classes"]),
            small_classes=frozenset(StationClass(c) for c in groups["small_classes"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"equipment standard: malformed ({exc!r})") from exc


@cache
def load_equipment_standards() -> EquipmentStandards:
    """The bundled standard (cached)."""
    text = (
        resources.files("firegrid.equipment")
        .joinpath("data/equipment_standards.toml")
        .read_text("utf-8")
    )
    return parse_standards(tomllib.loads(text))
